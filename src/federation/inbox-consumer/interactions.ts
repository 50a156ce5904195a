/**
 * Like (and Misskey's reaction-Likes, Pleroma's EmojiReact, which Mastodon-API clients see as
 * favourites: INTEROP §1.9), Announce, their Undo, Add/Remove of pinned posts (Move is
 * in move.ts, Flag in flag.ts).
 * A favourite or boost is taken as Mastodon takes it: of a status the actor may see, with the
 * local author notified through `notify()`; a boost goes through FANOUT like any status.
 */
import { and, eq, sql } from "drizzle-orm";
import { type Account, favourites, notifications, type Status, statuses, statusPins } from "../../db/schema";
import { newId } from "../../ids";
import { notify } from "../../services/notifications";
import { batchSql } from "../../services/relationships/common";
import { endFollowStatements } from "../../services/relationships/follow";
import { fanout } from "../../services/statuses/post";
import type { Activity } from "../vocab/activity";
import { findStatusByUri, type InboxContext, PermanentError, resolveAccount, sameOrigin } from "./context";
import { hasLocalFollowers, type Outcome } from "./create";
import { removeStatus } from "./delete";
import { undoRelationship } from "./follows";
import { visibilityOf } from "./status-draft";
import { checkAuthorship, resolveStatus, storeRemoteStatus } from "./store-status";
import { isTombstoned } from "./tombstones";

/** Whether `account` may see `status` (Mastodon's StatusPolicy#show? for remote accounts). */
async function canSee(ctx: InboxContext, account: Account, status: Status): Promise<boolean> {
  if (status.visibility === "public" || status.visibility === "unlisted") return true;
  if (status.accountId === account.id) return true;
  const rows = await ctx.db.all<{ ok: number }>(sql`
    SELECT (EXISTS (SELECT 1 FROM mentions WHERE status_id = ${status.id} AND account_id = ${account.id})
      OR (${status.visibility} = 'private' AND EXISTS (
        SELECT 1 FROM follows WHERE account_id = ${account.id} AND target_account_id = ${status.accountId}))) AS ok`);
  return rows[0]?.ok === 1;
}

async function isBlockedBy(ctx: InboxContext, accountId: number, by: number): Promise<boolean> {
  const rows = await ctx.db.all<{ one: number }>(
    sql`SELECT 1 AS one FROM blocks WHERE account_id = ${by} AND target_account_id = ${accountId} LIMIT 1`,
  );
  return rows.length > 0;
}

/** Like / EmojiReact: a favourite of a local status (Mastodon keeps none of remote ones). */
export async function handleLike(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const uri = activity.object.id;
  if (!uri) throw new PermanentError(`${activity.type} names nothing`);
  const status = await findStatusByUri(ctx, uri);
  if (!status?.local || status.reblogOfId !== null) return { done: true, note: "favourite of no local post" };
  if (!(await canSee(ctx, actor, status)) || (await isBlockedBy(ctx, actor.id, status.accountId))) {
    throw new PermanentError(`${actor.uri} may not favourite ${uri}`);
  }
  const now = Date.now();
  const inserted = await ctx.db
    .insert(favourites)
    .values({ id: newId(now), accountId: actor.id, statusId: status.id, uri: activity.id, createdAt: now })
    .onConflictDoNothing()
    .returning({ id: favourites.id });
  if (inserted.length > 0) {
    await notify(ctx.db, { recipientId: status.accountId, fromAccountId: actor.id, type: "favourite", statusId: status.id, now });
  }
  return { done: true };
}

async function unfavourite(ctx: InboxContext, actor: Account, status: Status): Promise<void> {
  // The same two statements as the API's unfavourite: the favourite and its notification.
  await ctx.db.batch([
    ctx.db.delete(favourites).where(and(eq(favourites.accountId, actor.id), eq(favourites.statusId, status.id))),
    ctx.db
      .delete(notifications)
      .where(
        sql`${notifications.fromAccountId} = ${actor.id} AND ${notifications.type} = 'favourite' AND ${notifications.statusId} = ${status.id}`,
      ),
  ]);
}

