/**
 * Mastodon's home and list rules for a new status, evaluated in SQL for a page of the author's
 * followers: by the FANOUT consumer for every follower (feed writes), and by the streaming of a new
 * status for the followers with sockets open (the `update` on their user and list streams, sent
 * before any feed write, in the batch that commits a posted status; src/streaming/new-status.ts).
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { FOLLOWER_PAGE } from "../queue/fanout-common";
import { HOME_FEED } from "./feeds";

export interface StatusRow {
  id: number;
  account_id: number;
  visibility: string;
  language: string | null;
  in_reply_to_account_id: number | null;
  reblog_of_id: number | null;
  author_domain: string | null;
  author_suspended: number | null;
  /** Silenced authors stay off the public and hashtag streams (FanOutOnWriteService#broadcastable?). */
  author_silenced: number | null;
  author_local: number;
  reblog_author_id: number | null;
  reblog_author_domain: string | null;
  mention_count: number;
  /**
   * Whether any list holds the author, anyone blocks the author, the author blocks anyone: checks
   * per follower are skipped when not. null: not read (a status not yet committed); the query then
   * asks once, in SQL, before the checks.
   */
  author_listed: number | null;
  author_blocked: number | null;
  author_blocks: number | null;
}

export interface FollowerRow {
  id: number;
  notify: number;
  local: number;
  filtered: number | null;
  home: number | null;
  lists: string | null;
}

export async function loadStatus(db: Db, statusId: number): Promise<StatusRow | undefined> {
  const rows = await db.all<StatusRow>(sql`
    SELECT s.id, s.account_id, s.visibility, s.language, s.in_reply_to_account_id, s.reblog_of_id,
      a.domain AS author_domain, a.suspended_at AS author_suspended, a.silenced_at AS author_silenced,
      EXISTS (SELECT 1 FROM users WHERE account_id = s.account_id) AS author_local,
      o.account_id AS reblog_author_id, oa.domain AS reblog_author_domain,
      (SELECT count(*) FROM mentions WHERE status_id IN (s.id, s.reblog_of_id)) AS mention_count,
      EXISTS (SELECT 1 FROM list_accounts WHERE account_id = s.account_id) AS author_listed,
      EXISTS (SELECT 1 FROM blocks WHERE target_account_id = s.account_id) AS author_blocked,
      EXISTS (SELECT 1 FROM blocks WHERE account_id = s.account_id) AS author_blocks
    FROM statuses s
    JOIN accounts a ON a.id = s.account_id
    LEFT JOIN statuses o ON o.id = s.reblog_of_id
    LEFT JOIN accounts oa ON oa.id = o.account_id
    WHERE s.id = ${statusId}`);
  return rows[0];
}

/**
 * The row loadStatus would read for a local status about to be committed with `mentionCount`
 * mentions. Whether the author is in a list or in a block is not known without a read: the query
 * asks (see StatusRow).
 */
export function newLocalStatusRow(s: {
  id: number;
  accountId: number;
  visibility: string;
  language: string | null;
  inReplyToAccountId: number | null;
  mentionCount: number;
}): StatusRow {
  return {
    id: s.id,
    account_id: s.accountId,
    visibility: s.visibility,
    language: s.language,
    in_reply_to_account_id: s.inReplyToAccountId,
    reblog_of_id: null,
    author_domain: null,
    author_suspended: null,
    // A silenced local author cannot post in public (compose.ts): nothing of theirs reaches the channels.
    author_silenced: null,
    author_local: 1,
    reblog_author_id: null,
    reblog_author_domain: null,
    mention_count: s.mentionCount,
    author_listed: null,
    author_blocked: null,
    author_blocks: null,
  };
}

/** A reply to another account than the author: Mastodon's reply rule applies. */
export function replyToOther(s: StatusRow): number | null {
  return s.in_reply_to_account_id !== null && s.in_reply_to_account_id !== s.account_id ? s.in_reply_to_account_id : null;
}

/**
 * Whether a per-follower probe can matter: 1 yes, 0 no (the probe is left out), or an SQL condition
 * on the author alone, which SQLite evaluates once per statement (an uncorrelated subquery).
 */
export type AuthorFlag = 0 | 1 | SQL;

