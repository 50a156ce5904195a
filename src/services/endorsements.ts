/**
 * Endorsed accounts (Mastodon's AccountPin): accounts a user features on their profile. Only an
 * account the user follows can be endorsed; an endorsement whose follow has ended stays in the table
 * but no longer counts anywhere (the relationship flag and both lists require the follow), so
 * unfollowing needs no extra write.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Account } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import type { PageParams } from "../util/pagination";
import type { VisibleAccount } from "./accounts";
import {
  accountListable,
  accountsInOrder,
  finishRowPage,
  notExcludedFor,
  type RowPage,
  rowIdRange,
} from "./relationships/common";

export const ENDORSE_NOT_FOLLOWING = "Validation failed: You must be already following the person you want to endorse";

export async function endorseAccount(db: Db, account: Account, target: Account, now = Date.now()): Promise<void> {
  // One statement: the pin is written only while the follow exists, so a concurrent unfollow cannot slip past.
  const rows = await db.all<{ ok: number }>(sql`
    INSERT INTO account_pins (id, account_id, target_account_id, created_at)
    SELECT ${newId(now)}, ${account.id}, ${target.id}, ${now}
    WHERE EXISTS (SELECT 1 FROM follows WHERE account_id = ${account.id} AND target_account_id = ${target.id})
    ON CONFLICT (account_id, target_account_id) DO UPDATE SET account_id = excluded.account_id
    RETURNING 1 AS ok`);
  if (rows.length === 0) throw new ApiError(422, ENDORSE_NOT_FOLLOWING);
}

export async function unendorseAccount(db: Db, account: Account, target: Account): Promise<void> {
  await db.run(sql`DELETE FROM account_pins WHERE account_id = ${account.id} AND target_account_id = ${target.id}`);
}

export type EndorsementPage = RowPage<{ rowId: number; accountId: number; account: VisibleAccount }>;

/**
 * The accounts `ownerId` endorses and still follows, paged by account id newest first (Mastodon's
 * `endorsed_accounts.paginate_by_max_id`), minus what `viewerId` blocks, mutes or is blocked by.
 */
export async function listEndorsements(
  db: Db,
  ownerId: number,
  page: PageParams,
  viewerId?: number,
  now = Date.now(),
): Promise<EndorsementPage> {
  const range = rowIdRange("p.target_account_id", page);
  const exclusions = viewerId !== undefined && viewerId !== ownerId ? sql`AND ${notExcludedFor("a", viewerId, now)}` : sql``;
  const rows = await db.all<{ rowId: number; accountId: number }>(sql`
    SELECT p.target_account_id AS rowId, p.target_account_id AS accountId
    FROM account_pins p JOIN accounts a ON a.id = p.target_account_id
    WHERE p.account_id = ${ownerId} AND ${range.where}
      AND EXISTS (SELECT 1 FROM follows WHERE account_id = ${ownerId} AND target_account_id = p.target_account_id)
      AND ${accountListable("a")} ${exclusions}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  const result = finishRowPage(rows, page, range.ascending);
  const withAccounts = await accountsInOrder(db, result.items);
  return { ...result, items: withAccounts.map(({ row, account }) => ({ ...row, account })) };
}

/** Whether `owner`'s endorsements are hidden from `viewerId` (hidden collections, or the owner blocks the viewer). */
export async function endorsementsHidden(db: Db, owner: Account, viewerId: number | undefined): Promise<boolean> {
  if (viewerId === owner.id) return false;
  if (owner.hideCollections) return true;
  if (viewerId === undefined) return false;
  const rows = await db.all<{ n: number }>(
    sql`SELECT 1 AS n FROM blocks WHERE account_id = ${owner.id} AND target_account_id = ${viewerId} LIMIT 1`,
  );
  return rows.length > 0;
}
