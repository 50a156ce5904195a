/**
 * Fetching a remote media file for the cache, under the rules of the one remote-fetch module
 * (src/federation/fetch.ts): no private or reserved targets outside development, redirects followed
 * by hand (at most three, each re-checked), a timeout, and a size cap enforced while streaming. The
 * bytes are then sniffed: only images (and, for attachments, video and audio) are kept, whatever the
 * remote server claims the type is.
 */
import type { Config } from "../../config";
import { type Fetcher, MAX_REDIRECTS, readCapped, unfetchableReason } from "../../federation/fetch";
import { PETREL_VERSION } from "../../version";
import { type Sniffed, sniff } from "../sniff";

export const MEDIA_FETCH_TIMEOUT_MS = 20_000;

export type MediaFetchResult = { ok: true; bytes: Uint8Array; sniffed: Sniffed } | { ok: false; reason: string };

export interface MediaFetchOptions {
  maxBytes: number;
  /** Kinds of content accepted (sniffed from the bytes). */
  accept: ReadonlyArray<Sniffed["kind"]>;
  timeoutMs?: number;
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Already consumed or errored.
  }
}

/** Never throws for remote misbehaviour. */
export async function fetchRemoteMedia(
  config: Config,
  fetcher: Fetcher,
  url: string,
  options: MediaFetchOptions,
): Promise<MediaFetchResult> {
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const refused = unfetchableReason(config, current);
      if (refused) return { ok: false, reason: `${refused}: ${current}` };
      const res = await fetcher(current, {
        method: "GET",
        headers: { accept: "image/*, video/*, audio/*", "user-agent": `Petrel/${PETREL_VERSION} (+${config.baseUrl}/)` },
        redirect: "manual",
        signal: AbortSignal.timeout(options.timeoutMs ?? MEDIA_FETCH_TIMEOUT_MS),
      });
      if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
        await discard(res);
        if (hop >= MAX_REDIRECTS) return { ok: false, reason: `more than ${MAX_REDIRECTS} redirects` };
        current = new URL(res.headers.get("location") ?? "", current).href;
        continue;
      }
      if (!res.ok) {
        await discard(res);
        return { ok: false, reason: `HTTP ${res.status}` };
      }
      if (Number(res.headers.get("content-length") ?? "0") > options.maxBytes) {
        await discard(res);
        return { ok: false, reason: `larger than ${options.maxBytes} bytes` };
      }
      const bytes = await readCapped(res.body, options.maxBytes);
      if (!bytes) return { ok: false, reason: `larger than ${options.maxBytes} bytes` };
      const found = sniff(bytes);
      if (!found || !options.accept.includes(found.kind)) return { ok: false, reason: "not a supported media file" };
      return { ok: true, bytes, sniffed: found };
    }
  } catch (err) {
    const name = (err as Error).name;
    return {
      ok: false,
      reason: name === "TimeoutError" || name === "AbortError" ? "timed out" : `network error: ${(err as Error).message}`,
    };
  }
}
