/**
 * The profile directory (`GET /api/v1/directory`): discoverable accounts that are not suspended,
 * silenced, moved or pending, ordered by their latest status (`active`, accounts that never posted
 * last) or newest first (`new`), optionally local only, minus what the viewer blocks, mutes, is blocked
 * by or (for remote accounts) whose domain the viewer blocks. The walk follows the partial indexes
 * accounts_directory_active / accounts_directory_new, so a page reads about offset + limit entries.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { VisibleAccount } from "./accounts";
import { accountListable, accountsInOrder, notExcludedFor } from "./relationships/common";

export interface DirectoryQuery {
  offset: number;
  limit: number;
  order: "active" | "new";
  local: boolean;
}

export async function listDirectory(
  db: Db,
  query: DirectoryQuery,
  viewerId: number | undefined,
  now = Date.now(),
): Promise<VisibleAccount[]> {
  const order = query.order === "new" ? sql`a.id DESC` : sql`a.last_status_at DESC, a.id DESC`;
  const rows = await db.all<{ accountId: number }>(sql`
    SELECT a.id AS accountId FROM accounts a
    WHERE a.discoverable = 1 AND a.suspended_at IS NULL
      AND a.silenced_at IS NULL AND a.moved_to_account_id IS NULL AND a.memorial = 0
      ${query.local ? sql`AND a.domain IS NULL` : sql``}
      AND ${accountListable("a")}
      ${viewerId !== undefined ? sql`AND ${notExcludedFor("a", viewerId, now)}` : sql``}
    ORDER BY ${order} LIMIT ${query.limit} OFFSET ${query.offset}`);
  return (await accountsInOrder(db, rows)).map((r) => r.account);
}
