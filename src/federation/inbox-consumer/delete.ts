/**
 * Delete: a post (or a boost, by its Announce id) through the same statements as
 * src/services/statuses/delete.ts, or the actor itself. A deleted actor is suspended at once (its
 * posts disappear from every read path) and its content is removed in bounded slices: each message
 * deletes at most ACCOUNT_DELETE_SLICE posts and sends itself again for the rest.
 * Deleting someone else's post changes nothing; a Delete of a post on the actor's own server is
 * remembered as a tombstone (tombstones.ts) even when we never had the post.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type Account, accounts, type Status, statuses } from "../../db/schema";
import { deletionStatements, enqueueDeletions } from "../../services/statuses/delete";
import { runInBatch } from "../../services/statuses/raw";
import { revokeByStampDeletion } from "../quote-requests";
import type { Activity } from "../vocab/activity";
import { findStatusByUri, type InboxContext, PermanentError } from "./context";
import type { Outcome } from "./create";
import { recordTombstone } from "./tombstones";

export const ACCOUNT_DELETE_SLICE = 50;

/** Removes one status and what hangs off it, then tells FANOUT so feeds drop it. */
export async function removeStatus(ctx: InboxContext, status: Status): Promise<void> {
  const boosts = await ctx.db
    .select({ id: statuses.id, accountId: statuses.accountId, reblogOfId: statuses.reblogOfId })
    .from(statuses)
    .where(eq(statuses.reblogOfId, status.id));
  await ctx.db.batch([
    // Remote media rows that were never cached have no files; cached ones expire with theirs.
    runInBatch(ctx.db, sql`DELETE FROM media_attachments WHERE status_id = ${status.id} AND file_key IS NULL`),
    ...deletionStatements(ctx.db, status),
  ] as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  await enqueueDeletions(ctx.fanout, [...boosts, status]);
}

export async function handleDelete(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const id = activity.object.id;
  if (!id) throw new PermanentError("Delete names nothing");
  if (id === actor.uri) return deleteActor(ctx, actor);
  const status = await findStatusByUri(ctx, id);
  if (status && status.accountId !== actor.id) throw new PermanentError(`${actor.uri} may not delete ${id}`);
  // As Mastodon, every Delete from the object's own server leaves a tombstone, so a Create that
  // arrives later (or is retried) cannot bring the post back.
  const remembered = await recordTombstone(ctx, id, actor);
  if (!status && (await revokeByStampDeletion(ctx, id, actor))) return { done: true, note: "quote authorization withdrawn" };
  if (!status)
    return { done: true, note: remembered ? "tombstone kept for a post we do not have" : "delete of a post we do not have" };
  await removeStatus(ctx, status);
  return { done: true };
}

async function deleteActor(ctx: InboxContext, actor: Account): Promise<Outcome> {
  const now = Date.now();
  if (actor.suspendedAt === null) {
    await ctx.db.update(accounts).set({ suspendedAt: now, updatedAt: now }).where(eq(accounts.id, actor.id));
  }
  const slice = await ctx.db
    .select()
    .from(statuses)
    .where(eq(statuses.accountId, actor.id))
    .orderBy(statuses.id)
    .limit(ACCOUNT_DELETE_SLICE);
  for (const status of slice) await removeStatus(ctx, status);
  if (slice.length === ACCOUNT_DELETE_SLICE) {
    // More to do: the same activity again, so one invocation's work stays bounded.
    await ctx.inbox.send(ctx.message, { contentType: "json" });
    return { done: true, note: "continued" };
  }
  await ctx.db.batch([
    // Relationships in both directions; counters follow through the triggers.
    runInBatch(ctx.db, sql`DELETE FROM follows WHERE account_id = ${actor.id}`),
    runInBatch(ctx.db, sql`DELETE FROM follows WHERE target_account_id = ${actor.id}`),
    runInBatch(ctx.db, sql`DELETE FROM follow_requests WHERE account_id = ${actor.id}`),
    runInBatch(ctx.db, sql`DELETE FROM follow_requests WHERE target_account_id = ${actor.id}`),
    runInBatch(ctx.db, sql`DELETE FROM favourites WHERE account_id = ${actor.id}`),
    runInBatch(ctx.db, sql`DELETE FROM poll_votes WHERE account_id = ${actor.id}`),
    runInBatch(ctx.db, sql`DELETE FROM blocks WHERE account_id = ${actor.id}`),
    ctx.db
      .update(accounts)
      .set({ note: "", fields: [], avatar: null, header: null })
      .where(and(eq(accounts.id, actor.id))),
  ]);
  return { done: true };
}
