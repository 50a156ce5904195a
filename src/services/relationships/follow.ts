/**
 * Following, as Mastodon's FollowService, UnfollowService, RemoveFromFollowersService and the follow
 * request services do it. Counters are kept by triggers on `follows`; home feeds are updated after the
 * D1 write; notifications go through `notify`, which applies the recipient's blocks and mutes.
 */
import { eq, type SQL, sql } from "drizzle-orm";
import { loadConfig } from "../../config";
import type { Db } from "../../db/client";
import { type Account, followRequests, follows } from "../../db/schema";
import type { Bindings } from "../../env";
import { ApiError } from "../../errors";
import {
  followActivityId,
  outgoingFollow,
  sendAccept,
  sendFollow,
  sendReject,
  sendUndoFollow,
} from "../../federation/outbound/actions";
import { newId } from "../../ids";
import { mergeIntoHomeFeed, removeFromHomeFeed } from "../feeds";
import { notify } from "../notifications";
import { batchSql } from "./common";

export interface FollowOptions {
  /** Show the target's boosts in the home feed; undefined keeps the current value (true for new follows). */
  reblogs?: boolean | undefined;
  /** Notify on each of the target's posts; undefined keeps the current value (false for new follows). */
  notify?: boolean | undefined;
  /** Only these languages; null for all; undefined keeps the current value. */
  languages?: string[] | null | undefined;
  /** Follow a locked local account at once (Mastodon's bypass_locked, for followers migrated by a Move). */
  bypassLocked?: boolean | undefined;
}

export const SELF_FOLLOW_ERROR = "Following your own account is not allowed";
const notAllowed = () => new ApiError(403, "This action is not allowed");

/** `languages[]` as Mastodon keeps it: ISO 639 codes, de-duplicated; an empty list means all languages. */
export function normalizeLanguages(raw: string[]): string[] | null {
  const out = new Set<string>();
  for (const value of raw) {
    const code = value.trim().toLowerCase();
    if (code === "") continue;
    if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/.test(code)) {
      throw new ApiError(422, "Validation failed: Languages contains an invalid language code");
    }
    out.add(code);
  }
  if (out.size > 100) throw new ApiError(422, "Validation failed: Languages is too long (maximum is 100 languages)");
  return out.size > 0 ? [...out] : null;
}

interface FollowState {
  blocked: number;
  domain_blocked: number;
  follow_id: number | null;
  request_id: number | null;
}

async function followState(db: Db, sourceId: number, target: Account): Promise<FollowState> {
  const rows = await db.all<FollowState>(sql`
    SELECT
      EXISTS (SELECT 1 FROM blocks WHERE (account_id = ${sourceId} AND target_account_id = ${target.id})
        OR (account_id = ${target.id} AND target_account_id = ${sourceId})) AS blocked,
      EXISTS (SELECT 1 FROM account_domain_blocks WHERE account_id = ${sourceId} AND domain = ${target.domain}) AS domain_blocked,
      (SELECT id FROM follows WHERE account_id = ${sourceId} AND target_account_id = ${target.id}) AS follow_id,
      (SELECT id FROM follow_requests WHERE account_id = ${sourceId} AND target_account_id = ${target.id}) AS request_id`);
  const row = rows[0];
  if (!row) throw new Error("follow state query returned no row");
  return row;
}

function changedOptions(options: FollowOptions): { showReblogs?: boolean; notify?: boolean; languages?: string[] | null } {
  const set: { showReblogs?: boolean; notify?: boolean; languages?: string[] | null } = {};
  if (options.reblogs !== undefined) set.showReblogs = options.reblogs;
  if (options.notify !== undefined) set.notify = options.notify;
  if (options.languages !== undefined) set.languages = options.languages;
  return set;
}

/**
 * Follows `target`, or asks to when it is locked (or remote, where the other server answers).
 * Following again changes the options of the follow or of the pending request.
 */
