/**
 * Who favourited or boosted a status: accounts paged by the favourite's (or boost's) own id, which
 * only the Link header carries. Suspended accounts, and accounts the viewer blocks, is blocked by or
 * mutes, are left out (Mastodon's `not_excluded_by_account`).
 */
import { and, eq, inArray, isNull, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { accounts, favourites, statuses, users } from "../../db/schema";
import { type MastodonAccount, serializeAccount } from "../../entities/account";
import type { PageParams } from "../../util/pagination";
import { requireVisibleStatus } from "./lookup";
import { idOrder, idRange, newestFirst } from "./paging";

export interface AccountPage {
  accounts: MastodonAccount[];
  /** The favourite/boost ids of the page, for the Link header. */
  cursorIds: number[];
}

function notExcluded(viewerId: number | null): SQL[] {
  if (viewerId === null) return [];
  return [
    sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${viewerId} AND b.target_account_id = ${accounts.id})`,
    sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${accounts.id} AND b.target_account_id = ${viewerId})`,
    sql`NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ${viewerId} AND m.target_account_id = ${accounts.id})`,
  ];
}

async function page(
  db: Db,
  config: Config,
  viewerId: number | null,
  cursor: SQLiteColumn,
  accountColumn: SQLiteColumn,
  where: SQL[],
  p: PageParams,
): Promise<AccountPage> {
  const rows = await db
    .select({ cursor: sql<number>`${cursor}`, account: accounts, role: users.role })
    .from(cursor.table)
    .innerJoin(accounts, eq(accounts.id, accountColumn))
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(...where, ...idRange(cursor, p), isNull(accounts.suspendedAt), ...notExcluded(viewerId)))
    .orderBy(idOrder(cursor, p))
    .limit(p.limit);
  const ordered = newestFirst(rows, p);
  return {
    accounts: ordered.map((r) => serializeAccount(config, r.account, { role: r.role ?? undefined })),
    cursorIds: ordered.map((r) => r.cursor),
  };
}

export async function favouritedBy(
  db: Db,
  config: Config,
  viewerId: number | null,
  rawId: string,
  p: PageParams,
): Promise<AccountPage> {
  const status = await requireVisibleStatus(db, viewerId, rawId);
  return page(db, config, viewerId, favourites.id, favourites.accountId, [eq(favourites.statusId, status.id)], p);
}

/** Only boosts others could see count (Mastodon's `distributable_visibility`). */
export async function rebloggedBy(
  db: Db,
  config: Config,
  viewerId: number | null,
  rawId: string,
  p: PageParams,
): Promise<AccountPage> {
  const status = await requireVisibleStatus(db, viewerId, rawId);
  return page(
    db,
    config,
    viewerId,
    statuses.id,
    statuses.accountId,
    [eq(statuses.reblogOfId, status.id), inArray(statuses.visibility, ["public", "unlisted"])],
    p,
  );
}
