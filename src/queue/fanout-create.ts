/**
 * FANOUT for a new status (and the `status.followers` "add" follow-ups): the author's own home, the
 * mentioned accounts (notifications; home for private and direct statuses), then the followers page
 * by page with Mastodon's home and list rules evaluated in SQL (see fanout.ts for the rules).
 */
import { type SQL, sql } from "drizzle-orm";
import { type Db, envDb } from "../db/client";
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import { deliverStatusCreated } from "../federation/outbound/statuses";
import { recordDirectStatus } from "../services/conversations";
import { accountHub, type FeedEntry, HOME_FEED, runBounded } from "../services/feeds";
import { notify } from "../services/notifications";
import { publishNewStatus, renderForStreams, streamToFeeds } from "../streaming/publish";
import {
  type FanoutResult,
  type FanoutStats,
  FOLLOWER_PAGE,
  FOLLOWER_PAGES_PER_MESSAGE,
  HUB_CONCURRENCY,
  timed,
} from "./fanout-common";
import { fanOutToTagFollowers } from "./fanout-tags";
import { enqueueFanout, type FanoutMessage } from "./messages";

export interface StatusRow {
  id: number;
  account_id: number;
  visibility: string;
  language: string | null;
  in_reply_to_account_id: number | null;
  reblog_of_id: number | null;
  author_domain: string | null;
  author_suspended: number | null;
  author_local: number;
  reblog_author_id: number | null;
  reblog_author_domain: string | null;
  mention_count: number;
  /** Whether any list holds the author, anyone blocks the author, the author blocks anyone: checks per follower are skipped when not. */
  author_listed: number;
  author_blocked: number;
  author_blocks: number;
}

interface MentionRow {
  id: number;
  silent: number;
  follows_author: number;
  filtered: number;
  blocked_by_author: number;
}

