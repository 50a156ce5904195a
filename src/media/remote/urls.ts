/**
 * URLs on our host for remote media (attachments, avatars, headers, emoji of other servers), so
 * clients never hot-link remote servers. Entities mint them synchronously from what the row already
 * holds: no lookup, no fetch while serializing. The route behind them (routes.ts) fetches and caches
 * on first request and serves the R2 copy afterwards.
 *
 *   /media/proxy/<kind>/<id>/<tag>
 *
 * `tag` is a short hash of the remote URL: when an avatar (or emoji image) changes, its URL changes,
 * so long-lived browser and CDN caches never serve the old picture.
 */
import type { Config } from "../../config";

export type ProxyKind = "attachments" | "avatars" | "headers" | "emojis";
export const PROXY_KINDS: readonly ProxyKind[] = ["attachments", "avatars", "headers", "emojis"];

/** FNV-1a, 32 bits, hex: a cache-busting tag, not a security measure (the route re-reads the URL). */
export function urlTag(url: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < url.length; i++) {
    h ^= url.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

export function isRemoteUrl(value: string | null | undefined): value is string {
  return typeof value === "string" && /^https?:\/\//.test(value);
}

export function proxyUrl(config: Config, kind: ProxyKind, id: number, remoteUrl: string): string {
  return `${config.baseUrl}/media/proxy/${kind}/${id}/${urlTag(remoteUrl)}`;
}
