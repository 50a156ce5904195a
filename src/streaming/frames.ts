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
  /** payload key → stream (with its tag or list as sent) → frame. */
  private readonly frames = new Map<string, Map<string, string>>();

  constructor(private readonly event: EventName) {}

  /** `payloadKey` names the payload's variant (shared, or one viewer's). */
  frame(sub: Subscription, payloadKey: string, payload?: string): string {
    let byStream = this.frames.get(payloadKey);
    if (!byStream) {
      byStream = new Map();
      this.frames.set(payloadKey, byStream);
    }
    // Called once per socket: no key is built for the streams without a tag or list (most of them).
    const param = sub.tag ?? sub.list;
    const key = param === undefined ? sub.stream : `${sub.stream}\u0000${param}`;
    let frame = byStream.get(key);
    if (frame === undefined) {
      frame = eventFrame(wireStream(sub), this.event, payload);
      byStream.set(key, frame);
    }
    return frame;
  }
}

/** Viewers without filters who did not write the status all get the same copy. */
function payloadKey(authorId: number, viewerId: number | null, filters: ActiveFilters | undefined): string {
  if (viewerId === null) return "anonymous";
  if (viewerId === authorId || (filters && filters.filters.length > 0)) return `v${viewerId}`;
  return "shared";
}

/** One delivery's copies of a status, each serialized once: the key names the copy for FrameCache. */
export class ViewerCopies {
  private readonly payloads = new Map<string, string | null>();
  private readonly authorId: number;

  constructor(
    private readonly base: MastodonStatus,
    private readonly context: FilterContext,
  ) {
    this.authorId = Number(base.account.id);
  }

  /** The viewer's copy as JSON, or null when the viewer's filters hide it. */
  get(viewerId: number | null, filters: ActiveFilters | undefined): { key: string; payload: string | null } {
    const key = payloadKey(this.authorId, viewerId, filters);
    let payload = this.payloads.get(key);
    if (payload === undefined) {
      const shown = forViewer(this.base, viewerId, filters, this.context);
      payload = shown ? JSON.stringify(shown) : null;
      this.payloads.set(key, payload);
    }
    return { key, payload };
  }
}

/** A socket and what it is sent through (SocketIndex's entry, or a bare socket). */
interface Target {
  ws: WebSocket;
}

/**
 * A delivery's frames, queued per socket and then sent socket by socket, so that a socket's frames
 * (a new status on `public:local` and on `user`) go out back to back: the runtime starts a socket's
 * send loop on its first frame and the second joins it, where sending them from two separate passes
 * over the sockets starts the loop twice per socket.
 */
export class Outbox<T extends Target = Target> {
  private readonly bySocket = new Map<T, string[]>();

  add(target: T, frame: string): void {
    const frames = this.bySocket.get(target);
    if (frames) frames.push(frame);
    else this.bySocket.set(target, [frame]);
  }

  /** Sends everything queued; the number of frames sent. */
  flush(): number {
    let sent = 0;
    for (const [{ ws }, frames] of this.bySocket) {
      for (const frame of frames) {
        try {
          ws.send(frame);
          sent += 1;
        } catch {
          // A socket closing under us: its close handler cleans up.
          break;
        }
      }
    }
    this.bySocket.clear();
    return sent;
  }
}