export async function followAccount(
  env: Bindings,
  db: Db,
  source: Account,
  target: Account,
  options: FollowOptions,
  now = Date.now(),
): Promise<void> {
  if (source.id === target.id) throw new ApiError(403, SELF_FOLLOW_ERROR);
  if (target.suspendedAt !== null) throw new ApiError(404, "Record not found");
  const state = await followState(db, source.id, target);
  if (state.blocked === 1 || state.domain_blocked === 1 || target.movedToAccountId !== null) throw notAllowed();

  const set = changedOptions(options);
  if (state.follow_id !== null) {
    if (Object.keys(set).length > 0) await db.update(follows).set(set).where(eq(follows.id, state.follow_id));
    return;
  }
  if (state.request_id !== null) {
    if (Object.keys(set).length > 0) await db.update(followRequests).set(set).where(eq(followRequests.id, state.request_id));
    return;
  }

  const values = {
    id: newId(now),
    source: source.id,
    target: target.id,
    reblogs: (options.reblogs ?? true) ? 1 : 0,
    notify: (options.notify ?? false) ? 1 : 0,
    languages: options.languages ? JSON.stringify(options.languages) : null,
  };
  // The block check is repeated inside the insert, so a block that lands in between wins.
  const unblocked = sql`NOT EXISTS (SELECT 1 FROM blocks WHERE (account_id = ${source.id} AND target_account_id = ${target.id})
    OR (account_id = ${target.id} AND target_account_id = ${source.id}))`;
  if ((target.locked && options.bypassLocked !== true) || target.domain !== null) {
    // A local account's Follow of a remote one gets its activity id now: the peer's Accept names it.
    const uri =
      source.domain === null && target.domain !== null ? followActivityId({ config: loadConfig(env) }, source, values.id) : null;
    const inserted = await db.all<{ id: number }>(sql`
      INSERT OR IGNORE INTO follow_requests (id, account_id, target_account_id, show_reblogs, notify, languages, uri, created_at)
      SELECT ${values.id}, ${values.source}, ${values.target}, ${values.reblogs}, ${values.notify}, ${values.languages}, ${uri}, ${now}
      WHERE ${unblocked}
      RETURNING id`);
    if (inserted.length > 0) await notify(db, { recipientId: target.id, fromAccountId: source.id, type: "follow_request", now });
    if (inserted.length > 0) await sendFollow(env, source, target, values.id, uri);
    return;
  }
  const inserted = await db.all<{ id: number }>(sql`
    INSERT OR IGNORE INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, created_at)
    SELECT ${values.id}, ${values.source}, ${values.target}, ${values.reblogs}, ${values.notify}, ${values.languages}, ${now}
    WHERE ${unblocked}
    RETURNING id`);
  if (inserted.length === 0) return;
  await notify(db, { recipientId: target.id, fromAccountId: source.id, type: "follow", now });
  // A remote follower (a Follow received by the inbox) has no home feed here.
  if (source.domain === null) await mergeIntoHomeFeed(env, source.id, target.id);
}

/**
 * The statements that end `followerId`'s follow of (or request to follow) `targetId`, and take back
 * the notification the target got for it (Mastodon destroys it with the follow). The first returns
 * the ended follow's id.
 */
export function endFollowStatements(followerId: number, targetId: number): SQL[] {
  return [
    sql`DELETE FROM follows WHERE account_id = ${followerId} AND target_account_id = ${targetId} RETURNING id`,
    sql`DELETE FROM follow_requests WHERE account_id = ${followerId} AND target_account_id = ${targetId}`,
    sql`DELETE FROM notifications WHERE account_id = ${targetId} AND from_account_id = ${followerId}
      AND type IN ('follow', 'follow_request') AND status_id IS NULL`,
    // Mastodon drops an account from the follower's lists when the follow ends.
    sql`DELETE FROM list_accounts WHERE account_id = ${targetId}
      AND list_id IN (SELECT id FROM lists WHERE account_id = ${followerId})`,
  ];
}

