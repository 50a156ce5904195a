/**
 * Frames shared across a delivery's sockets. Most viewers of a new status get the same copy (no
 * filters, not the author), so the payload and each stream's frame are serialized once per shard
 * call, not once per socket.
 */

import type { FilterContext } from "../db/schema-client-surface";
import type { MastodonStatus } from "../entities/status";
import type { ActiveFilters } from "../services/filters";
import { type EventName, eventFrame, type Subscription, wireStream } from "./protocol";
import { forViewer } from "./viewer-filters";

/**
 * One delivery's frames, built once per distinct (stream, payload): a public post reaches a shard's
 * hundreds of sockets with one or two payloads, and serializing the 2–3 KB status again for each
 * socket was most of the shard's time per frame.
 */
export class FrameCache {
  private readonly frames = new Map<string, string>();

  constructor(private readonly event: EventName) {}

  /** `payloadKey` names the payload's variant (shared, or one viewer's). */
  frame(sub: Subscription, payloadKey: string, payload?: string): string {
    const key = `${sub.stream}\u0000${sub.tag ?? sub.list ?? ""}\u0000${payloadKey}`;
    let frame = this.frames.get(key);
    if (frame === undefined) {
      frame = eventFrame(wireStream(sub), this.event, payload);
      this.frames.set(key, frame);
    }
    return frame;
  }
}

/** Viewers without filters who did not write the status all get the same copy. */
function payloadKey(base: MastodonStatus, viewerId: number | null, filters: ActiveFilters | undefined): string {
  if (viewerId === null) return "anonymous";
  if (String(viewerId) === base.account.id || (filters && filters.filters.length > 0)) return `v${viewerId}`;
  return "shared";
}

/** One delivery's copies of a status, each serialized once: the key names the copy for FrameCache. */
export class ViewerCopies {
  private readonly payloads = new Map<string, string | null>();

  constructor(
    private readonly base: MastodonStatus,
    private readonly context: FilterContext,
  ) {}

  /** The viewer's copy as JSON, or null when the viewer's filters hide it. */
  get(viewerId: number | null, filters: ActiveFilters | undefined): { key: string; payload: string | null } {
    const key = payloadKey(this.base, viewerId, filters);
    let payload = this.payloads.get(key);
    if (payload === undefined) {
      const shown = forViewer(this.base, viewerId, filters, this.context);
      payload = shown ? JSON.stringify(shown) : null;
      this.payloads.set(key, payload);
    }
    return { key, payload };
  }
}
