/**
 * Full-text status search (Mastodon 4.x StatusesSearchService semantics) over the FTS5 index
 * `statuses_fts` (migrations/0008_search_fts.sql). A signed-in viewer finds, newest first:
 * statuses they wrote, were mentioned in, favourited, boosted or bookmarked, and public statuses of
 * accounts that opted into search (`indexable`); never anything from accounts they block, mute or are
 * blocked by, and every hit is checked against the visibility rules when hydrated.
 * Bounded: the FTS walk stops after CANDIDATE_MAX matches (newest first), and every other condition
 * is an index probe per candidate, so no request reads more than a few thousand rows whatever the
 * table size. Older matches beyond that window are not found; narrow the query (or max_id) to reach them.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import type { MastodonStatus } from "../../entities/status";
import { notFound } from "../../errors";
import { idFloor } from "../../ids";
import { findVisibleAccountByAcct } from "../accounts";
import { hydrateStatuses } from "../hydrate";
import { notExcludedFor } from "../relationships/common";
import { type ParsedStatusQuery, parseStatusQuery } from "./query";

/** How many FTS matches one search looks at, at most. */
export const CANDIDATE_MAX = 1000;

export interface StatusSearch {
  query: string;
  limit: number;
  offset: number;
  accountId: number | undefined;
  minId: number | undefined;
  maxId: number | undefined;
}

async function acctIds(db: Db, config: Config, viewerId: number, accts: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const acct of accts) {
    if (acct.toLowerCase() === "me") {
      ids.push(viewerId);
      continue;
    }
    const found = await findVisibleAccountByAcct(db, config, acct);
    // Mastodon: `from:` an unknown account is RecordNotFound, answered 404.
    if (!found) throw notFound();
    ids.push(found.account.id);
  }
  return ids;
}

function scopeCondition(parsed: ParsedStatusQuery, viewerId: number): SQL {
  const library = sql`(s.account_id = ${viewerId}
    OR EXISTS (SELECT 1 FROM mentions WHERE status_id = s.id AND account_id = ${viewerId})
    OR EXISTS (SELECT 1 FROM favourites WHERE account_id = ${viewerId} AND status_id = s.id)
    OR EXISTS (SELECT 1 FROM bookmarks WHERE account_id = ${viewerId} AND status_id = s.id)
    OR EXISTS (SELECT 1 FROM statuses b WHERE b.reblog_of_id = s.id AND b.account_id = ${viewerId}))`;
  const publicIndex = sql`(s.visibility = 'public' AND a.indexable = 1)`;
  if (parsed.scope === "library") return library;
  if (parsed.scope === "public") return publicIndex;
  return sql`(${publicIndex} OR ${library})`;
}

function hasCondition(kind: string): SQL {
  switch (kind) {
    case "poll":
      return sql`s.poll_id IS NOT NULL`;
    case "image":
    case "video":
    case "audio": {
      const types = kind === "image" ? ["image", "gifv"] : [kind];
      return sql`EXISTS (SELECT 1 FROM media_attachments WHERE status_id = s.id
        AND type IN (SELECT value FROM json_each(${JSON.stringify(types)})))`;
    }
    default:
      return sql`s.media_count > 0`;
  }
}

export async function searchStatuses(db: Db, config: Config, viewerId: number, search: StatusSearch): Promise<MastodonStatus[]> {
  const parsed = parseStatusQuery(search.query);
  if (parsed.match === null || search.limit < 1) return [];
  const from = await acctIds(db, config, viewerId, parsed.fromAccts);
  const notFrom = await acctIds(db, config, viewerId, parsed.notFromAccts);

  // Bounds on the FTS walk itself (rowid = status id), so an id range never costs a wider scan.
  const rowBounds: SQL[] = [];
  const low = Math.max(search.minId ?? 0, parsed.after !== undefined ? idFloor(parsed.after) - 1 : 0);
  if (low > 0) rowBounds.push(sql`AND rowid > ${low}`);
  if (search.maxId !== undefined) rowBounds.push(sql`AND rowid < ${search.maxId}`);
  if (parsed.before !== undefined) rowBounds.push(sql`AND rowid < ${idFloor(parsed.before)}`);

  const filters: SQL[] = [scopeCondition(parsed, viewerId), notExcludedFor("a", viewerId, Date.now())];
  if (search.accountId !== undefined) filters.push(sql`s.account_id = ${search.accountId}`);
  if (from.length > 0) filters.push(sql`s.account_id IN (SELECT value FROM json_each(${JSON.stringify(from)}))`);
  if (notFrom.length > 0) filters.push(sql`s.account_id NOT IN (SELECT value FROM json_each(${JSON.stringify(notFrom)}))`);
  for (const kind of parsed.has) filters.push(hasCondition(kind));
  for (const kind of parsed.notHas) filters.push(sql`NOT (${hasCondition(kind)})`);
  if (parsed.is.has("reply")) filters.push(sql`s.in_reply_to_id IS NOT NULL`);
  if (parsed.notIs.has("reply")) filters.push(sql`s.in_reply_to_id IS NULL`);
  if (parsed.is.has("sensitive")) filters.push(sql`s.sensitive = 1`);
  if (parsed.notIs.has("sensitive")) filters.push(sql`s.sensitive = 0`);
  if (parsed.languages.length > 0)
    filters.push(sql`s.language IN (SELECT value FROM json_each(${JSON.stringify(parsed.languages)}))`);

  let ids: number[];
  try {
    // The candidates come newest first from the FTS walk (a co-routine: a LIMIT'ed subquery of a join
    // is never flattened), and the outer query keeps that order without an ORDER BY of its own, so it
    // stops as soon as the page is full instead of joining every candidate and sorting them.
    // CROSS JOIN pins that loop order: left free, SQLite's planner prefers walking every original
    // status (statuses_reblog_of_id) and probing the candidates, a full scan.
    // (The index holds originals only, so no reblog_of_id condition is needed.)
    const rows = await db.all<{ id: number }>(sql`
      SELECT s.id AS id
      FROM (SELECT rowid AS id FROM statuses_fts WHERE statuses_fts MATCH ${parsed.match} ${sql.join(rowBounds, sql` `)}
            ORDER BY rowid DESC LIMIT ${CANDIDATE_MAX}) m
      CROSS JOIN statuses s ON s.id = m.id
      CROSS JOIN accounts a ON a.id = s.account_id
      WHERE a.suspended_at IS NULL AND ${sql.join(filters, sql` AND `)}
      LIMIT ${search.limit} OFFSET ${search.offset}`);
    ids = rows.map((r) => r.id).sort((x, y) => y - x);
  } catch (err) {
    // A query FTS5 cannot parse finds nothing, as Mastodon answers a parse failure with no statuses.
    if (String(err).includes("fts5")) return [];
    throw err;
  }
  return hydrateStatuses(db, config, viewerId, ids);
}
