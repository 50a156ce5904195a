/**
 * The "overwrite" mode of an import, before its rows (Mastodon's BulkImportService): the account's
 * current follows, blocks, mutes, domain blocks or bookmarks are read a page at a time; those the
 * file also names are kept (a follow's or mute's options taken from the file) and their rows count as
 * imported; the others are undone through the usual services. For lists, every list loses its
 * members and the lists the file does not name are deleted. A page is bounded (OVERWRITE_PAGE
 * entries, one query for their rows), and every step can run twice harmlessly.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type Account, accounts } from "../../db/schema";
import type { ListRow } from "../../entities/list";
import { localStatusUri } from "../../entities/status";
import { ApiError } from "../../errors";
import { deleteList, removeListMembers } from "../lists";
import { unblockAccount } from "../relationships/block";
import { unblockDomain } from "../relationships/domain-blocks";
import { followAccount, normalizeLanguages, unfollowAccount } from "../relationships/follow";
import { muteAccount, unmuteAccount } from "../relationships/mute";
import type { RowContext } from "./apply-row";
import type { ImportRowData } from "./csv";
import { settleRows } from "./settle";

export const OVERWRITE_PAGE = 50;

interface Entry {
  cursor: number;
  key: string;
  /** The account, for follows, blocks and mutes (a domain block is its key, a bookmark its cursor). */
  target: number | null;
}

interface MatchedRow {
  id: number;
  key: string;
  data: string;
}

/**
 * One page of the overwrite pass after `after`; returns the cursor of the next page, or null when
 * the pass is done (the caller then applies the rows).
 */
export async function overwritePage(
  ctx: RowContext,
  importId: number,
  after: number,
  limit = OVERWRITE_PAGE,
): Promise<number | null> {
  if (ctx.type === "lists") return clearListsPage(ctx, importId, after, limit);
  const entries = await currentEntries(ctx, after, limit);
  if (entries.length === 0) return null;
  const matched = await ctx.db.all<MatchedRow>(sql`
    SELECT id, key, data FROM bulk_import_rows
    WHERE import_id = ${importId} AND key IN (SELECT value FROM json_each(${JSON.stringify(entries.map((e) => e.key))}))`);
  // A file may name an entry twice: the first row's options apply, and every such row is imported.
  const dataByKey = new Map<string, string>();
  for (const row of matched) if (!dataByKey.has(row.key)) dataByKey.set(row.key, row.data);
  const targets = await accountsById(
    ctx.db,
    entries.flatMap((e) => (e.target === null ? [] : [e.target])),
  );
  for (const entry of entries) {
    const data = dataByKey.get(entry.key);
    const target = entry.target === null ? undefined : targets.get(entry.target);
    if (data !== undefined) await keep(ctx, target, JSON.parse(data) as ImportRowData);
    else await undo(ctx, entry, target);
  }
  await settleRows(
    ctx.db,
    importId,
    matched.map((r) => r.id),
    [],
  );
  const last = entries[entries.length - 1];
  return entries.length < limit || !last ? null : last.cursor;
}

async function currentEntries(ctx: RowContext, after: number, limit: number): Promise<Entry[]> {
  const me = ctx.account.id;
  const query: Record<Exclude<RowContext["type"], "lists" | "bookmarks">, SQL> = {
    following: sql`SELECT f.id AS cursor, a.acct_key AS key, a.id AS target
      FROM follows f JOIN accounts a ON a.id = f.target_account_id
      WHERE f.account_id = ${me} AND f.id > ${after} ORDER BY f.id LIMIT ${limit}`,
    blocking: sql`SELECT b.target_account_id AS cursor, a.acct_key AS key, a.id AS target
      FROM blocks b JOIN accounts a ON a.id = b.target_account_id
      WHERE b.account_id = ${me} AND b.target_account_id > ${after} ORDER BY b.target_account_id LIMIT ${limit}`,
    muting: sql`SELECT m.target_account_id AS cursor, a.acct_key AS key, a.id AS target
      FROM mutes m JOIN accounts a ON a.id = m.target_account_id
      WHERE m.account_id = ${me} AND m.target_account_id > ${after} ORDER BY m.target_account_id LIMIT ${limit}`,
    domain_blocking: sql`SELECT id AS cursor, domain AS key, NULL AS target
      FROM account_domain_blocks WHERE account_id = ${me} AND id > ${after} ORDER BY id LIMIT ${limit}`,
  };
  if (ctx.type === "bookmarks") {
    // A local status's URI is not stored: it is made as the status's ActivityPub id is.
    const rows = await ctx.db.all<{
      cursor: number;
      uri: string | null;
      id: number;
      reblog_of_id: number | null;
      username: string;
    }>(sql`
      SELECT b.id AS cursor, s.uri, s.id, s.reblog_of_id, a.username
      FROM bookmarks b JOIN statuses s ON s.id = b.status_id JOIN accounts a ON a.id = s.account_id
      WHERE b.account_id = ${me} AND b.id > ${after} ORDER BY b.id LIMIT ${limit}`);
    return rows.map((r) => ({
      cursor: r.cursor,
      key: r.uri ?? localStatusUri(ctx.config, r.username, { id: r.id, reblogOfId: r.reblog_of_id }),
      target: null,
    }));
  }
  if (ctx.type === "lists") return [];
  return ctx.db.all<Entry>(query[ctx.type]);
}

