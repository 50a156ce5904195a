/**
 * Data export (Mastodon's Settings → Import and export → Data export): the CSV files Mastodon writes,
 * column for column, so that they import into Mastodon or any server that reads Mastodon's files.
 *
 * - follows (`following_accounts.csv`): `Account address,Show boosts,Notify on new posts,Languages`
 * - lists (`lists.csv`): list title, account address; no header
 * - blocks (`blocked_accounts.csv`): account address; no header
 * - mutes (`muted_accounts.csv`): `Account address,Hide notifications`; expired mutes left out
 * - domain_blocks (`blocked_domains.csv`): domain; no header
 * - bookmarks (`bookmarks.csv`): the bookmarked status's ActivityPub id; no header
 *
 * Local accounts are written `username@LOCAL_DOMAIN`, as Mastodon writes them, so the file means the
 * same thing on another server. Rows are read a page at a time by keyset on an index, so a request
 * never holds more than one page, however many rows the account has.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { localStatusUri } from "../entities/status";

export type ExportKind = "follows" | "lists" | "blocks" | "mutes" | "domain_blocks" | "bookmarks";

export const EXPORT_FILES: Record<ExportKind, string> = {
  follows: "following_accounts.csv",
  lists: "lists.csv",
  blocks: "blocked_accounts.csv",
  mutes: "muted_accounts.csv",
  domain_blocks: "blocked_domains.csv",
  bookmarks: "bookmarks.csv",
};

const HEADERS: Partial<Record<ExportKind, string[]>> = {
  follows: ["Account address", "Show boosts", "Notify on new posts", "Languages"],
  mutes: ["Account address", "Hide notifications"],
};

export function isExportKind(value: string): value is ExportKind {
  return Object.hasOwn(EXPORT_FILES, value);
}

/** Rows read per query. */
export const EXPORT_PAGE = 1000;

/** One CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break, as Ruby's CSV. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One CSV line, fields quoted as Ruby's CSV quotes them. */
export function csvLine(fields: string[]): string {
  return `${fields.map(field).join(",")}\n`;
}

interface Page {
  lines: string[][];
  /** The keyset cursor after this page; undefined when it was the last. */
  next: Cursor | undefined;
}

type Cursor = number | string | [number, number];

interface Ctx {
  db: Db;
  config: Config;
  accountId: number;
  now: number;
  limit: number;
}

function address(config: Config, row: { username: string; domain: string | null }): string {
  return `${row.username}@${row.domain ?? config.localDomain}`;
}

/** Runs a page query (fetching one row more than the page, to know whether another follows). */
async function page<R extends { k: unknown }>(
  ctx: Ctx,
  query: SQL,
  toLine: (row: R) => string[],
  cursorOf: (row: R) => Cursor,
): Promise<Page> {
  const rows = await ctx.db.all<R>(sql`${query} LIMIT ${ctx.limit + 1}`);
  const shown = rows.slice(0, ctx.limit);
  const last = shown[shown.length - 1];
  return { lines: shown.map(toLine), next: rows.length > ctx.limit && last ? cursorOf(last) : undefined };
}

interface AccountRow {
  k: number;
  username: string;
  domain: string | null;
}

const PAGES: Record<ExportKind, (ctx: Ctx, after: Cursor | undefined) => Promise<Page>> = {
  follows: (ctx, after) =>
    page<AccountRow & { show_reblogs: number; notify: number; languages: string | null }>(
      ctx,
      sql`SELECT f.id AS k, a.username, a.domain, f.show_reblogs, f.notify, f.languages
        FROM follows f JOIN accounts a ON a.id = f.target_account_id
        WHERE f.account_id = ${ctx.accountId} AND f.id > ${after ?? 0} ORDER BY f.id`,
      (r) => [
        address(ctx.config, r),
        String(r.show_reblogs === 1),
        String(r.notify === 1),
        ((r.languages ? (JSON.parse(r.languages) as string[] | null) : null) ?? []).join(", "),
      ],
      (r) => r.k,
    ),
  blocks: (ctx, after) =>
    page<AccountRow>(
      ctx,
      sql`SELECT b.target_account_id AS k, a.username, a.domain
        FROM blocks b JOIN accounts a ON a.id = b.target_account_id
        WHERE b.account_id = ${ctx.accountId} AND b.target_account_id > ${after ?? 0} ORDER BY b.target_account_id`,
      (r) => [address(ctx.config, r)],
      (r) => r.k,
    ),
  mutes: (ctx, after) =>
    page<AccountRow & { hide_notifications: number }>(
      ctx,
      sql`SELECT m.target_account_id AS k, a.username, a.domain, m.hide_notifications
        FROM mutes m JOIN accounts a ON a.id = m.target_account_id
        WHERE m.account_id = ${ctx.accountId} AND m.target_account_id > ${after ?? 0}
          AND (m.expires_at IS NULL OR m.expires_at > ${ctx.now})
        ORDER BY m.target_account_id`,
      (r) => [address(ctx.config, r), String(r.hide_notifications === 1)],
      (r) => r.k,
    ),
  domain_blocks: (ctx, after) =>
    page<{ k: string }>(
      ctx,
      sql`SELECT domain AS k FROM account_domain_blocks
        WHERE account_id = ${ctx.accountId} AND domain > ${after ?? ""} ORDER BY domain`,
      (r) => [r.k],
      (r) => r.k,
    ),
  lists: (ctx, after) => {
    const [listId, memberId] = Array.isArray(after) ? after : [0, 0];
    return page<AccountRow & { list_id: number; title: string }>(
      ctx,
      sql`SELECT l.id AS list_id, la.account_id AS k, l.title, a.username, a.domain
        FROM lists l JOIN list_accounts la ON la.list_id = l.id JOIN accounts a ON a.id = la.account_id
        WHERE l.account_id = ${ctx.accountId} AND (l.id, la.account_id) > (${listId}, ${memberId})
        ORDER BY l.id, la.account_id`,
      (r) => [r.title, address(ctx.config, r)],
      (r) => [r.list_id, r.k],
    );
  },
  bookmarks: (ctx, after) =>
    page<{ k: number; uri: string | null; status_id: number; reblog_of_id: number | null; username: string }>(
      ctx,
      sql`SELECT b.id AS k, s.uri, s.id AS status_id, s.reblog_of_id, a.username
        FROM bookmarks b JOIN statuses s ON s.id = b.status_id JOIN accounts a ON a.id = s.account_id
        WHERE b.account_id = ${ctx.accountId} AND b.id > ${after ?? 0} ORDER BY b.id`,
      (r) => [r.uri ?? localStatusUri(ctx.config, r.username, { id: r.status_id, reblogOfId: r.reblog_of_id })],
      (r) => r.k,
    ),
};

/**
 * The export as CSV text, one chunk per page of rows (the header, if any, with the first). The
 * first chunk is read when the generator is first advanced, so a caller can await it before it
 * commits to a response.
 */
export async function* exportCsv(
  db: Db,
  config: Config,
  accountId: number,
  kind: ExportKind,
  options: { now?: number; pageSize?: number } = {},
): AsyncGenerator<string> {
  const ctx: Ctx = { db, config, accountId, now: options.now ?? Date.now(), limit: options.pageSize ?? EXPORT_PAGE };
  const header = HEADERS[kind];
  let cursor: Cursor | undefined;
  let first = true;
  for (;;) {
    const { lines, next } = await PAGES[kind](ctx, cursor);
    const text = lines.map(csvLine).join("");
    yield first && header ? csvLine(header) + text : text;
    first = false;
    if (next === undefined) return;
    cursor = next;
  }
}
