/**
 * One signed POST of an activity to one inbox. The body bytes are serialized once per message by
 * the caller; each inbox gets its own signature (the signed headers name the inbox's host and path).
 *
 * Signature style, double-knocking as Mastodon's outgoing RFC 9421 support does (INTEROP §1.2): sign
 * with the style remembered for the origin (draft-cavage unless learned otherwise). When the peer
 * answers 401, or 400 with an `Accept-Signature` header (RFC 9421 §5: it names what it wants), sign
 * once more in the other style at once; if that one is accepted, the caller remembers it for the origin.
 */
import type { Fetcher } from "../fetch";
import type { SigningKey } from "../keys";
import { signCavage } from "../signatures/cavage";
import { signRfc9421 } from "../signatures/rfc9421";
import type { SignatureStyle } from "./domains";
import { classifyStatus, parseRetryAfter, type StatusClass } from "./policy";

export interface PostContext {
  fetch: Fetcher;
  now: () => number;
  timeoutMs: number;
  userAgent: string;
}

export interface InboxOutcome {
  kind: StatusClass;
  status: number | null;
  reason: string;
  /** Seconds the peer asked us to wait (429/503 `Retry-After`). */
  retryAfter: number | null;
  /** The style the final request was signed with. */
  style: SignatureStyle;
  /** How many requests (hence signatures) this inbox took: 1, or 2 after a style switch. */
  requests: number;
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Already consumed or errored: nothing to release.
  }
}

async function postOnce(
  ctx: PostContext,
  key: SigningKey,
  inbox: string,
  body: Uint8Array,
  style: SignatureStyle,
): Promise<Response> {
  const headers = new Headers({
    "content-type": "application/activity+json",
    accept: "application/activity+json",
    "user-agent": ctx.userAgent,
  });
  const request = { method: "POST", url: inbox, headers, body };
  if (style === "rfc9421") await signRfc9421(request, key, ctx.now());
  else await signCavage(request, key, ctx.now());
  return ctx.fetch(inbox, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(ctx.timeoutMs) });
}

function wantsOtherStyle(res: Response): boolean {
  return res.status === 401 || (res.status === 400 && res.headers.has("accept-signature"));
}

function outcomeOf(res: Response, style: SignatureStyle, requests: number, now: number): InboxOutcome {
  const kind = classifyStatus(res.status);
  const retryAfter = res.status === 429 || res.status === 503 ? parseRetryAfter(res.headers.get("retry-after"), now) : null;
  return { kind, status: res.status, reason: `HTTP ${res.status}`, retryAfter, style, requests };
}

/** Delivers `body` to `inbox`. Never throws for remote misbehaviour: failures are outcomes. */
export async function postToInbox(
  ctx: PostContext,
  key: SigningKey,
  inbox: string,
  body: Uint8Array,
  style: SignatureStyle,
): Promise<InboxOutcome> {
  let requests = 0;
  try {
    requests++;
    let res = await postOnce(ctx, key, inbox, body, style);
    if (wantsOtherStyle(res)) {
      await discard(res);
      style = style === "cavage" ? "rfc9421" : "cavage";
      requests++;
      res = await postOnce(ctx, key, inbox, body, style);
    }
    await discard(res);
    return outcomeOf(res, style, requests, ctx.now());
  } catch (err) {
    const name = (err as Error).name;
    const reason = name === "TimeoutError" || name === "AbortError" ? "timed out" : `network error: ${(err as Error).message}`;
    return { kind: "transient", status: null, reason, retryAfter: null, style, requests };
  }
}
