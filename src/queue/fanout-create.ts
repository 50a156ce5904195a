/**
 * FANOUT for a new status (and the `status.followers` "add" follow-ups): the author's own home, the
 * mentioned accounts (notifications; home for private and direct statuses), then the followers page
 * by page with Mastodon's home and list rules evaluated in SQL (see fanout.ts for the rules).
 */
import { sql } from "drizzle-orm";
import { type Db, envDb } from "../db/client";
import type { Bindings } from "../env";
import { deliverStatusCreated } from "../federation/outbound/statuses";
import { recordDirectStatus } from "../services/conversations";
import { accountHub, addToManyFeeds, type FeedEntry, HOME_FEED } from "../services/feeds";
import {
  type FeedTarget,
  type FollowerRow,
  feedTargets,
  followerPageQuery,
  loadStatus,
  type StatusRow,
} from "../services/home-rules";
import { notify } from "../services/notifications";
import { streamNewStatus } from "../streaming/new-status";
import { renderForStreams } from "../streaming/publish";
import { type FanoutResult, type FanoutStats, FOLLOWER_PAGE, FOLLOWER_PAGES_PER_MESSAGE, timed } from "./fanout-common";
import { fanOutToTagFollowers } from "./fanout-tags";
import { enqueueFanout, type FanoutMessage } from "./messages";

interface MentionRow {
  id: number;
  silent: number;
  follows_author: number;
  filtered: number;
  blocked_by_author: number;
}

function entryOf(s: StatusRow): FeedEntry {
  return { statusId: s.id, authorId: s.account_id, reblogOfId: s.reblog_of_id, reblogAuthorId: s.reblog_author_id };
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

  // Open sockets first (the latency people see), unless the posting request streamed it already: the
  // channels and the online followers' user and list streams; then remote servers, mentions and the
  // local feeds. The status is rendered once, here or by the producer.
  const rendered = message.rendered ?? (await timed(stats, "d1Ms", renderForStreams(env, status.id)));
  if (rendered && message.streamed !== true) await streamNewStatus(env, rendered, status);
  const followers = status.visibility === "direct" ? undefined : await readFollowers(env, status, 0, stats);
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
  await addToManyFeeds(
    env,
    entry,
    toHome.map((m) => ({ id: m.id, feeds: [HOME_FEED] })),
  );

  // An account the author blocks may not see the author's statuses, so it is not told about them;
  // notify() applies the recipient's own blocks, mutes and domain blocks.
  for (const m of mentioned) {
    if (m.silent === 1 || m.blocked_by_author === 1) continue;
    await notify(db, { recipientId: m.id, fromAccountId: author, type: "mention", statusId: status.id, now });
  }
}

/** What one message learnt about its followers: whose feeds get the status, who is notified, what is left. */
interface FollowerPass {
  deliveries: FeedTarget[];
  toNotify: number[];
  /** The account id to continue after, when followers remain past this message's budget. */
  continueAfter: number | null;
}

/**
 * Reads up to FOLLOWER_PAGES_PER_MESSAGE pages of followers above `after` with Mastodon's home and
 * list rules applied in SQL: whose feeds take the status, who gets a `status` notification.
 */
async function readFollowers(env: Bindings, status: StatusRow, after: number, stats: FanoutStats): Promise<FollowerPass> {
  const db = envDb(env);
  const pass: FollowerPass = { deliveries: [], toNotify: [], continueAfter: null };
  let cursor = after;
  for (let page = 0; page < FOLLOWER_PAGES_PER_MESSAGE; page++) {
    const fetched = await timed(stats, "d1Ms", db.all<FollowerRow>(followerPageQuery(status, cursor, Date.now())));
    const rows = fetched.slice(0, FOLLOWER_PAGE);
    stats.followers += rows.length;
    const { deliveries, toNotify } = feedTargets(status, rows);
    pass.deliveries.push(...deliveries);
    pass.toNotify.push(...toNotify);
    if (fetched.length <= FOLLOWER_PAGE) break;
    cursor = (rows[rows.length - 1] as FollowerRow).id;
    if (page === FOLLOWER_PAGES_PER_MESSAGE - 1) pass.continueAfter = cursor;
  }
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
  await timed(stats, "hubMs", addToManyFeeds(env, entry, pass.deliveries, !streamed));
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

/**
 * Followers above `after` (a `status.followers` follow-up): write, then hand on the rest. Their
 * sockets were streamed to by the first message, for every online follower at once.
 */
export async function addToFollowers(env: Bindings, status: StatusRow, after: number, stats: FanoutStats): Promise<FanoutResult> {
  const pass = await readFollowers(env, status, after, stats);
  return writeFollowers(env, status, pass, stats, true);
}
