/**
 * Loading status bundles with as few D1 rows read as the page allows. D1 counts every index seek
 * and every row a cursor visits, so the shape of each statement matters more than their number:
 * - ids are joined as a literal `VALUES` list (one seek per id; an `IN (...)` list or json_each set
 *   costs two or three, and a shared sub-select is re-evaluated by every statement that uses it);
 * - the statuses and what boosts among them point at come in one statement (a LEFT JOIN on the same
 *   table), so everything else can be asked for exactly: distinct authors once each, mentions and
 *   tags only for statuses whose counters say they have some, polls only where there is one;
 * - the viewer's favourites, bookmarks, pins, boosts and conversation mutes are read as one index
 *   range per table over the page's id span (plus single seeks for boosted originals outside it):
 *   one seek when the viewer has none there, instead of one per status;
 * - relations (blocks both ways, follows, mentions of the viewer, domain blocks) are probed only for
 *   what the visibility rules need, and not at all for feeds whose fanout already applied them.
 * The wide rows (statuses, accounts, polls, attachments) are selected and decoded by row readers
 * (src/db/row-reader.ts) rather than drizzle's builder: on the home timeline that halved the
 * Worker's CPU per page.
 */
import { eq, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowReader } from "../db/row-reader";
import {
  type AccountRole,
  accountDomainBlocks,
  accounts,
  mediaAttachments,
  oauthApplications,
  polls,
  pollVotes,
  type Status,
  statuses,
} from "../db/schema";
import { quoteRelationsFrom, quoteRelationsQuery } from "./quotes/hydrate-quotes";
import { allInBatch } from "./statuses/raw";
import { NO_RELATIONS, type ViewerRelations } from "./visibility";

function checkIds(ids: readonly number[]): void {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new Error(`not an id: ${id}`);
}

/** `(VALUES (1),(2))` as text: ids are validated integers, inlined so any number of them binds no parameter. */
function valuesText(ids: readonly number[]): string {
  checkIds(ids);
  return `(VALUES ${ids.map((id) => `(${id})`).join(",")})`;
}

/** `(1,2)` as text, validated as valuesText. */
function inText(ids: readonly number[]): string {
  checkIds(ids);
  return `(${ids.join(",")})`;
}

/** valuesText as a drizzle SQL fragment. */
export function valuesList(ids: readonly number[]): SQL {
  return sql.raw(valuesText(ids));
}

function inList(ids: readonly number[]): SQL {
  return sql.raw(inText(ids));
}

const statusRow = rowReader(statuses, "s", "s_");
// Keys are never part of a status page: 2–3 KB per author that D1 would send and parse for nothing.
const accountRow = rowReader(accounts, "a", "a_", ["publicKeyPem", "privateKeySealed"]);
const pollRow = rowReader(polls, "p");
const mediaRow = rowReader(mediaAttachments, "ma");
const originalRow = rowReader(statuses, "o", "o_");
const quotedRow = rowReader(statuses, "q", "q_");
const STATUS_ROWS_SELECT = `SELECT ${statusRow.columns}, ${originalRow.columns}, ${quotedRow.columns} FROM `;
const STATUS_ROWS_JOIN = ` AS wanted
  JOIN statuses s ON s.id = wanted.column1
  LEFT JOIN statuses o ON o.id = s.reblog_of_id
  LEFT JOIN statuses q ON q.id = coalesce(o.quoted_status_id, s.quoted_status_id)`;

/**
 * The statuses of `ids`, for boosts the boosted status, and for quotes (of either) the quoted
 * status: one seek per id, plus one per quote (a NULL `quoted_status_id` seeks nothing).
 */
export async function loadStatusRows(db: Db, ids: readonly number[]): Promise<Map<number, Status>> {
  const rows = await db.$client.prepare(`${STATUS_ROWS_SELECT}${valuesText(ids)}${STATUS_ROWS_JOIN}`).raw<unknown[]>();
  const width = statusRow.width;
  const out = new Map<number, Status>();
  for (const row of rows) {
    const status = statusRow.readAt(row, 0);
    if (!status) continue;
    out.set(status.id, status);
    const boosted = originalRow.readAt(row, width);
    if (boosted) out.set(boosted.id, boosted);
    const quoted = quotedRow.readAt(row, 2 * width);
    if (quoted && !out.has(quoted.id)) out.set(quoted.id, quoted);
  }
  return out;
}

/**
 * The viewer's rows of a flag table for the page: one index range over the page's id span, plus
 * exact seeks for ids outside it (boosted originals), as separate arms of a UNION ALL. Written as
 * one `BETWEEN … OR IN (…)` condition, SQLite walks every row the viewer has in the table instead.
 */
