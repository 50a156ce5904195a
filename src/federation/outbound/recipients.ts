/**
 * Who an activity goes to, as Mastodon's StatusReachFinder decides it:
 * - followers: remote followers' inboxes, the shared inbox standing in for every follower behind it
 *   (GoToSocial has none, so the personal inbox is the fallback). Read in keyset pages over
 *   follows_target_home, never more than FOLLOWER_INBOX_PAGE rows per query; a message that has read
 *   FOLLOWER_INBOX_PAGES pages hands the rest to a `delivery.followers` FANOUT follow-up;
 * - reached accounts: the mentioned (silent too), the replied-to author (public and unlisted only),
 *   the boosted author, and (bounded) those who favourited, boosted or replied, so edits and
 *   deletions reach the copies they hold.
 * Direct statuses never go to followers. Only remote accounts yield inboxes; local ones need nothing.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";

export const FOLLOWER_INBOX_PAGE = 1000;
export const FOLLOWER_INBOX_PAGES = 5;
/** Cap per kind of reached account (favouriters, boosters, repliers) on one status. */
export const REACH_LIMIT = 1000;

/** The inbox a remote account is delivered at: its server's shared inbox when it has one. */
export const INBOX_OF = sql.raw("COALESCE(a.shared_inbox_url, a.inbox_url)");

export interface FollowerInboxPage {
  inboxes: string[];
  /** The follower account id to continue after, or null when this was the last page. */
  next: number | null;
}

/** One page of `accountId`'s remote followers' inboxes, after follower id `after`. */
export async function followerInboxPage(
  db: Db,
  accountId: number,
  after: number,
  limit = FOLLOWER_INBOX_PAGE,
): Promise<FollowerInboxPage> {
  const rows = await db.all<{ id: number; inbox: string | null }>(sql`
    SELECT f.account_id AS id, CASE WHEN a.domain IS NOT NULL AND a.suspended_at IS NULL THEN ${INBOX_OF} END AS inbox
    FROM follows f JOIN accounts a ON a.id = f.account_id
    WHERE f.target_account_id = ${accountId} AND f.account_id > ${after}
    ORDER BY f.account_id LIMIT ${limit + 1}`);
  const page = rows.slice(0, limit);
  const inboxes = new Set<string>();
  for (const r of page) if (r.inbox) inboxes.add(r.inbox);
  return { inboxes: [...inboxes], next: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null };
}

/**
 * The condition "account `a` is reached by the status" (see the file comment). D1 caps compound
 * SELECTs at a few terms, so it is two IN lists of three, each an index probe per term.
 */
export function reachedCondition(statusId: SQL | number): SQL {
  return sql`(a.id IN (
      SELECT account_id FROM mentions WHERE status_id = ${statusId}
      UNION SELECT in_reply_to_account_id FROM statuses WHERE id = ${statusId} AND visibility IN ('public', 'unlisted')
      UNION SELECT o.account_id FROM statuses b JOIN statuses o ON o.id = b.reblog_of_id WHERE b.id = ${statusId})
    OR a.id IN (
      SELECT account_id FROM (SELECT account_id FROM favourites WHERE status_id = ${statusId} LIMIT ${REACH_LIMIT})
      UNION SELECT account_id FROM (SELECT account_id FROM statuses WHERE reblog_of_id = ${statusId} LIMIT ${REACH_LIMIT})
      UNION SELECT account_id FROM (SELECT account_id FROM statuses WHERE in_reply_to_id = ${statusId} LIMIT ${REACH_LIMIT})))`;
}

/** The distinct remote inboxes of the reached accounts, as a query with one `inbox` column. */
export function reachedInboxesQuery(statusId: SQL | number): SQL {
  return sql`
    SELECT DISTINCT ${INBOX_OF} AS inbox FROM accounts a
    WHERE ${reachedCondition(statusId)} AND a.domain IS NOT NULL AND a.suspended_at IS NULL AND ${INBOX_OF} IS NOT NULL`;
}

export async function reachedInboxes(db: Db, statusId: number): Promise<string[]> {
  const rows = await db.all<{ inbox: string }>(reachedInboxesQuery(statusId));
  return rows.map((r) => r.inbox);
}

/** Inboxes of the given accounts that are remote (one, typically: the target of a Follow or Like). */
export async function remoteInboxes(db: Db, accountIds: readonly number[]): Promise<string[]> {
  if (accountIds.length === 0) return [];
  const rows = await db.all<{ inbox: string | null }>(sql`
    SELECT ${INBOX_OF} AS inbox FROM accounts a
    WHERE a.id IN (SELECT value FROM json_each(${JSON.stringify(accountIds)})) AND a.domain IS NOT NULL`);
  return [...new Set(rows.flatMap((r) => (r.inbox ? [r.inbox] : [])))];
}

/** The personal inbox of one remote account (Follow, Block, Accept go there, not to the shared inbox). */
export async function personalInbox(db: Db, accountId: number): Promise<string | null> {
  const rows = await db.all<{ inbox: string | null }>(sql`
    SELECT COALESCE(a.inbox_url, a.shared_inbox_url) AS inbox FROM accounts a WHERE a.id = ${accountId} AND a.domain IS NOT NULL`);
  return rows[0]?.inbox ?? null;
}