/**
 * Unfollows, or withdraws a pending request. A remote target's server gets an Undo of the Follow,
 * unless `federate` is false (the follow ended on its side: a Reject, an Undo of its Accept);
 * `unmerge: false` leaves the target's posts in the home feed.
 */
export async function unfollowAccount(
  env: Bindings,
  db: Db,
  source: Account,
  target: Account,
  options: { federate?: boolean; unmerge?: boolean } = {},
): Promise<void> {
  const sent = options.federate === false ? null : await outgoingFollow(db, source, target);
  const [ended = []] = await batchSql(db, endFollowStatements(source.id, target.id));
  // Mastodon's unmerge_from_home: the unfollowed account's own statuses and boosts leave; boosts of them by
  // accounts still followed stay. A Move keeps them (skip_unmerge): the same person, moved.
  if (ended.length > 0 && options.unmerge !== false)
    await removeFromHomeFeed(env, source.id, target.id, { boostsOfTarget: false });
  await sendUndoFollow(env, source, target, sent);
}

/** Makes `follower` stop following `account` (the follower loses the account's posts). */
export async function removeFromFollowers(env: Bindings, db: Db, account: Account, follower: Account): Promise<void> {
  const [removed = []] = await batchSql(db, [
    sql`DELETE FROM follows WHERE account_id = ${follower.id} AND target_account_id = ${account.id} RETURNING id, uri`,
    sql`DELETE FROM notifications WHERE account_id = ${account.id} AND from_account_id = ${follower.id}
      AND type = 'follow' AND status_id IS NULL`,
  ]);
  if (removed.length > 0 && follower.domain === null) await removeFromHomeFeed(env, follower.id, account.id);
  // Mastodon tells a remote follower's server with a Reject of its Follow.
  if (removed[0]) await sendReject(env, account.id, (removed[0].uri as string | null) ?? null, follower);
}

function endRequestStatements(account: Account, requester: Account): SQL[] {
  return [
    sql`DELETE FROM follow_requests WHERE account_id = ${requester.id} AND target_account_id = ${account.id} RETURNING id, uri`,
    sql`DELETE FROM notifications WHERE account_id = ${account.id} AND from_account_id = ${requester.id}
      AND type = 'follow_request' AND status_id IS NULL`,
  ];
}

/** Accepts `requester`'s request to follow `account`: the follow starts with the options asked for. */
export async function authorizeFollowRequest(
  env: Bindings,
  db: Db,
  account: Account,
  requester: Account,
  now = Date.now(),
): Promise<void> {
  const [created = [], withdrawn = []] = await batchSql(db, [
    sql`INSERT OR IGNORE INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, uri, created_at)
      SELECT ${newId(now)}, account_id, target_account_id, show_reblogs, notify, languages, uri, ${now}
      FROM follow_requests WHERE account_id = ${requester.id} AND target_account_id = ${account.id}
      RETURNING id, uri`,
    ...endRequestStatements(account, requester),
  ]);
  if (withdrawn.length === 0) throw new ApiError(404, "Record not found");
  if (created.length === 0) return;
  if (account.domain === null) await sendAccept(env, account.id, (created[0]?.uri as string | null) ?? null, requester);
  // Mastodon tells the account that accepted about its new follower.
  await notify(db, { recipientId: account.id, fromAccountId: requester.id, type: "follow", now });
  if (requester.domain === null) await mergeIntoHomeFeed(env, requester.id, account.id);
}

/** Turns down `requester`'s request to follow `account` (with `env`, a remote requester's server is told). */
export async function rejectFollowRequest(db: Db, account: Account, requester: Account, env?: Bindings): Promise<void> {
  const [withdrawn = []] = await batchSql(db, endRequestStatements(account, requester));
  if (withdrawn.length === 0) throw new ApiError(404, "Record not found");
  if (env && account.domain === null) await sendReject(env, account.id, (withdrawn[0]?.uri as string | null) ?? null, requester);
}