interface FollowerRow {
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
      a.domain AS author_domain, a.suspended_at AS author_suspended,
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

function entryOf(s: StatusRow): FeedEntry {
  return { statusId: s.id, authorId: s.account_id, reblogOfId: s.reblog_of_id, reblogAuthorId: s.reblog_author_id };
}

/** A reply to another account than the author: Mastodon's reply rule applies. */
function replyToOther(s: StatusRow): number | null {
  return s.in_reply_to_account_id !== null && s.in_reply_to_account_id !== s.account_id ? s.in_reply_to_account_id : null;
}

export async function statusCreated(
  env: Bindings,
  message: Extract<FanoutMessage, { type: "status.created" }>,
  stats: FanoutStats,
): Promise<FanoutResult> {
  const db = envDb(env);
  const status = await timed(stats, "d1Ms", loadStatus(db, message.statusId));
  // Deleted before the fanout ran, or the author was suspended meanwhile: nobody should get it.
  if (!status || status.author_suspended !== null) return "done";
  if (status.reblog_of_id !== null && status.reblog_author_id === null) return "done";
  const entry = entryOf(status);

  // Open sockets first (the latency people see): the channels (unless the posting request sent it
  // there already), then the followers' user and list streams page by page; then remote servers,
  // mentions and the local feeds. The status is rendered once, here or by the producer.
  const rendered = message.rendered ?? (await timed(stats, "d1Ms", renderForStreams(env, status.id)));
  if (rendered && message.channelsSent !== true) await publishNewStatus(env, rendered);
  const followers = status.visibility === "direct" ? undefined : await readFollowers(env, status, 0, stats, rendered);
  if (status.author_local === 1) await accountHub(env, status.account_id).addToFeeds(entry, [HOME_FEED]);
  if (status.author_local === 1) await deliverStatusCreated(env, status.id);
  if (status.mention_count > 0 && status.reblog_of_id === null) await fanOutToMentioned(env, db, status, entry);
  await fanOutToTagFollowers(env, db, status, entry, stats);
  if (!followers) {
    await timed(stats, "d1Ms", recordDirectStatus(db, status.id));
    return "done";
  }
  return writeFollowers(env, status, followers, stats, rendered !== undefined);
}

/** Mentioned local accounts: `mention` notifications, and the home feed for private and direct statuses. */
async function fanOutToMentioned(env: Bindings, db: Db, status: StatusRow, entry: FeedEntry): Promise<void> {
  const now = Date.now();
  const author = status.account_id;
  const mentioned = await db.all<MentionRow>(sql`
    SELECT m.account_id AS id, m.silent,
      EXISTS (SELECT 1 FROM follows WHERE account_id = m.account_id AND target_account_id = ${author}) AS follows_author,
      (EXISTS (SELECT 1 FROM blocks WHERE account_id = m.account_id AND target_account_id = ${author})
        OR EXISTS (SELECT 1 FROM mutes WHERE account_id = m.account_id AND target_account_id = ${author}
          AND (expires_at IS NULL OR expires_at > ${now}))) AS filtered,
      EXISTS (SELECT 1 FROM blocks WHERE account_id = ${author} AND target_account_id = m.account_id) AS blocked_by_author
    FROM mentions m JOIN users u ON u.account_id = m.account_id
    WHERE m.status_id = ${status.id} AND m.account_id <> ${author}`);

  // Mastodon's deliver_to_mentioned_followers!: a direct status reaches the home of the mentioned
  // accounts that follow the author; the others see it in notifications and conversations. Private
  // statuses reach followers through the follower pages, and nobody else's home.
  const toHome =
    status.visibility === "direct"
      ? mentioned.filter((m) => m.filtered === 0 && m.blocked_by_author === 0 && m.follows_author === 1)
      : [];
  await runBounded(toHome, HUB_CONCURRENCY, (m) => accountHub(env, m.id).addToFeeds(entry, [HOME_FEED]));

  // An account the author blocks may not see the author's statuses, so it is not told about them;
  // notify() applies the recipient's own blocks, mutes and domain blocks.
  for (const m of mentioned) {
    if (m.silent === 1 || m.blocked_by_author === 1) continue;
    await notify(db, { recipientId: m.id, fromAccountId: author, type: "mention", statusId: status.id, now });
  }
}

/**
 * `account` (an SQL expression) is blocked by, blocks, or is muted by the follower `f.id`. The block
 * probes can be left out when the caller knows nobody blocks `account` / `account` blocks nobody.
 */
function relationFilters(account: SQL | number, now: number, known: { blocked?: boolean; blocks?: boolean } = {}): SQL {
  const parts = [
    sql`EXISTS (SELECT 1 FROM mutes WHERE account_id = f.id AND target_account_id = ${account}
      AND (expires_at IS NULL OR expires_at > ${now}))`,
  ];
  if (known.blocked ?? true)
    parts.push(sql`EXISTS (SELECT 1 FROM blocks WHERE account_id = f.id AND target_account_id = ${account})`);
  if (known.blocks ?? true)
    parts.push(sql`EXISTS (SELECT 1 FROM blocks WHERE account_id = ${account} AND target_account_id = f.id)`);
  return sql.join(parts, sql` OR `);
}

function domainFilter(domain: string | null): SQL {
  return domain === null
    ? sql``
    : sql`OR EXISTS (SELECT 1 FROM account_domain_blocks WHERE account_id = f.id AND domain = ${domain})`;
}

/**
 * One page of followers with, for local ones, whether the status is filtered for them, whether it
 * goes to their home, and which of their lists take it. The inner query reads at most FOLLOWER_PAGE
 * rows of follows_target, plus one that only tells whether another page exists; the per-follower
 * checks are index probes, evaluated for local followers only.
 */
export function followerPageQuery(s: StatusRow, after: number, now: number): SQL {
  const author = s.account_id;
  const reply = replyToOther(s);
  const filters: SQL[] = [
    relationFilters(author, now, { blocked: s.author_blocked === 1, blocks: s.author_blocks === 1 }),
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
  const listed = s.author_listed === 1;
  const exclusive = listed
    ? sql`AND NOT EXISTS (SELECT 1 FROM lists l JOIN list_accounts la ON la.list_id = l.id AND la.account_id = ${author}
        WHERE l.account_id = f.id AND l.exclusive = 1)`
    : sql``;
  const lists = listed
    ? sql`(SELECT group_concat(l.id) FROM lists l JOIN list_accounts la ON la.list_id = l.id AND la.account_id = ${author}
        WHERE l.account_id = f.id ${listReplies})`
    : sql`NULL`;
  return sql`
    SELECT f.id, f.notify, f.local,
      CASE WHEN f.local = 1 THEN (${sql.join(filters, sql` `)}) END AS filtered,
      CASE WHEN f.local = 1 THEN ${replyRule} ${exclusive} END AS home,
      CASE WHEN f.local = 1 THEN ${lists} END AS lists
    FROM (
      SELECT fo.account_id AS id, fo.notify, fo.show_reblogs, fo.languages,
        EXISTS (SELECT 1 FROM users WHERE account_id = fo.account_id) AS local
      FROM follows fo
      WHERE fo.target_account_id = ${author} AND fo.account_id > ${after}
      ORDER BY fo.account_id LIMIT ${FOLLOWER_PAGE + 1}
    ) f`;
}

/** What one message learnt about its followers: whose feeds get the status, who is notified, what is left. */
interface FollowerPass {
  deliveries: Array<{ id: number; feeds: number[] }>;
  toNotify: number[];
  /** The account id to continue after, when followers remain past this message's budget. */
  continueAfter: number | null;
}

/**
 * Reads up to FOLLOWER_PAGES_PER_MESSAGE pages of followers above `after` with Mastodon's home and
 * list rules applied in SQL, streaming each page to the followers' sockets as soon as it is read
 * (one call per socket shard); the feed writes come after, in writeFollowers.
 */
async function readFollowers(
  env: Bindings,
  status: StatusRow,
  after: number,
  stats: FanoutStats,
  rendered: MastodonStatus | undefined,
): Promise<FollowerPass> {
  const db = envDb(env);
  // Mastodon sends `status` notifications for originals and self-replies, never for boosts.
  const notifies = status.reblog_of_id === null && replyToOther(status) === null;
  const pass: FollowerPass = { deliveries: [], toNotify: [], continueAfter: null };
  const streamed: Array<Promise<void>> = [];
  let cursor = after;
  for (let page = 0; page < FOLLOWER_PAGES_PER_MESSAGE; page++) {
    const fetched = await timed(stats, "d1Ms", db.all<FollowerRow>(followerPageQuery(status, cursor, Date.now())));
    const rows = fetched.slice(0, FOLLOWER_PAGE);
    stats.followers += rows.length;
    const pageDeliveries: Array<{ id: number; feeds: number[] }> = [];
    for (const row of rows) {
      if (row.local !== 1 || row.filtered === 1) continue;
      const feeds = row.lists ? row.lists.split(",").map(Number) : [];
      if (row.home === 1) {
        feeds.unshift(HOME_FEED);
        if (notifies && row.notify === 1) pass.toNotify.push(row.id);
      }
      if (feeds.length > 0) pageDeliveries.push({ id: row.id, feeds });
    }
    // streamToFeeds settles every shard call itself: it never rejects.
    if (rendered && pageDeliveries.length > 0) streamed.push(streamToFeeds(env, rendered, pageDeliveries));
    pass.deliveries.push(...pageDeliveries);
    if (fetched.length <= FOLLOWER_PAGE) break;
    cursor = (rows[rows.length - 1] as FollowerRow).id;
    if (page === FOLLOWER_PAGES_PER_MESSAGE - 1) pass.continueAfter = cursor;
  }
  await Promise.all(streamed);
  return pass;
}

/** The feed writes and `status` notifications of a pass; hands what is left to a follow-up message. */
async function writeFollowers(
  env: Bindings,
  status: StatusRow,
  pass: FollowerPass,
  stats: FanoutStats,
  streamed: boolean,
): Promise<FanoutResult> {
  const db = envDb(env);
  const entry = entryOf(status);
  stats.feeds += pass.deliveries.length;
  await timed(
    stats,
    "hubMs",
    runBounded(pass.deliveries, HUB_CONCURRENCY, (d) => accountHub(env, d.id).addToFeeds(entry, d.feeds, !streamed)),
  );
  const now = Date.now();
  for (const id of pass.toNotify) {
    await notify(db, { recipientId: id, fromAccountId: status.account_id, type: "status", statusId: status.id, now });
  }
  if (pass.continueAfter === null) return "done";
  await enqueueFanout(env.FANOUT, {
    type: "status.followers",
    v: 1,
    op: "add",
    statusId: status.id,
    accountId: status.account_id,
    reblogOfId: status.reblog_of_id,
    afterAccountId: pass.continueAfter,
  });
  return "continued";
}

/** Followers above `after` (a `status.followers` follow-up): stream, then write, then hand on the rest. */
export async function addToFollowers(env: Bindings, status: StatusRow, after: number, stats: FanoutStats): Promise<FanoutResult> {
  const rendered = await timed(stats, "d1Ms", renderForStreams(env, status.id));
  const pass = await readFollowers(env, status, after, stats, rendered);
  return writeFollowers(env, status, pass, stats, rendered !== undefined);
}