function guarded(flag: AuthorFlag, probe: SQL, otherwise = sql`0`): SQL | undefined {
  if (flag === 0) return undefined;
  return flag === 1 ? probe : sql`CASE WHEN ${flag} THEN ${probe} ELSE ${otherwise} END`;
}

/**
 * `account` (an SQL expression) is blocked by, blocks, or is muted by the follower `f.id`. The block
 * probes can be left out when the caller knows nobody blocks `account` / `account` blocks nobody.
 */
export function relationFilters(
  account: SQL | number,
  now: number,
  known: { blocked?: AuthorFlag; blocks?: AuthorFlag } = {},
): SQL {
  const parts = [
    sql`EXISTS (SELECT 1 FROM mutes WHERE account_id = f.id AND target_account_id = ${account}
      AND (expires_at IS NULL OR expires_at > ${now}))`,
    guarded(known.blocked ?? 1, sql`EXISTS (SELECT 1 FROM blocks WHERE account_id = f.id AND target_account_id = ${account})`),
    guarded(known.blocks ?? 1, sql`EXISTS (SELECT 1 FROM blocks WHERE account_id = ${account} AND target_account_id = f.id)`),
  ];
  return sql.join(
    parts.filter((p) => p !== undefined),
    sql` OR `,
  );
}

/** A StatusRow flag as an AuthorFlag: null (not read) asks `unread` in SQL. */
function authorFlag(flag: number | null, unread: SQL): AuthorFlag {
  if (flag === null) return unread;
  return flag === 1 ? 1 : 0;
}

export function domainFilter(domain: string | null): SQL {
  return domain === null
    ? sql``
    : sql`OR EXISTS (SELECT 1 FROM account_domain_blocks WHERE account_id = f.id AND domain = ${domain})`;
}

/**
 * One page of followers (or, with `among`, those of these accounts that follow the author: the
 * accounts streaming) with, for local ones, whether the status is filtered for them, whether it
 * goes to their home, and which of their lists take it. The inner query reads at most FOLLOWER_PAGE
 * rows of follows_target_home, plus one that only tells whether another page exists; the per-follower
 * checks are index probes, evaluated for local followers only.
 */
export function followerPageQuery(s: StatusRow, after: number, now: number, among?: readonly number[]): SQL {
  const author = s.account_id;
  const reply = replyToOther(s);
  const filters: SQL[] = [
    relationFilters(author, now, {
      blocked: authorFlag(s.author_blocked, sql`EXISTS (SELECT 1 FROM blocks WHERE target_account_id = ${author})`),
      blocks: authorFlag(s.author_blocks, sql`EXISTS (SELECT 1 FROM blocks WHERE account_id = ${author})`),
    }),
    domainFilter(s.author_domain),
  ];
  if (s.reblog_author_id !== null) {
    filters.push(sql`OR f.show_reblogs = 0 OR ${relationFilters(s.reblog_author_id, now)}`, domainFilter(s.reblog_author_domain));
  }
  if (s.language !== null) {
    filters.push(
      sql`OR (f.languages IS NOT NULL AND NOT EXISTS (SELECT 1 FROM json_each(f.languages) WHERE value = ${s.language}))`,
    );
  }
  if (s.mention_count > 0) {
    filters.push(sql`OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id IN (${s.id}, ${s.reblog_of_id ?? s.id})
      AND (EXISTS (SELECT 1 FROM blocks WHERE account_id = f.id AND target_account_id = m.account_id)
        OR EXISTS (SELECT 1 FROM mutes WHERE account_id = f.id AND target_account_id = m.account_id
          AND (expires_at IS NULL OR expires_at > ${now}))))`);
  }
  const replyRule =
    reply === null
      ? sql`1`
      : sql`(f.id = ${reply} OR EXISTS (SELECT 1 FROM follows WHERE account_id = f.id AND target_account_id = ${reply}))`;
  const listReplies =
    reply === null
      ? sql``
      : sql`AND (f.id = ${reply}
          OR (l.replies_policy = 'followed' AND EXISTS (SELECT 1 FROM follows WHERE account_id = f.id AND target_account_id = ${reply}))
          OR (l.replies_policy = 'list' AND EXISTS (SELECT 1 FROM list_accounts WHERE list_id = l.id AND account_id = ${reply})))`;
  // An author in nobody's list needs neither the exclusive-list check nor the list lookup.
  const listed = authorFlag(s.author_listed, sql`EXISTS (SELECT 1 FROM list_accounts WHERE account_id = ${author})`);
  const exclusive = guarded(
    listed,
    sql`EXISTS (SELECT 1 FROM lists l JOIN list_accounts la ON la.list_id = l.id AND la.account_id = ${author}
      WHERE l.account_id = f.id AND l.exclusive = 1)`,
  );
  const lists =
    guarded(
      listed,
      sql`(SELECT group_concat(l.id) FROM lists l JOIN list_accounts la ON la.list_id = l.id AND la.account_id = ${author}
        WHERE l.account_id = f.id ${listReplies})`,
      sql`NULL`,
    ) ?? sql`NULL`;
  return sql`
    SELECT f.id, f.notify, f.local,
      CASE WHEN f.local = 1 THEN (${sql.join(filters, sql` `)}) END AS filtered,
      CASE WHEN f.local = 1 THEN ${replyRule} ${exclusive ? sql`AND NOT ${exclusive}` : sql``} END AS home,
      CASE WHEN f.local = 1 THEN ${lists} END AS lists
    FROM (
      SELECT fo.account_id AS id, fo.notify, fo.show_reblogs, fo.languages,
        ${
          // Accounts streaming are local users; SQLite re-evaluates this probe for every use of
          // f.local (the subquery is flattened), a quarter of the statement's time.
          among === undefined ? sql`EXISTS (SELECT 1 FROM users WHERE account_id = fo.account_id)` : sql`1`
        } AS local
      FROM follows fo
      WHERE fo.target_account_id = ${author} AND ${
        among === undefined
          ? sql`fo.account_id > ${after} ORDER BY fo.account_id LIMIT ${FOLLOWER_PAGE + 1}`
          : sql`fo.account_id IN (SELECT value FROM json_each(${JSON.stringify(among)}))`
      }
    ) f`;
}

