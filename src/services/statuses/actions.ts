/**
 * What a user does to someone's status: favourite, boost, bookmark, pin, mute the conversation, and
 * their undoing. Counters follow from the rows (triggers); repeated or concurrent requests are
 * absorbed by unique indexes or guarded inserts, so five simultaneous favourites make one.
 * Every action answers with the Status entity as the actor now sees it.
 */
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { bookmarks, conversationMutes, favourites, notifications, type Status, statuses, statusPins } from "../../db/schema";
import type { MastodonStatus } from "../../entities/status";
import { ApiError, notFound } from "../../errors";
import { outboundOf, sendFeatured, sendLike } from "../../federation/outbound/actions";
import { newId, parseId } from "../../ids";
import { notify } from "../notifications";
import { validationError } from "./compose";
import { deletionStatements, enqueueDeletions } from "./delete";
import { MAX_PINNED_STATUSES } from "./limits";
import { findStatus, requireVisibleOriginal, requireVisibleStatus, statusJson } from "./lookup";
import { type Author, fanout, type PostEnv } from "./post";

const notAllowed = () => new ApiError(403, "This action is not allowed");

export async function favourite(env: PostEnv, viewer: Author, rawId: string): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const status = await requireVisibleOriginal(db, me, rawId);
  const now = Date.now();
  const inserted = await db
    .insert(favourites)
    .values({ id: newId(now), accountId: me, statusId: status.id, createdAt: now })
    .onConflictDoNothing()
    .returning({ id: favourites.id });
  if (inserted[0]) {
    await notify(db, { recipientId: status.accountId, fromAccountId: me, type: "favourite", statusId: status.id, now });
    await sendLike(outboundOf(env), viewer.account, inserted[0].id, status.id);
  }
  return statusJson(db, config, me, status.id);
}

export async function unfavourite(env: PostEnv, viewer: Author, rawId: string): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const target = await originalOf(db, rawId);
  const [removed] = await db.batch([
    db
      .delete(favourites)
      .where(and(eq(favourites.accountId, me), eq(favourites.statusId, target.id)))
      .returning({ id: favourites.id }),
    // Mastodon destroys the notification with the favourite.
    db.delete(notifications).where(notificationOf(me, "favourite", target.id)),
  ]);
  // Undoing what you did stays possible after losing sight of the status; otherwise it must be visible.
  if (removed[0]) {
    await sendLike(outboundOf(env), viewer.account, removed[0].id, target.id, true);
    return statusJson(db, config, me, target.id, { skipVisibility: true });
  }
  await requireVisibleStatus(db, me, target.id);
  return statusJson(db, config, me, target.id);
}

export async function bookmark(env: PostEnv, viewer: Author, rawId: string): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const status = await requireVisibleOriginal(db, me, rawId);
  const now = Date.now();
  await db
    .insert(bookmarks)
    .values({ id: newId(now), accountId: me, statusId: status.id, createdAt: now })
    .onConflictDoNothing();
  return statusJson(db, config, me, status.id);
}

export async function unbookmark(env: PostEnv, viewer: Author, rawId: string): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const target = await originalOf(db, rawId);
  const removed = await db
    .delete(bookmarks)
    .where(and(eq(bookmarks.accountId, me), eq(bookmarks.statusId, target.id)))
    .returning({ id: bookmarks.id });
  if (removed.length > 0) return statusJson(db, config, me, target.id, { skipVisibility: true });
  await requireVisibleStatus(db, me, target.id);
  return statusJson(db, config, me, target.id);
}

/**
 * Mastodon's ReblogService: private statuses only by their author (and the boost stays private),
 * direct ones never; a second boost returns the first. Answers with the boost, wrapping the original.
 */
export async function reblog(
  env: PostEnv,
  viewer: Author,
  rawId: string,
  rawVisibility: string | undefined,
): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const original = await requireVisibleOriginal(db, me, rawId);
  if (original.visibility === "direct" || (original.visibility === "private" && original.accountId !== me)) throw notAllowed();
  const existing = await findBoost(db, me, original.id);
  if (existing) return statusJson(db, config, me, existing.id);

  const visibility = original.visibility === "private" ? "private" : boostVisibility(rawVisibility, viewer);
  const now = Date.now();
  const id = newId(now);
  // One statement, so two racing boosts can't both insert (D1 runs statements one at a time).
  const inserted = await db.all<{ id: number }>(sql`
    INSERT INTO statuses (id, account_id, local, reblog_of_id, visibility, text, content, spoiler_text, sensitive, created_at)
    SELECT ${id}, ${me}, 1, ${original.id}, ${visibility}, '', '', '', 0, ${now}
    WHERE NOT EXISTS (SELECT 1 FROM statuses WHERE reblog_of_id = ${original.id} AND account_id = ${me})
    RETURNING id`);
  if (inserted.length === 0) {
    const winner = await findBoost(db, me, original.id);
    if (!winner) throw notFound();
    return statusJson(db, config, me, winner.id);
  }
  await notify(db, { recipientId: original.accountId, fromAccountId: me, type: "reblog", statusId: original.id, now });
  await fanout(env.fanout, id);
  return statusJson(db, config, me, id);
}