function flagRows(db: Db, select: SQL, owner: SQL, column: SQL, primary: readonly number[], extra: readonly number[]) {
  const lo = Math.min(...primary);
  const hi = Math.max(...primary);
  const outside = extra.filter((id) => id < lo || id > hi);
  const range = sql`${select} WHERE ${owner} AND ${column} BETWEEN ${lo} AND ${hi}`;
  return allInBatch<{ id: number }>(
    db,
    outside.length === 0 ? range : sql`${range} UNION ALL ${select} WHERE ${owner} AND ${column} IN ${inList(outside)}`,
  );
}

const NO_ROWS = sql.raw("SELECT 0 AS id WHERE 0");

export interface PageContext {
  viewerId: number | null;
  /** The ids asked for (the page). */
  primary: number[];
  rows: Map<number, Status>;
  /** Skip relation probes: the feed the ids came from already applied blocks, follows and mentions. */
  fromFeed: boolean;
}

/** Everything else a page of bundles needs, in one D1 batch. */
export async function loadPageExtras(db: Db, ctx: PageContext) {
  const all = [...ctx.rows.values()];
  const statusIds = all.map((s) => s.id);
  const authorIds = [...new Set(all.map((s) => s.accountId))];
  const withMentions = all.filter((s) => s.mentionsCount > 0).map((s) => s.id);
  const withTags = all.filter((s) => s.tagsCount > 0).map((s) => s.id);
  const withPolls = all.filter((s) => s.pollId !== null).map((s) => s.id);
  const appIds = [...new Set(all.flatMap((s) => (s.applicationId === null ? [] : [s.applicationId])))];
  const v = ctx.viewerId;
  const primary = ctx.primary.filter((id) => ctx.rows.has(id));
  const originals = statusIds.filter((id) => !primary.includes(id));
  const conversations = [...new Set(all.flatMap((s) => (s.conversationId === null ? [] : [s.conversationId])))];

  const authorsQuery = allInBatch<Record<string, unknown>>(
    db,
    sql.raw(`SELECT ${accountRow.columns}, u.role AS role FROM ${valuesText(authorIds)} AS wanted
      JOIN accounts a ON a.id = wanted.column1 LEFT JOIN users u ON u.account_id = a.id`),
  );
  const mentionsQuery = allInBatch<Record<string, unknown>>(
    db,
    withMentions.length > 0
      ? sql.raw(`SELECT m.status_id AS statusId, m.silent AS silent, ${accountRow.columns}, u.role AS role
          FROM mentions m JOIN accounts a ON a.id = m.account_id LEFT JOIN users u ON u.account_id = a.id
          WHERE m.status_id IN ${inText(withMentions)} ORDER BY m.rowid`)
      : NO_ROWS,
  );
  const tagsQuery = allInBatch<{ statusId: number; name: string }>(
    db,
    withTags.length > 0
      ? sql.raw(`SELECT st.status_id AS statusId, t.name AS name FROM status_tags st JOIN tags t ON t.id = st.tag_id
          WHERE st.status_id IN ${inText(withTags)} ORDER BY st.rowid`)
      : NO_ROWS,
  );
  const pollsQuery = allInBatch<Record<string, unknown>>(
    db,
    withPolls.length > 0 ? sql.raw(`SELECT ${pollRow.columns} FROM polls p WHERE p.status_id IN ${inText(withPolls)}`) : NO_ROWS,
  );
  const withMedia = all.filter((s) => s.mediaCount > 0).map((s) => s.id);
  const mediaQuery = allInBatch<Record<string, unknown>>(
    db,
    withMedia.length > 0
      ? sql.raw(`SELECT ${mediaRow.columns} FROM media_attachments ma WHERE ma.status_id IN ${inText(withMedia)}
          ORDER BY ma.status_id, ma.position, ma.id`)
      : NO_ROWS,
  );
  const appsQuery = db
    .select({ id: oauthApplications.id, name: oauthApplications.name, website: oauthApplications.website })
    .from(oauthApplications)
    .where(appIds.length > 0 ? sql`${oauthApplications.id} IN ${inList(appIds)}` : sql`0`);

  const someone = v !== null && primary.length > 0;
  const viewer = v ?? 0;
  const flag = (table: string, column: string, owner: string, ids: readonly number[], extra: readonly number[], where = sql``) =>
    someone && ids.length > 0
      ? flagRows(
          db,
          sql.raw(`SELECT ${column} AS id FROM ${table}`),
          sql`${sql.raw(owner)} = ${viewer} ${where}`,
          sql.raw(column),
          ids,
          extra,
        )
      : allInBatch<{ id: number }>(db, NO_ROWS);
  const favs = flag("favourites", "status_id", "account_id", primary, originals);
  const marks = flag("bookmarks", "status_id", "account_id", primary, originals);
  const pins = flag("status_pins", "status_id", "account_id", primary, originals);
  const boosts = flag("statuses", "reblog_of_id", "account_id", primary, originals, sql`AND reblog_of_id IS NOT NULL`);
  const convMutes = flag("conversation_mutes", "conversation_id", "account_id", conversations, []);
  const votes = db
    .select({ pollId: pollVotes.pollId, choice: pollVotes.choice })
    .from(pollVotes)
    .where(
      someone && withPolls.length > 0
        ? sql`${pollVotes.pollId} IN (SELECT id FROM polls WHERE status_id IN ${inList(withPolls)}) AND ${pollVotes.accountId} = ${viewer}`
        : sql`0`,
    );

  // Relations: only what isVisibleTo will ask about.
  const others = all.filter((s) => s.accountId !== v);
  const needRelations = v !== null && !ctx.fromFeed && others.length > 0;
  const otherAuthors = [...new Set(others.map((s) => s.accountId))];
  const restricted = others.filter((s) => s.visibility === "private" || s.visibility === "direct");
  const privateAuthors = [...new Set(others.filter((s) => s.visibility === "private").map((s) => s.accountId))];
  const blocked = allInBatch<{ id: number }>(
    db,
    needRelations
      ? sql`SELECT wanted.column1 AS id FROM ${valuesList(otherAuthors)} AS wanted
          WHERE EXISTS (SELECT 1 FROM blocks WHERE account_id = ${viewer} AND target_account_id = wanted.column1)
             OR EXISTS (SELECT 1 FROM blocks WHERE account_id = wanted.column1 AND target_account_id = ${viewer})`
      : sql`SELECT 0 AS id WHERE 0`,
  );
  const following = allInBatch<{ id: number }>(
    db,
    needRelations && privateAuthors.length > 0
      ? sql`SELECT target_account_id AS id FROM follows WHERE account_id = ${viewer} AND target_account_id IN ${inList(privateAuthors)}`
      : sql`SELECT 0 AS id WHERE 0`,
  );
  const mentioned = allInBatch<{ id: number }>(
    db,
    needRelations && restricted.length > 0
      ? sql`SELECT status_id AS id FROM mentions WHERE account_id = ${viewer} AND status_id IN ${inList(restricted.map((s) => s.id))}`
      : sql`SELECT 0 AS id WHERE 0`,
  );
  const domains = db
    .select({ domain: accountDomainBlocks.domain })
    .from(accountDomainBlocks)
    .where(needRelations ? eq(accountDomainBlocks.accountId, viewer) : sql`0`);

  const [
    authorRows,
    mentionRows,
    tagRows,
    pollRows,
    appRows,
    favRows,
    markRows,
    pinRows,
    boostRows,
    muteRows,
    voteRows,
    b,
    f,
    m,
    d,
    mediaRows,
    quoteRows,
  ] = await db.batch([
    authorsQuery,
    mentionsQuery,
    tagsQuery,
    pollsQuery,
    appsQuery,
    favs,
    marks,
    pins,
    boosts,
    convMutes,
    votes,
    blocked,
    following,
    mentioned,
    domains,
    mediaQuery,
    quoteRelationsQuery(db, v, ctx.rows, Date.now()),
  ]);
  const relations: ViewerRelations = needRelations
    ? {
        blocked: new Set(b.map((r) => r.id)),
        following: new Set(f.map((r) => r.id)),
        mentioned: new Set(m.map((r) => r.id)),
        blockedDomains: new Set(d.map((r) => r.domain)),
      }
    : NO_RELATIONS;
  return {
    authorRows: authorRows.flatMap((row) => {
      const account = accountRow.read(row);
      return account ? [{ account, role: row.role as AccountRole | null }] : [];
    }),
    mentionRows: mentionRows.flatMap((row) => {
      const account = accountRow.read(row);
      return account
        ? [{ statusId: row.statusId as number, silent: row.silent === 1, account, role: row.role as AccountRole | null }]
        : [];
    }),
    tagRows,
    pollRows: pollRows.flatMap((row) => pollRow.read(row) ?? []),
    appRows,
    voteRows,
    mediaRows: mediaRows.flatMap((row) => mediaRow.read(row) ?? []),
    relations,
    quoteRelations: quoteRelationsFrom(quoteRows),
    flags: {
      favourited: new Set(favRows.map((r) => r.id)),
      reblogged: new Set(boostRows.map((r) => r.id)),
      bookmarked: new Set(markRows.map((r) => r.id)),
      pinned: new Set(pinRows.map((r) => r.id)),
      muted: new Set(muteRows.map((r) => r.id)),
    },
  };
}
