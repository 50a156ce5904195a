/**
 * The remote media cache: a remote file is fetched into R2 the first time someone asks for it (the
 * proxy URL an entity handed out, urls.ts), served from R2 after that, and forgotten after N days
 * without use (cleanup.ts). API requests never wait for a remote server: serializing an entity only
 * mints the proxy URL; the fetch happens when a client loads the image, once.
 *
 * When the remote file cannot be fetched (gone, too large, not media, private address), the client is
 * redirected to the remote URL: it may still load it, and nothing bad is stored.
 */
import { eq, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { accounts, mediaAttachments } from "../../db/schema";
import { type CacheKind, customEmojis, type MediaCacheRow, mediaCache } from "../../db/schema-media";
import type { Fetcher } from "../../federation/fetch";
import { policyForUrl } from "../../services/domain-policy";
import { serveObject } from "../serve";
import { deleteObjects, putObject } from "../store";
import { fetchRemoteMedia, type MediaFetchOptions } from "./fetch-media";
import { isRemoteUrl, type ProxyKind } from "./urls";

/** A served cached copy is marked as used at most this often (one write per object per hour). */
export const TOUCH_INTERVAL_MS = 3_600_000;

const KIND: Record<ProxyKind, CacheKind> = { attachments: "attachment", avatars: "avatar", headers: "header", emojis: "emoji" };

/** Bounded in-memory fetches: Workers have 128 MB; larger remote files are linked, not cached. */
const LIMITS: Record<CacheKind, MediaFetchOptions> = {
  attachment: { maxBytes: 40 * 1024 * 1024, accept: ["image", "video", "audio"] },
  avatar: { maxBytes: 8 * 1024 * 1024, accept: ["image"] },
  header: { maxBytes: 8 * 1024 * 1024, accept: ["image"] },
  emoji: { maxBytes: 256 * 1024, accept: ["image"] },
};

export interface RemoteMediaContext {
  db: Db;
  config: Config;
  bucket: R2Bucket;
  fetcher: Fetcher;
  now?: number;
}

/** The remote URL behind a proxy URL, read from the row it came from; undefined when there is none. */
export async function resolveRemoteUrl(db: Db, kind: ProxyKind, id: number): Promise<string | undefined> {
  let value: string | null | undefined;
  if (kind === "attachments") {
    const [row] = await db
      .select({ url: mediaAttachments.remoteUrl })
      .from(mediaAttachments)
      .where(eq(mediaAttachments.id, id))
      .limit(1);
    value = row?.url;
  } else if (kind === "emojis") {
    const [row] = await db
      .select({ url: customEmojis.imageRemoteUrl })
      .from(customEmojis)
      .where(eq(customEmojis.id, id))
      .limit(1);
    value = row?.url;
  } else {
    const [row] = await db
      .select({ avatar: accounts.avatar, header: accounts.header })
      .from(accounts)
      .where(eq(accounts.id, id))
      .limit(1);
    value = kind === "avatars" ? row?.avatar : row?.header;
  }
  return isRemoteUrl(value) ? value : undefined;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The cached copy of `remoteUrl`, fetching and storing it when there is none. undefined on failure. */
export async function ensureCached(
  ctx: RemoteMediaContext,
  kind: CacheKind,
  remoteUrl: string,
): Promise<MediaCacheRow | undefined> {
  const now = ctx.now ?? Date.now();
  const [hit] = await ctx.db.select().from(mediaCache).where(eq(mediaCache.remoteUrl, remoteUrl)).limit(1);
  if (hit) {
    if (hit.lastUsedAt < now - TOUCH_INTERVAL_MS) {
      await ctx.db.update(mediaCache).set({ lastUsedAt: now }).where(eq(mediaCache.remoteUrl, remoteUrl));
    }
    return { ...hit, lastUsedAt: Math.max(hit.lastUsedAt, now - TOUCH_INTERVAL_MS) };
  }
  const policy = await policyForUrl(ctx.db, remoteUrl);
  if (policy && (policy.rejectMedia || policy.severity === "suspend")) {
    console.log(
      `remote media not cached (${policy.domain} is blocked${policy.rejectMedia ? " with its media" : ""}): ${remoteUrl}`,
    );
    return undefined;
  }
  const fetched = await fetchRemoteMedia(ctx.config, ctx.fetcher, remoteUrl, LIMITS[kind]);
  if (!fetched.ok) {
    console.warn(`remote media not cached (${fetched.reason}): ${remoteUrl}`);
    return undefined;
  }
  const key = `cache/${kind}s/${(await sha256Hex(remoteUrl)).slice(0, 32)}/${randomToken()}.${fetched.sniffed.ext}`;
  await putObject(ctx.bucket, { key, bytes: fetched.bytes, contentType: fetched.sniffed.mime, accountId: 0 });
  const row: MediaCacheRow = {
    remoteUrl,
    kind,
    fileKey: key,
    contentType: fetched.sniffed.mime,
    fileSize: fetched.bytes.length,
    lastUsedAt: now,
    createdAt: now,
  };
  const inserted = await ctx.db.insert(mediaCache).values(row).onConflictDoNothing().returning({ key: mediaCache.fileKey });
  if (inserted.length === 0) {
    // Another request cached it first: keep theirs.
    await deleteObjects(ctx.bucket, [key]);
    const [theirs] = await ctx.db.select().from(mediaCache).where(eq(mediaCache.remoteUrl, remoteUrl)).limit(1);
    return theirs;
  }
  return row;
}

/** Drops a cache row whose R2 object went missing, so the next request fetches again. */
async function forget(db: Db, remoteUrl: string): Promise<void> {
  await db.delete(mediaCache).where(sql`${mediaCache.remoteUrl} = ${remoteUrl}`);
}

/**
 * GET/HEAD /media/proxy/<kind>/<id>/<tag>: the cached copy (Range and ETag as for local media), or a
 * redirect to the remote URL when it cannot be cached; null when the id names no remote media.
 */
export async function serveRemoteMedia(
  ctx: RemoteMediaContext,
  request: Request,
  kind: ProxyKind,
  id: number,
): Promise<Response | null> {
  const remoteUrl = await resolveRemoteUrl(ctx.db, kind, id);
  if (!remoteUrl) return null;
  for (let attempt = 0; attempt < 2; attempt++) {
    const cached = await ensureCached(ctx, KIND[kind], remoteUrl);
    if (!cached) break;
    const response = await serveObject(ctx.bucket, cached.fileKey, request);
    if (response) return response;
    await forget(ctx.db, remoteUrl);
  }
  return new Response(null, { status: 302, headers: { location: remoteUrl, "cache-control": "public, max-age=300" } });
}
