/**
 * Lists of accounts keyed by relationship rows: followers, following and incoming follow requests,
 * paged by the row's own id (Mastodon's `paginate_by_max_id` on follows / follow_requests), plus the
 * viewer's lists that contain an account.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { Account } from "../../db/schema";
import type { PageParams } from "../../util/pagination";
import type { VisibleAccount } from "../accounts";
import { accountListable, accountsInOrder, finishRowPage, notExcludedFor, type RowPage, rowIdRange } from "./common";

export type AccountPage = RowPage<{ rowId: number; accountId: number; account: VisibleAccount }>;

const EMPTY: AccountPage = { items: [], next: undefined, prev: undefined };

async function pageOf(db: Db, query: SQL, page: PageParams, ascending: boolean): Promise<AccountPage> {
  const rows = await db.all<{ rowId: number; accountId: number }>(query);
  const result = finishRowPage(rows, page, ascending);
  const withAccounts = await accountsInOrder(db, result.items);
  return { ...result, items: withAccounts.map(({ row, account }) => ({ ...row, account })) };
}

/**
 * Whether `owner`'s follower and following lists are hidden from `viewerId`: they are when the owner
 * hides them (except from themselves) or blocks the viewer.
 */
async function collectionsHidden(db: Db, owner: Account, viewerId: number | undefined): Promise<boolean> {
  if (viewerId === owner.id) return false;
  if (owner.hideCollections) return true;
  if (viewerId === undefined) return false;
  const rows = await db.all<{ n: number }>(
    sql`SELECT 1 AS n FROM blocks WHERE account_id = ${owner.id} AND target_account_id = ${viewerId} LIMIT 1`,
  );
  return rows.length > 0;
}

type Direction = "followers" | "following";

/** `GET /api/v1/accounts/:id/followers` and `/following`, as `viewerId` (if any) may see them. */
export async function listFollowCollection(
  db: Db,
  direction: Direction,
  owner: Account,
  viewerId: number | undefined,
  page: PageParams,
  now = Date.now(),
): Promise<AccountPage> {
  if (await collectionsHidden(db, owner, viewerId)) return EMPTY;
  const range = rowIdRange("f.id", page);
  const [ownerColumn, otherColumn] =
    direction === "followers" ? ["f.target_account_id", "f.account_id"] : ["f.account_id", "f.target_account_id"];
  const exclusions = viewerId !== undefined && viewerId !== owner.id ? sql`AND ${notExcludedFor("a", viewerId, now)}` : sql``;
  const query = sql`
    SELECT f.id AS rowId, ${sql.raw(otherColumn)} AS accountId
    FROM follows f JOIN accounts a ON a.id = ${sql.raw(otherColumn)}
    WHERE ${sql.raw(ownerColumn)} = ${owner.id} AND ${range.where} AND ${accountListable("a")} ${exclusions}
    ORDER BY ${range.order} LIMIT ${page.limit}`;
  return pageOf(db, query, page, range.ascending);
}

/** `GET /api/v1/follow_requests`: who asks to follow `accountId`, newest request first. */
export async function listFollowRequests(db: Db, accountId: number, page: PageParams): Promise<AccountPage> {
  const range = rowIdRange("r.id", page);
  const query = sql`
    SELECT r.id AS rowId, r.account_id AS accountId
    FROM follow_requests r JOIN accounts a ON a.id = r.account_id
    WHERE r.target_account_id = ${accountId} AND ${range.where} AND ${accountListable("a")}
    ORDER BY ${range.order} LIMIT ${page.limit}`;
  return pageOf(db, query, page, range.ascending);
}

export interface ListRow {
  id: number;
  title: string;
  repliesPolicy: "followed" | "list" | "none";
  exclusive: number;
}

/** `GET /api/v1/accounts/:id/lists`: the viewer's lists that contain `accountId`. */
export async function listsContaining(db: Db, viewerId: number, accountId: number): Promise<ListRow[]> {
  return db.all<ListRow>(sql`
    SELECT l.id AS id, l.title AS title, l.replies_policy AS repliesPolicy, l.exclusive AS exclusive
    FROM list_accounts la JOIN lists l ON l.id = la.list_id
    WHERE la.account_id = ${accountId} AND l.account_id = ${viewerId}
    ORDER BY l.id`);
}
