/**
 * Federating what happens to local statuses, called once per FANOUT message by the consumer
 * (fanout-create.ts, fanout.ts, fanout-delete.ts): Create (or Announce for a boost), Update, and
 * Delete (or Undo Announce). Recipients as recipients.ts describes; followers are read page by page
 * and the rest of a huge follower list goes on in a `delivery.followers` FANOUT message.
 */
import { sql } from "drizzle-orm";
import { type Config, loadConfig } from "../../config";
import { type Db, envDb } from "../../db/client";
import { type Account, accounts, type Status, statuses } from "../../db/schema";
import { type OutboundTombstone, outboundTombstones } from "../../db/schema-outbound";
import { localStatusUri } from "../../entities/status";
import type { Bindings } from "../../env";
import { idTime } from "../../ids";
import { enqueueFanout } from "../../queue/messages";
import { actorUri } from "../../urls";
import {
  type AnnounceInput,
  announceActivity,
  createActivity,
  deleteActivity,
  undoAnnounceActivity,
  updateActivity,
} from "./activities";
import { type DeliveryEnv, enqueueDelivery } from "./enqueue";
import { accountUri, addressing, loadNoteSource, noteObject, statusUri } from "./note";
import { FOLLOWER_INBOX_PAGES, followerInboxPage, reachedInboxes } from "./recipients";

export type OutboundBindings = Pick<Bindings, "DB" | "FANOUT"> & DeliveryEnv & Parameters<typeof loadConfig>[0];

/** What sending needs, however the caller holds it (the Worker env, a service's env, a test). */
export interface OutboundCtx extends DeliveryEnv {
  db: Db;
  config: Config;
  FANOUT: Queue;
}

export function outboundFromEnv(env: OutboundBindings, db: Db = envDb(env)): OutboundCtx {
  return { db, config: loadConfig(env), DELIVERY: env.DELIVERY, FANOUT: env.FANOUT };
}

/**
 * Sends `activity` to `actorId`'s remote followers after follower id `after`, plus `extra` inboxes
 * (deduplicated against the followers'). Past FOLLOWER_INBOX_PAGES pages the rest continues in a
 * follow-up FANOUT message.
 */
export async function deliverToFollowers(
  ctx: OutboundCtx,
  actorId: number,
  activity: Record<string, unknown>,
  after: number,
  extra: readonly string[] = [],
): Promise<"done" | "continued"> {
  const { db } = ctx;
  const inboxes = new Set(extra);
  let cursor: number | null = after;
  for (let page = 0; page < FOLLOWER_INBOX_PAGES && cursor !== null; page++) {
    const result = await followerInboxPage(db, actorId, cursor);
    for (const inbox of result.inboxes) inboxes.add(inbox);
    cursor = result.next;
  }
  await enqueueDelivery(ctx, actorId, activity, inboxes);
  if (cursor === null) return "done";
  await enqueueFanout(ctx.FANOUT, { type: "delivery.followers", v: 1, actorId, activity, afterAccountId: cursor });
  return "continued";
}

async function loadAccount(db: Db, id: number): Promise<Account | undefined> {
  const rows = await db.select().from(accounts).where(sql`${accounts.id} = ${id}`).limit(1);
  return rows[0];
}

/** A local boost as its Announce (to/cc per the boost's visibility, cc'ing the boosted author). */
type BoostFields = Pick<Status, "id" | "reblogOfId" | "visibility" | "createdAt">;

async function announceOf(ctx: OutboundCtx, boost: BoostFields, booster: Account, originalUriHint?: string | null) {
  const { db, config } = ctx;
  const rows = await db.all<{ uri: string | null; id: number; reblog_of_id: number | null; author_id: number }>(sql`
    SELECT id, uri, reblog_of_id, account_id AS author_id FROM statuses WHERE id = ${boost.reblogOfId ?? 0}`);
  const original = rows[0];
  const originalAuthor = original ? await loadAccount(db, original.author_id) : undefined;
  const object =
    original && originalAuthor
      ? statusUri(config, { ...original, reblogOfId: original.reblog_of_id }, originalAuthor)
      : originalUriHint;
  if (!object) return undefined;
  const { to, cc } = addressing(
    config,
    booster,
    boost.visibility,
    [],
    originalAuthor ? [accountUri(config, originalAuthor)] : [],
  );
  const input: AnnounceInput = {
    id: localStatusUri(config, booster.username, boost),
    actor: actorUri(config, booster.username),
    object,
    published: boost.createdAt,
    to,
    cc,
  };
  return { input };
}