function boostVisibility(raw: string | undefined, viewer: Author): "public" | "unlisted" | "private" {
  const wanted = raw === undefined || raw === "" ? (viewer.user.settings.defaultPrivacy ?? "public") : raw;
  if (wanted === "public" || wanted === "unlisted" || wanted === "private") return wanted;
  // Status validates `exclusion: direct/limited` for boosts, and the enum for anything else.
  if (wanted === "direct") throw validationError(["Visibility is reserved"]);
  throw validationError(["Visibility is not included in the list"]);
}

/** Deletes the viewer's boost of the status (if any) and answers with the original. */
export async function unreblog(env: PostEnv, viewer: Author, rawId: string): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const target = await originalOf(db, rawId);
  const boost = await findBoost(db, me, target.id);
  if (!boost) {
    await requireVisibleStatus(db, me, target.id);
    return statusJson(db, config, me, target.id);
  }
  await db.batch(deletionStatements(db, boost));
  await enqueueDeletions(env.fanout, [boost]);
  return statusJson(db, config, me, target.id, { skipVisibility: true });
}

/** Mastodon's StatusPinValidator, in its order and wording; a second pin of the same status is a duplicate. */
export async function pin(env: PostEnv, viewer: Author, rawId: string): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const status = await requireVisibleStatus(db, me, rawId);
  const errors: string[] = [];
  if (status.reblogOfId !== null) errors.push("A boost cannot be pinned");
  if (status.accountId !== me) errors.push("Someone else's post cannot be pinned");
  if (status.visibility === "direct") errors.push("Posts that are only visible to mentioned users cannot be pinned");
  const limitMessage = "You have already pinned the maximum number of posts";
  const [count] = await db.select({ n: sql<number>`count(*)` }).from(statusPins).where(eq(statusPins.accountId, me));
  if ((count?.n ?? 0) >= MAX_PINNED_STATUSES) errors.push(limitMessage);
  if (errors.length > 0) throw validationError(errors);
  const now = Date.now();
  // The count is checked again inside the insert, so racing pins can't pass the limit together.
  const inserted = await db.all<{ id: number }>(sql`
    INSERT INTO status_pins (id, account_id, status_id, created_at)
    SELECT ${newId(now)}, ${me}, ${status.id}, ${now}
    WHERE (SELECT count(*) FROM status_pins WHERE account_id = ${me}) < ${MAX_PINNED_STATUSES}
    ON CONFLICT DO NOTHING
    RETURNING id`);
  if (inserted.length === 0) {
    const [already] = await db
      .select({ id: statusPins.id })
      .from(statusPins)
      .where(and(eq(statusPins.accountId, me), eq(statusPins.statusId, status.id)));
    if (already) throw new ApiError(422, "Duplicate record");
    throw validationError([limitMessage]);
  }
  await sendFeatured(outboundOf(env), viewer.account, status.id, "Add", now);
  return statusJson(db, config, me, status.id);
}

export async function unpin(env: PostEnv, viewer: Author, rawId: string): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const status = await requireVisibleStatus(db, me, rawId);
  const unpinned = await db
    .delete(statusPins)
    .where(and(eq(statusPins.accountId, me), eq(statusPins.statusId, status.id)))
    .returning({ id: statusPins.id });
  if (unpinned.length > 0) await sendFeatured(outboundOf(env), viewer.account, status.id, "Remove");
  return statusJson(db, config, me, status.id);
}

/** Mutes notifications from the status's whole conversation (Mastodon asks only that it be visible). */
export async function muteConversation(env: PostEnv, viewer: Author, rawId: string, mute: boolean): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = viewer.account.id;
  const status = await requireVisibleOriginal(db, me, rawId);
  if (status.conversationId === null) throw new ApiError(422, "Validation failed");
  if (mute) {
    await db.insert(conversationMutes).values({ accountId: me, conversationId: status.conversationId }).onConflictDoNothing();
  } else {
    await db
      .delete(conversationMutes)
      .where(and(eq(conversationMutes.accountId, me), eq(conversationMutes.conversationId, status.conversationId)));
  }
  return statusJson(db, config, me, status.id);
}

async function findBoost(db: Db, accountId: number, originalId: number): Promise<Status | undefined> {
  const rows = await db
    .select()
    .from(statuses)
    .where(and(eq(statuses.reblogOfId, originalId), eq(statuses.accountId, accountId)))
    .limit(1);
  return rows[0];
}

/** The status an un-action names (a boost stands for what it boosts), or 404; visibility is checked later. */
async function originalOf(db: Db, rawId: string): Promise<Status> {
  const id = parseId(rawId);
  const status = id === undefined ? undefined : await findStatus(db, id);
  if (!status) throw notFound();
  if (status.reblogOfId === null) return status;
  const original = await findStatus(db, status.reblogOfId);
  if (!original) throw notFound();
  return original;
}

function notificationOf(fromAccountId: number, type: "favourite" | "reblog", statusId: number): SQL {
  return sql`${notifications.fromAccountId} = ${fromAccountId} AND ${notifications.type} = ${type} AND ${notifications.statusId} = ${statusId}`;
}
