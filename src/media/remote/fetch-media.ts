/**
 * Fetching a remote media file for the cache, under the rules of the one remote-fetch module
 * (src/federation/fetch.ts): no private or reserved targets outside development, redirects followed
 * by hand (at most three, each re-checked), a timeout, and a size cap enforced while streaming. The
 * bytes are then sniffed: only images (and, for attachments, video and audio) are kept, whatever the
 * remote server claims the type is.
 */
import type { Config } from "../../config";
import { discardBody, type Fetcher, getPublic, networkFailureReason, readCapped } from "../../federation/fetch";
import { type Sniffed, sniff } from "../sniff";

export const MEDIA_FETCH_TIMEOUT_MS = 20_000;

export type MediaFetchResult = { ok: true; bytes: Uint8Array; sniffed: Sniffed } | { ok: false; reason: string };

export interface MediaFetchOptions {
  maxBytes: number;
  /** Kinds of content accepted (sniffed from the bytes). */
  accept: ReadonlyArray<Sniffed["kind"]>;
  timeoutMs?: number;
}

/** Never throws for remote misbehaviour. */
export async function fetchRemoteMedia(
  config: Config,
  fetcher: Fetcher,
  url: string,
  options: MediaFetchOptions,
): Promise<MediaFetchResult> {
  const got = await getPublic(config, fetcher, url, {
    accept: "image/*, video/*, audio/*",
    timeoutMs: options.timeoutMs ?? MEDIA_FETCH_TIMEOUT_MS,
  });
  if (!got.ok) return got;
  const { res } = got;
  try {
    if (Number(res.headers.get("content-length") ?? "0") > options.maxBytes) {
      await discardBody(res);
      return { ok: false, reason: `larger than ${options.maxBytes} bytes` };
    }
    const bytes = await readCapped(res.body, options.maxBytes);
    if (!bytes) return { ok: false, reason: `larger than ${options.maxBytes} bytes` };
    const found = sniff(bytes);
    if (!found || !options.accept.includes(found.kind)) return { ok: false, reason: "not a supported media file" };
    return { ok: true, bytes, sniffed: found };
  } catch (err) {
    return { ok: false, reason: networkFailureReason(err) };
  }
}
