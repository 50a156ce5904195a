/**
 * Blocking, as Mastodon's BlockService and AfterBlockService: a block ends follows and follow
 * requests in both directions (a remote account's server gets an Undo of our Follow and a Reject of
 * theirs, before the Block), clears the blocked account's notifications (and notification request) to
 * the blocker, and takes each side's posts out of the other's home feed.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type Account, blocks } from "../../db/schema";
import type { Bindings } from "../../env";
import { incomingFollow, outgoingFollow, sendBlock, sendReject, sendUndoFollow } from "../../federation/outbound/actions";
import { newId } from "../../ids";
import type { PageParams } from "../../util/pagination";
import type { VisibleAccount } from "../accounts";
import { removeFromHomeFeed, removeMentioningFromHomeFeed } from "../feeds";
import { accountListable, accountsInOrder, batchSql, finishRowPage, type RowPage, rowIdRange } from "./common";
import { endFollowStatements } from "./follow";

/** Blocks `target`. Blocking yourself does nothing, as in Mastodon. */
export async function blockAccount(env: Bindings, db: Db, source: Account, target: Account, now = Date.now()): Promise<void> {
  if (source.id === target.id) return;
  // Read before the rows go: a remote side learns the follows ended (Mastodon's BlockService runs
  // UnfollowService both ways and RejectFollowService first), then of the block.
  const ours = await outgoingFollow(db, source, target);
  const theirs = await incomingFollow(db, source, target);
  const results = await batchSql(db, [
    ...endFollowStatements(source.id, target.id),
    ...endFollowStatements(target.id, source.id),
    sql`DELETE FROM notifications WHERE account_id = ${source.id} AND from_account_id = ${target.id}`,
    // Their notification request goes with their notifications (Mastodon's AfterBlockService).
    sql`DELETE FROM notification_requests WHERE account_id = ${source.id} AND from_account_id = ${target.id}`,
    sql`INSERT OR IGNORE INTO blocks (id, account_id, target_account_id, created_at)
      VALUES (${newId(now)}, ${source.id}, ${target.id}, ${now}) RETURNING id`,
  ]);
  const created = results[results.length - 1]?.[0];
  await sendUndoFollow(env, source, target, ours);
  if (theirs) await sendReject(env, source.id, theirs.uri, target);
  if (created) await sendBlock(env, source, target, created.id as number);
  await removeFromHomeFeed(env, source.id, target.id);
  await removeMentioningFromHomeFeed(env, source.id, target.id);
  if (target.domain === null) await removeFromHomeFeed(env, target.id, source.id);
}

/** Unblocks `target`; with `env`, a remote target's server gets an Undo of the Block. */
export async function unblockAccount(db: Db, source: Account, target: Account, env?: Bindings): Promise<void> {
  const removed = await db
    .delete(blocks)
    .where(and(eq(blocks.accountId, source.id), eq(blocks.targetAccountId, target.id)))
    .returning({ id: blocks.id });
  if (env && removed[0]) await sendBlock(env, source, target, removed[0].id, true);
}

/** `GET /api/v1/blocks`: the accounts `accountId` blocks, newest block first, paged by block id. */
export async function listBlocks(
  db: Db,
  accountId: number,
  page: PageParams,
): Promise<RowPage<{ rowId: number; accountId: number; account: VisibleAccount }>> {
  const range = rowIdRange("b.id", page);
  const rows = await db.all<{ rowId: number; accountId: number }>(sql`
    SELECT b.id AS rowId, b.target_account_id AS accountId
    FROM blocks b JOIN accounts a ON a.id = b.target_account_id
    WHERE b.account_id = ${accountId} AND ${range.where} AND ${accountListable("a")}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  const result = finishRowPage(rows, page, range.ascending);
  const withAccounts = await accountsInOrder(db, result.items);
  return { ...result, items: withAccounts.map(({ row, account }) => ({ ...row, account })) };
}
