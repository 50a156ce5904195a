/**
 * Remembering deleted remote objects (Mastodon's Tombstone model, `federation_tombstones`): a Delete
 * from the object's own server records its URI, whether or not we hold the object, so that a Create,
 * Announce or Update of it arriving later (out-of-order or retried deliveries) is ignored instead of
 * bringing the post back. Only URIs on the deleting actor's origin are recorded, so nobody can
 * tombstone someone else's posts. Old rows are purged by the cron (`purgeTombstones`).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { Account } from "../../db/schema";
import { federationTombstones } from "../../db/schema-federation-tombstones";
import { type InboxContext, isLocalUri, sameOrigin } from "./context";

/** Long past the last delivery retry (about two days on Mastodon's schedule). */
export const TOMBSTONE_RETENTION_DAYS = 7;

/** Records `uri` as deleted by `actor`; false (nothing written) when the URI is not on the actor's origin. */
export async function recordTombstone(ctx: Pick<InboxContext, "db" | "config">, uri: string, actor: Account): Promise<boolean> {
  if (!actor.uri || !sameOrigin(uri, actor.uri) || isLocalUri(ctx, uri)) return false;
  await ctx.db.insert(federationTombstones).values({ uri, accountId: actor.id, createdAt: Date.now() }).onConflictDoNothing();
  return true;
}

/** Whether any of `uris` was deleted by its owner (a primary-key probe each). */
export async function isTombstoned(ctx: Pick<InboxContext, "db">, ...uris: Array<string | null | undefined>): Promise<boolean> {
  const wanted = uris.filter((u): u is string => typeof u === "string" && u !== "");
  if (wanted.length === 0) return false;
  const rows = await ctx.db.all<{ one: number }>(
    sql`SELECT 1 AS one FROM federation_tombstones WHERE uri IN (SELECT value FROM json_each(${JSON.stringify(wanted)})) LIMIT 1`,
  );
  return rows.length > 0;
}

/** Per cron tick: D1 is single-threaded, so one tick never deletes more than this. */
const PURGE_BATCH = 1_000;

/** Drops up to PURGE_BATCH tombstones older than the retention, oldest first (the created_at index). */
export async function purgeTombstones(db: Db, now = Date.now(), days = TOMBSTONE_RETENTION_DAYS): Promise<void> {
  await db.run(sql`DELETE FROM federation_tombstones WHERE uri IN (
    SELECT uri FROM federation_tombstones WHERE created_at < ${now - days * 86_400_000} ORDER BY created_at LIMIT ${PURGE_BATCH})`);
}
