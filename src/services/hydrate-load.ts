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
 */
import { eq, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Db } from "../db/client";
import {
  accountDomainBlocks,
  accounts,
  mediaAttachments,
  mentions,
  oauthApplications,
  polls,
  pollVotes,
  type Status,
  statuses,
  statusTags,
  tags,
  users,
} from "../db/schema";
import { allInBatch } from "./statuses/raw";
import { NO_RELATIONS, type ViewerRelations } from "./visibility";

/** `(VALUES (1),(2))`: ids are validated integers, inlined so any number of them binds no parameter. */
export function valuesList(ids: readonly number[]): SQL {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new Error(`not an id: ${id}`);
  return sql.raw(`(VALUES ${ids.map((id) => `(${id})`).join(",")})`);
}

function inList(ids: readonly number[]): SQL {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new Error(`not an id: ${id}`);
  return sql.raw(`(${ids.join(",")})`);
}

const original = alias(statuses, "original");

/** The statuses of `ids` and, for boosts, the boosted status: one seek per id. */
export async function loadStatusRows(db: Db, ids: readonly number[]): Promise<Map<number, Status>> {
  const rows = await db
    .select({ status: statuses, original })
    .from(sql`${valuesList(ids)} AS wanted`)
    .innerJoin(statuses, sql`${statuses.id} = wanted.column1`)
    .leftJoin(original, eq(original.id, statuses.reblogOfId));
  const out = new Map<number, Status>();
  for (const r of rows) {
    out.set(r.status.id, r.status);
    if (r.original) out.set(r.original.id, r.original);
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

const NO_ROWS = sql`SELECT 0 AS id WHERE 0`;

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

  const authorsQuery = db
    .select({ account: accounts, role: users.role })
    .from(sql`${valuesList(authorIds)} AS wanted`)
    .innerJoin(accounts, sql`${accounts.id} = wanted.column1`)
    .leftJoin(users, eq(users.accountId, accounts.id));
  const mentionsQuery = db
    .select({ statusId: mentions.statusId, silent: mentions.silent, account: accounts, role: users.role })
    .from(mentions)
    .innerJoin(accounts, eq(accounts.id, mentions.accountId))
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(withMentions.length > 0 ? sql`${mentions.statusId} IN ${inList(withMentions)}` : sql`0`)
    .orderBy(sql`${mentions}.rowid`);
  const tagsQuery = db
    .select({ statusId: statusTags.statusId, name: tags.name })
    .from(statusTags)
    .innerJoin(tags, eq(tags.id, statusTags.tagId))
    .where(withTags.length > 0 ? sql`${statusTags.statusId} IN ${inList(withTags)}` : sql`0`)
    .orderBy(sql`${statusTags}.rowid`);
  const pollsQuery = db
    .select()
    .from(polls)
    .where(withPolls.length > 0 ? sql`${polls.statusId} IN ${inList(withPolls)}` : sql`0`);
  const withMedia = all.filter((s) => s.mediaCount > 0).map((s) => s.id);
  const mediaQuery = db
    .select()
    .from(mediaAttachments)
    .where(withMedia.length > 0 ? sql`${mediaAttachments.statusId} IN ${inList(withMedia)}` : sql`0`)
    .orderBy(mediaAttachments.statusId, mediaAttachments.position, mediaAttachments.id);
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
    authorRows,
    mentionRows,
    tagRows,
    pollRows,
    appRows,
    voteRows,
    mediaRows,
    relations,
    flags: {
      favourited: new Set(favRows.map((r) => r.id)),
      reblogged: new Set(boostRows.map((r) => r.id)),
      bookmarked: new Set(markRows.map((r) => r.id)),
      pinned: new Set(pinRows.map((r) => r.id)),
      muted: new Set(muteRows.map((r) => r.id)),
    },
  };
}