/** Announce: a boost of a stored, fetchable or embedded post that is public or unlisted. */
export async function handleAnnounce(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  if (!activity.id) throw new PermanentError("Announce without an id");
  const ref = activity.object;
  if (ref.kind === "activity" || ref.kind === "other") {
    // Lemmy's Group announces wrap activities; Mastodon does not take those as boosts either.
    return { done: true, note: `Announce of ${ref.kind === "activity" ? ref.activity.type : "an unsupported object"} ignored` };
  }
  if (ref.kind !== "object" && ref.kind !== "link") throw new PermanentError(`Announce of ${ref.kind}`);
  const existing = await findStatusByUri(ctx, activity.id);
  if (existing) return { done: true };
  // The boost (or the boosted post) was deleted before this arrived: Mastodon's delete_arrived_first?.
  if (await isTombstoned(ctx, activity.id, ref.id)) return { done: true, note: "boost of a deleted post or a deleted boost" };

  let original = await findStatusByUri(ctx, ref.id);
  if (!original && ref.kind === "object" && sameOrigin(ref.id, actor.uri)) {
    // Embedded by its own server: trusted as sent, once its author is known.
    const author = await resolveAccount(ctx, checkAuthorship(ref.object, null));
    if (author.domain !== null) original = (await storeRemoteStatus(ctx, ref.object, author)) ?? undefined;
  }
  original ??= await resolveStatus(ctx, ref.id);
  if (original.reblogOfId !== null) throw new PermanentError("Announce of a boost");
  if (original.visibility !== "public" && original.visibility !== "unlisted") {
    throw new PermanentError(`${actor.uri} may not boost a ${original.visibility} post`);
  }
  if (!original.local && !(await hasLocalFollowers(ctx, actor.id))) return { done: true, note: "boost nobody here follows" };

  const now = Date.now();
  const published = activity.published ? Math.min(Date.parse(activity.published), now) : now;
  const id = newId(published);
  const visibility = visibilityOf({ to: activity.to, cc: activity.cc }, actor);
  const inserted = await ctx.db.all<{ id: number }>(sql`
    INSERT INTO statuses (id, uri, account_id, local, reblog_of_id, visibility, text, content, spoiler_text, sensitive, created_at)
    SELECT ${id}, ${activity.id}, ${actor.id}, 0, ${original.id}, ${visibility === "direct" ? "private" : visibility}, '', '', '', 0, ${published}
    WHERE NOT EXISTS (SELECT 1 FROM statuses WHERE reblog_of_id = ${original.id} AND account_id = ${actor.id})
    ON CONFLICT DO NOTHING
    RETURNING id`);
  if (inserted.length === 0) return { done: true };
  await notify(ctx.db, { recipientId: original.accountId, fromAccountId: actor.id, type: "reblog", statusId: original.id, now });
  await fanout(ctx.fanout, id);
  return { done: true };
}

/** Undo: of a Like/EmojiReact, Announce, Follow, Block or Accept, embedded or named by id. */
export async function handleUndo(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const ref = activity.object;
  if (ref.kind === "activity") {
    const undone = ref.activity;
    if (undone.actor !== actor.uri) throw new PermanentError(`${actor.uri} may not undo an activity of ${undone.actor}`);
    switch (undone.type) {
      case "Like":
      case "EmojiReact": {
        const status = undone.object.id ? await findStatusByUri(ctx, undone.object.id) : undefined;
        if (status) await unfavourite(ctx, actor, status);
        return { done: true };
      }
      case "Announce":
        if (undone.id) return undoById(ctx, undone.id, actor);
        return { done: true, note: "undo of an Announce without id" };
      case "Follow":
      case "Block":
      case "Accept":
        return undoRelationship(ctx, undone, actor);
      default:
        return { done: true, note: `undo of ${undone.type} ignored` };
    }
  }
  if (ref.id) return undoById(ctx, ref.id, actor);
  return { done: true, note: "undo of nothing" };
}

/** An Undo naming only the id of what it undoes: a boost, a favourite, a follow or a block of the actor's. */
async function undoById(ctx: InboxContext, id: string, actor: Account): Promise<Outcome> {
  const boost = await findStatusByUri(ctx, id);
  if (boost) {
    if (boost.accountId !== actor.id || boost.reblogOfId === null) throw new PermanentError(`${actor.uri} may not undo ${id}`);
    await removeStatus(ctx, boost);
    return { done: true };
  }
  // Scoped to the actor's own rows (their pair indexes), never a scan of the table.
  const [fav] = await ctx.db.all<{ status_id: number }>(
    sql`SELECT status_id FROM favourites WHERE account_id = ${actor.id} AND uri = ${id} LIMIT 1`,
  );
  if (fav) {
    const [status] = await ctx.db.select().from(statuses).where(eq(statuses.id, fav.status_id)).limit(1);
    if (status) await unfavourite(ctx, actor, status);
    return { done: true };
  }
  const [rel] = await ctx.db.all<{ kind: string; target: number }>(sql`
    SELECT 'Follow' AS kind, target_account_id AS target FROM follows WHERE account_id = ${actor.id} AND uri = ${id}
    UNION ALL SELECT 'Follow', target_account_id FROM follow_requests WHERE account_id = ${actor.id} AND uri = ${id}
    UNION ALL SELECT 'Block', target_account_id FROM blocks WHERE account_id = ${actor.id} AND uri = ${id}
    LIMIT 1`);
  if (!rel) return { done: true, note: "undo of something we do not have" };
  if (rel.kind === "Block") {
    await ctx.db.run(sql`DELETE FROM blocks WHERE account_id = ${actor.id} AND target_account_id = ${rel.target}`);
  } else {
    // The unfollow service's own statements; a remote follower has no home feed to clean.
    await batchSql(ctx.db, endFollowStatements(actor.id, rel.target));
  }
  return { done: true };
}

/** Add/Remove to the actor's `featured` collection: pin or unpin one of its own posts. */
export async function handleFeatured(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  if (!actor.featuredUrl || activity.target !== actor.featuredUrl) return { done: true, note: "not the featured collection" };
  const uri = activity.object.id;
  const status = uri ? await findStatusByUri(ctx, uri) : undefined;
  if (!status) return { done: true, note: "pin of a post we do not have" };
  if (status.accountId !== actor.id) throw new PermanentError(`${actor.uri} may not pin ${uri}`);
  if (activity.type === "Add") {
    const now = Date.now();
    await ctx.db
      .insert(statusPins)
      .values({ id: newId(now), accountId: actor.id, statusId: status.id, createdAt: now })
      .onConflictDoNothing();
  } else {
    await ctx.db.delete(statusPins).where(and(eq(statusPins.accountId, actor.id), eq(statusPins.statusId, status.id)));
  }
  return { done: true };
}