async function accountsById(db: Db, ids: number[]): Promise<Map<number, Account>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(accounts)
    .where(sql`${accounts.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
  return new Map(rows.map((a) => [a.id, a]));
}

/** An entry the file names: it stays, with the file's options where the type has any. */
async function keep(ctx: RowContext, target: Account | undefined, data: ImportRowData): Promise<void> {
  if (!target) return;
  try {
    if (ctx.type === "following") {
      await followAccount(ctx.env, ctx.db, ctx.account, target, {
        reblogs: data.show_reblogs ?? undefined,
        notify: data.notify ?? undefined,
        languages: data.languages ? normalizeLanguages(data.languages) : undefined,
      });
    } else if (ctx.type === "muting") {
      await muteAccount(ctx.env, ctx.db, ctx.account, target, { notifications: data.hide_notifications ?? true });
    }
  } catch (err) {
    // The entry stays as it was (say, an invalid language in the file); it is still imported.
    if (!(err instanceof ApiError)) throw err;
  }
}

/** An entry the file leaves out: undone. */
async function undo(ctx: RowContext, entry: Entry, target: Account | undefined): Promise<void> {
  const { env, db, account } = ctx;
  switch (ctx.type) {
    case "following":
      if (target) await unfollowAccount(env, db, account, target);
      return;
    case "blocking":
      if (target) await unblockAccount(db, account, target, env);
      return;
    case "muting":
      if (target) await unmuteAccount(env, db, account, target);
      return;
    case "domain_blocking":
      await unblockDomain(db, account.id, entry.key);
      return;
    case "bookmarks":
      await db.run(sql`DELETE FROM bookmarks WHERE id = ${entry.cursor} AND account_id = ${account.id}`);
      return;
    case "lists":
      return;
  }
}

/**
 * Lists: one page of the account's list memberships removed (after list_accounts rowid `after`);
 * once none are left, the lists the file does not name are deleted (Mastodon's import_lists!).
 */
async function clearListsPage(ctx: RowContext, importId: number, after: number, limit: number): Promise<number | null> {
  const { env, db, account } = ctx;
  const members = await db.all<{ cursor: number; list_id: number; account_id: number }>(sql`
    SELECT la.rowid AS cursor, la.list_id, la.account_id FROM list_accounts la JOIN lists l ON l.id = la.list_id
    WHERE l.account_id = ${account.id} AND la.rowid > ${after} ORDER BY la.rowid LIMIT ${limit}`);
  const owned = await db.all<ListRow>(sql`
    SELECT id, account_id AS accountId, title, replies_policy AS repliesPolicy, exclusive, created_at AS createdAt
    FROM lists WHERE account_id = ${account.id}`);
  const byId = new Map(owned.map((l) => [l.id, l]));
  const groups = new Map<number, string[]>();
  for (const m of members) groups.set(m.list_id, [...(groups.get(m.list_id) ?? []), String(m.account_id)]);
  for (const [listId, ids] of groups) {
    const list = byId.get(listId);
    if (list) await removeListMembers(env, db, list, ids);
  }
  const last = members[members.length - 1];
  if (members.length === limit && last) return last.cursor;
  // Once, at the end: the file's list names (one pass over its rows).
  const named = await db.all<{ title: string }>(sql`
    SELECT DISTINCT data ->> 'list_name' AS title FROM bulk_import_rows WHERE import_id = ${importId}`);
  const titles = new Set(named.map((r) => r.title));
  for (const list of owned)
    if (!titles.has(list.title)) await deleteList(env, db, { ...list, exclusive: Boolean(list.exclusive) });
  return null;
}