/** Whose feeds a page of followers' rows puts the status in (0 = home, list ids), and who gets a `status` notification. */
export function feedTargets(status: StatusRow, rows: readonly FollowerRow[]): { deliveries: FeedTarget[]; toNotify: number[] } {
  // Mastodon sends `status` notifications for originals and self-replies, never for boosts.
  const notifies = status.reblog_of_id === null && replyToOther(status) === null;
  const deliveries: FeedTarget[] = [];
  const toNotify: number[] = [];
  for (const row of rows) {
    if (row.local !== 1 || row.filtered === 1) continue;
    const feeds = feedsOf(row.home, row.lists);
    if (row.home === 1 && notifies && row.notify === 1) toNotify.push(row.id);
    if (feeds.length > 0) deliveries.push({ id: row.id, feeds });
  }
  return { deliveries, toNotify };
}

/** A delivery to a follower's feeds: 0 = home, list ids. */
export interface FeedTarget {
  id: number;
  feeds: number[];
}

/**
 * The deliveries among `among` (online accounts) as one row holding a JSON array of `[id, home,
 * lists]`, the rows `feedTargets` would deliver to: a post's 1,000 online followers cost one
 * JSON.parse on the posting path, not 1,000 rows decoded into objects and mapped one by one.
 */
export function onlineDeliveriesQuery(s: StatusRow, now: number, among: readonly number[]): SQL {
  return sql`SELECT json_group_array(json_array(id, home, lists)) AS d
    FROM (${followerPageQuery(s, 0, now, among)})
    WHERE local = 1 AND filtered IS NOT 1 AND (home = 1 OR lists IS NOT NULL)`;
}

/** `onlineDeliveriesQuery`'s row as feedTargets' deliveries. */
export function parseDeliveries(json: string | null | undefined): FeedTarget[] {
  if (!json) return [];
  return (JSON.parse(json) as Array<[number, number | null, string | null]>).map(([id, home, lists]) => ({
    id,
    feeds: feedsOf(home, lists),
  }));
}

/** The feeds a follower's row puts the status in: home (0) first, then the list ids. */
function feedsOf(home: number | null, lists: string | null): number[] {
  const feeds = lists ? lists.split(",").map(Number) : [];
  if (home === 1) feeds.unshift(HOME_FEED);
  return feeds;
}
