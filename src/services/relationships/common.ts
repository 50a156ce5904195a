/**
 * Pieces every relationship operation shares: finding the other account, passing id sets to D1 as
 * one JSON parameter (D1 caps bound parameters per statement, `json_each` keeps it at one), and
 * paging lists keyed by their own row ids (follows, blocks, mutes, follow requests).
 */
import { eq, type SQL, sql } from "drizzle-orm";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";
import type { Db } from "../../db/client";
import { type Account, accounts, users } from "../../db/schema";
import { ApiError } from "../../errors";
import type { PageParams } from "../../util/pagination";
import type { VisibleAccount } from "../accounts";

const dialect = new SQLiteAsyncDialect();

/**
 * Runs raw statements atomically in one D1 batch and returns each statement's rows (for RETURNING).
 * (drizzle's own `batch` cannot bind parameters of raw `db.run(sql)` items, hence this.)
 */
export async function batchSql(db: Db, statements: readonly SQL[]): Promise<Array<Array<Record<string, unknown>>>> {
  if (statements.length === 0) return [];
  // `createDb` builds every Db with drizzle(), which keeps the D1 binding as `$client`.
  const client = (db as Db & { $client: D1Database }).$client;
  const prepared = statements.map((statement) => {
    const query = dialect.sqlToQuery(statement);
    return client.prepare(query.sql).bind(...query.params);
  });
  const results = await client.batch<Record<string, unknown>>(prepared);
  return results.map((r) => r.results ?? []);
}

/** `Record not found` unless `id` names an account clients may see (not suspended, not pending). */
export async function requireTargetAccount(db: Db, id: number | undefined): Promise<Account> {
  if (id === undefined) throw new ApiError(404, "Record not found");
  const found = (await loadVisibleAccounts(db, [id])).get(id);
  if (!found) throw new ApiError(404, "Record not found");
  return found.account;
}

/**
 * Visible accounts (not suspended; local users approved and confirmed) by id, with their role, as
 * one statement whatever the number of ids.
 */
export async function loadVisibleAccounts(
  db: Db,
  ids: readonly number[],
  extraCondition?: SQL,
): Promise<Map<number, VisibleAccount>> {
  const found = new Map<number, VisibleAccount>();
  if (ids.length === 0) return found;
  const inSet = inIds(sql`${accounts.id}`, [...new Set(ids)]);
  const rows = await db
    .select({ account: accounts, role: users.role, approved: users.approved, confirmedAt: users.confirmedAt, userId: users.id })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(extraCondition ? sql`${inSet} AND ${extraCondition}` : inSet);
  for (const row of rows) {
    if (row.account.suspendedAt !== null) continue;
    if (row.userId !== null && (!row.approved || row.confirmedAt === null)) continue;
    found.set(row.account.id, { account: row.account, role: row.role ?? undefined });
  }
  return found;
}

/** `value IN (SELECT value FROM json_each(?))`: any number of ids as one bound parameter. */
export function inIds(column: SQL, ids: readonly number[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/** The SQL condition that hides accounts no client may see: suspended ones and users still pending. */
export function accountListable(alias: string): SQL {
  const a = sql.raw(alias);
  return sql`${a}.suspended_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM users u WHERE u.account_id = ${a}.id AND (u.approved = 0 OR u.confirmed_at IS NULL))`;
}

/**
 * Hides, for `viewerId`, accounts that block the viewer or that the viewer blocks, mutes or whose
 * domain the viewer blocks (Mastodon's `excluded_from_timeline_account_ids`).
 */
export function notExcludedFor(alias: string, viewerId: number, now: number): SQL {
  const a = sql.raw(alias);
  return sql`NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${viewerId} AND target_account_id = ${a}.id)
    AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${a}.id AND target_account_id = ${viewerId})
    AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ${viewerId} AND target_account_id = ${a}.id
      AND (expires_at IS NULL OR expires_at > ${now}))
    AND NOT (${a}.domain IS NOT NULL AND EXISTS (
      SELECT 1 FROM account_domain_blocks WHERE account_id = ${viewerId} AND domain = ${a}.domain))`;
}

/** Range and order for a page of rows keyed by `column` (their own ids, newest first). */
export function rowIdRange(column: string, page: PageParams): { where: SQL; order: SQL; ascending: boolean } {
  const col = sql.raw(column);
  const parts: SQL[] = [];
  if (page.maxId !== undefined) parts.push(sql`${col} < ${page.maxId}`);
  if (page.sinceId !== undefined) parts.push(sql`${col} > ${page.sinceId}`);
  if (page.minId !== undefined) parts.push(sql`${col} > ${page.minId}`);
  // `min_id` pages forward: the rows immediately newer than the cursor, read oldest first.
  const ascending = page.minId !== undefined && page.sinceId === undefined;
  const where = parts.length > 0 ? sql.join(parts, sql` AND `) : sql`1 = 1`;
  return { where, order: ascending ? sql`${col} ASC` : sql`${col} DESC`, ascending };
}

export interface RowPage<T> {
  items: T[];
  /** Cursor for the `next` (older) link; absent when the list has ended. */
  next: number | undefined;
  /** Cursor for the `prev` (newer) link; absent on an empty page. */
  prev: number | undefined;
}

/** Orders a fetched page newest first and derives its cursors the way Mastodon does. */
export function finishRowPage<T extends { rowId: number }>(rows: T[], page: PageParams, ascending: boolean): RowPage<T> {
  const items = ascending ? [...rows].reverse() : rows;
  const first = items[0];
  const last = items[items.length - 1];
  return {
    items,
    next: items.length === page.limit && last ? last.rowId : undefined,
    prev: first ? first.rowId : undefined,
  };
}

/** Accounts for a page of rows, in the page's order, with the role their badge shows. */
export async function accountsInOrder<T extends { accountId: number }>(
  db: Db,
  rows: T[],
): Promise<Array<{ row: T; account: VisibleAccount }>> {
  const found = await loadVisibleAccounts(
    db,
    rows.map((r) => r.accountId),
  );
  return rows.flatMap((row) => {
    const account = found.get(row.accountId);
    return account ? [{ row, account }] : [];
  });
}
