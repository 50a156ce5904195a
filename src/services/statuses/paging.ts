/**
 * Mastodon's id paging over one indexed id column: `max_id` (older than), `since_id` (newer than,
 * newest first), `min_id` (just newer, read oldest first and returned newest first).
 */
import { asc, desc, gt, lt, type SQL, type SQLWrapper } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { PageParams } from "../../util/pagination";

export function idRange(column: SQLiteColumn, page: PageParams): SQL[] {
  const conditions: SQL[] = [];
  if (page.maxId !== undefined) conditions.push(lt(column, page.maxId));
  if (page.sinceId !== undefined) conditions.push(gt(column, page.sinceId));
  if (page.minId !== undefined) conditions.push(gt(column, page.minId));
  return conditions;
}

export function idOrder(column: SQLiteColumn | SQLWrapper, page: PageParams): SQL {
  return page.minId !== undefined ? asc(column) : desc(column);
}

/** Rows read oldest-first for `min_id` come back newest-first like every other page. */
export function newestFirst<T>(rows: T[], page: PageParams): T[] {
  return page.minId !== undefined ? rows.reverse() : rows;
}
