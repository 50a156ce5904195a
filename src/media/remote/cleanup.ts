/**
 * Expiry of the remote media cache: copies not served for `days` days are removed, rows first and then
 * their R2 objects, a bounded batch per run (the cron runs every minute, so a backlog drains quickly).
 * It reads only media_cache, which holds nothing but copies of remote files: local uploads, avatars,
 * headers and emoji are never in it, so they cannot be reached from here. A removed copy is fetched
 * again the next time someone asks for it.
 */
import { and, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { mediaAttachments } from "../../db/schema";
import { type CacheKind, customEmojis, mediaCache } from "../../db/schema-media";
import { deleteObjects } from "../store";

export const DAY_MS = 86_400_000;
const BATCH = 200;

/** Removes up to `limit` copies unused for `days` days; returns how many went. */
export async function expireRemoteMedia(
  db: Db,
  bucket: R2Bucket,
  days: number,
  now: number = Date.now(),
  limit: number = BATCH,
): Promise<number> {
  const rows = await db
    .select({ remoteUrl: mediaCache.remoteUrl, fileKey: mediaCache.fileKey })
    .from(mediaCache)
    .where(lt(mediaCache.lastUsedAt, now - days * DAY_MS))
    .orderBy(mediaCache.lastUsedAt)
    .limit(limit);
  if (rows.length === 0) return 0;
  // Only rows still stale at delete time: one served in between keeps its copy.
  const deleted = await db
    .delete(mediaCache)
    .where(
      and(
        inArray(
          mediaCache.remoteUrl,
          rows.map((r) => r.remoteUrl),
        ),
        lt(mediaCache.lastUsedAt, now - days * DAY_MS),
      ),
    )
    .returning({ fileKey: mediaCache.fileKey });
  await deleteObjects(
    bucket,
    deleted.map((r) => r.fileKey),
  );
  return deleted.length;
}

/** Runs the expiry until nothing is left to expire (the CLI's `media remove`), batch by batch. */
export async function expireAllRemoteMedia(db: Db, bucket: R2Bucket, days: number, now: number = Date.now()): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await expireRemoteMedia(db, bucket, days, now);
    total += n;
    if (n === 0) return total;
  }
}

export type UsageKind = "local" | "avatars_headers" | "emoji" | "remote_cache";

export interface MediaUsage {
  /** Bytes by kind; remote_cache splits further by what was cached. */
  bytes: Record<UsageKind, number>;
  counts: Record<UsageKind, number>;
  remoteCacheByKind: Partial<Record<CacheKind, { bytes: number; count: number }>>;
}

/**
 * Bytes stored, by kind. An operator report: it sums whole tables (media_attachments, media_cache,
 * custom_emojis), so it is for the CLI, never for a request path. Avatars and headers are not sized
 * in D1, so they are counted from their R2 listing under accounts/. Emoji counts local ones (remote
 * emoji images are in the remote cache).
 */
export async function mediaUsage(db: Db, bucket: R2Bucket): Promise<MediaUsage> {
  const bytes = sql<number | null>`sum(file_size)`;
  const count = sql<number>`count(*)`;
  const [[local], cache, [emoji]] = await db.batch([
    db.select({ bytes, n: count }).from(mediaAttachments).where(isNull(mediaAttachments.remoteUrl)),
    db.select({ kind: mediaCache.kind, bytes, n: count }).from(mediaCache).groupBy(mediaCache.kind),
    db.select({ bytes, n: count }).from(customEmojis).where(isNull(customEmojis.domain)),
  ]);
  let profileBytes = 0;
  let profileCount = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: "accounts/", cursor });
    for (const o of page.objects) {
      profileBytes += o.size;
      profileCount++;
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  const remoteCacheByKind: MediaUsage["remoteCacheByKind"] = {};
  for (const r of cache) remoteCacheByKind[r.kind] = { bytes: Number(r.bytes ?? 0), count: Number(r.n) };
  return {
    bytes: {
      local: Number(local?.bytes ?? 0),
      avatars_headers: profileBytes,
      emoji: Number(emoji?.bytes ?? 0),
      remote_cache: cache.reduce((s, r) => s + Number(r.bytes ?? 0), 0),
    },
    counts: {
      local: Number(local?.n ?? 0),
      avatars_headers: profileCount,
      emoji: Number(emoji?.n ?? 0),
      remote_cache: cache.reduce((s, r) => s + Number(r.n), 0),
    },
    remoteCacheByKind,
  };
}
