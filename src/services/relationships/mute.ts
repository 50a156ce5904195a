/**
 * Muting, as Mastodon's MuteService and UnmuteService. A mute may expire (`duration` seconds); an
 * expired mute counts as none everywhere it is read. Muting with notifications hidden also clears the
 * muted account's notifications, as Mastodon's AfterBlockService does.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type Account, follows, mutes } from "../../db/schema";
import type { Bindings } from "../../env";
import { newId } from "../../ids";
import type { PageParams } from "../../util/pagination";
import type { VisibleAccount } from "../accounts";
import { mergeIntoHomeFeed, removeFromHomeFeed, removeMentioningFromHomeFeed } from "../feeds";
import { accountListable, accountsInOrder, batchSql, finishRowPage, type RowPage, rowIdRange } from "./common";

export interface MuteOptions {
  /** Hide notifications from the account too (default true). */
  notifications?: boolean | undefined;
  /** Seconds until the mute ends; 0 or absent means never. */
  duration?: number | undefined;
}

/** Mutes `target` (again: the new options and expiry replace the old ones). Muting yourself does nothing. */
export async function muteAccount(
  env: Bindings,
  db: Db,
  source: Account,
  target: Account,
  options: MuteOptions,
  now = Date.now(),
): Promise<void> {
  if (source.id === target.id) return;
  const hide = options.notifications ?? true;
  const duration = options.duration ?? 0;
  const expiresAt = duration > 0 ? now + duration * 1000 : null;
  await batchSql(db, [
    sql`INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at)
      VALUES (${newId(now)}, ${source.id}, ${target.id}, ${hide ? 1 : 0}, ${expiresAt}, ${now})
      ON CONFLICT (account_id, target_account_id) DO UPDATE SET
        hide_notifications = excluded.hide_notifications, expires_at = excluded.expires_at`,
    sql`DELETE FROM notifications WHERE ${hide ? 1 : 0} = 1
      AND account_id = ${source.id} AND from_account_id = ${target.id}`,
  ]);
  await removeFromHomeFeed(env, source.id, target.id);
  await removeMentioningFromHomeFeed(env, source.id, target.id);
}

/** Ends a mute; the account's posts come back into the home feed if it is followed. */
export async function unmuteAccount(env: Bindings, db: Db, source: Account, target: Account, now = Date.now()): Promise<void> {
  const [ended, following] = await db.batch([
    db
      .delete(mutes)
      .where(and(eq(mutes.accountId, source.id), eq(mutes.targetAccountId, target.id)))
      .returning({ expiresAt: mutes.expiresAt }),
    db
      .select({ id: follows.id })
      .from(follows)
      .where(and(eq(follows.accountId, source.id), eq(follows.targetAccountId, target.id))),
  ]);
  const wasMuting = ended.some((m) => m.expiresAt === null || m.expiresAt > now);
  if (wasMuting && following.length > 0) await mergeIntoHomeFeed(env, source.id, target.id);
}

export interface MutedAccountRow {
  rowId: number;
  accountId: number;
  expiresAt: number | null;
  account: VisibleAccount;
}

/** `GET /api/v1/mutes`: accounts `accountId` mutes (expired mutes left out), newest first, paged by mute id. */
export async function listMutes(
  db: Db,
  accountId: number,
  page: PageParams,
  now = Date.now(),
): Promise<RowPage<MutedAccountRow>> {
  const range = rowIdRange("m.id", page);
  const rows = await db.all<{ rowId: number; accountId: number; expiresAt: number | null }>(sql`
    SELECT m.id AS rowId, m.target_account_id AS accountId, m.expires_at AS expiresAt
    FROM mutes m JOIN accounts a ON a.id = m.target_account_id
    WHERE m.account_id = ${accountId} AND (m.expires_at IS NULL OR m.expires_at > ${now})
      AND ${range.where} AND ${accountListable("a")}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  const result = finishRowPage(rows, page, range.ascending);
  const withAccounts = await accountsInOrder(db, result.items);
  return { ...result, items: withAccounts.map(({ row, account }) => ({ ...row, account })) };
}