/** status.created: Create of a local status, or Announce of a local boost. */
export async function deliverStatusCreated(env: OutboundBindings, statusId: number): Promise<void> {
  const ctx = outboundFromEnv(env);
  const { db, config } = ctx;
  const [status] = await db.all<{ reblog_of_id: number | null; local: number }>(
    sql`SELECT reblog_of_id, local FROM statuses WHERE id = ${statusId}`,
  );
  if (status?.local !== 1) return;
  if (status.reblog_of_id !== null) {
    const [boost] = await db.select().from(statuses).where(sql`${statuses.id} = ${statusId}`);
    const booster = boost ? await loadAccount(db, boost.accountId) : undefined;
    if (!boost || !booster || booster.domain !== null) return;
    const announce = await announceOf(ctx, boost, booster);
    if (!announce) return;
    await deliverToFollowers(ctx, booster.id, announceActivity(announce.input), 0, await reachedInboxes(db, statusId));
    return;
  }
  const source = await loadNoteSource(db, config, statusId);
  if (!source || source.bundle.account.suspendedAt !== null) return;
  const activity = createActivity(noteObject(config, source));
  const reached = await reachedInboxes(db, statusId);
  if (source.bundle.status.visibility === "direct") {
    await enqueueDelivery(ctx, source.bundle.account.id, activity, reached);
    return;
  }
  await deliverToFollowers(ctx, source.bundle.account.id, activity, 0, reached);
}

/** status.updated: Update of an edited local status (polls included) to everyone who may hold it. */
export async function deliverStatusUpdated(env: OutboundBindings, statusId: number): Promise<void> {
  const ctx = outboundFromEnv(env);
  const { db, config } = ctx;
  const source = await loadNoteSource(db, config, statusId);
  if (!source || source.bundle.status.reblogOfId !== null) return;
  const { status, account } = source.bundle;
  const activity = updateActivity(noteObject(config, source), status.editedAt ?? Date.now());
  const reached = await reachedInboxes(db, statusId);
  if (status.visibility === "direct") {
    await enqueueDelivery(ctx, account.id, activity, reached);
    return;
  }
  await deliverToFollowers(ctx, account.id, activity, 0, reached);
}

/** status.deleted: Delete of a local status (or Undo Announce of a local boost), from its tombstone. */
export async function deliverStatusDeleted(env: OutboundBindings, statusId: number): Promise<void> {
  const ctx = outboundFromEnv(env);
  const { db } = ctx;
  const [tomb] = await db.select().from(outboundTombstones).where(sql`${outboundTombstones.statusId} = ${statusId}`);
  if (!tomb) return;
  const author = await loadAccount(db, tomb.accountId);
  if (!author || author.domain !== null) return;
  const activity = await tombstoneActivity(ctx, tomb, author);
  if (!activity) return;
  if (tomb.visibility === "direct") {
    await enqueueDelivery(ctx, author.id, activity, tomb.inboxes);
    return;
  }
  await deliverToFollowers(ctx, author.id, activity, 0, tomb.inboxes);
}

async function tombstoneActivity(ctx: OutboundCtx, tomb: OutboundTombstone, author: Account) {
  const { config } = ctx;
  const ids = { id: tomb.statusId, reblogOfId: tomb.reblogOfId };
  if (tomb.reblogOfId === null)
    return deleteActivity(actorUri(config, author.username), localStatusUri(config, author.username, ids));
  const boost: BoostFields = {
    id: tomb.statusId,
    reblogOfId: tomb.reblogOfId,
    visibility: tomb.visibility as Status["visibility"],
    createdAt: idTime(tomb.statusId),
  };
  const announce = await announceOf(ctx, boost, author, tomb.reblogOfUri);
  return announce ? undoAnnounceActivity(announce.input, tomb.statusId) : undefined;
}
