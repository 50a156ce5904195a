/**
 * Home and list feeds live in AccountHub Durable Objects (SQLite storage), one per shard of the local
 * accounts, filled on write by the FANOUT consumer. These are the operations the rest of the app calls.
 *
 * Sharded rather than one Durable Object per account: a post reaches its followers' feeds in one call
 * per shard (ACCOUNT_SHARDS at most) instead of one per follower. On one machine (`npm run dev`, the
 * benchmarks) a thousand calls per post left the runtime enough garbage that the next post's
 * collection delayed its streaming by 30–60 ms; in production each call is a billed request.
 *
 * Both follow-side operations are bounded: a merge reads at most MERGE_LIMIT of the target's newest
 * statuses through the statuses_account_id index (one D1 query) and makes one DO call; a removal is one
 * DO call and no D1 at all.
 */
import { sql } from "drizzle-orm";
import { type Db, envDb } from "../db/client";
import type { Bindings } from "../env";
import { enqueueFanout } from "../queue/messages";
import type { AccountHub } from "../streaming/account-hub";
import {
  FEED_CAP,
  type FeedEntry,
  type FeedPageQuery,
  HOME_FEED,
  MAX_PAGE,
  type RemoveAuthorOptions,
} from "../streaming/feed-store";
import { idHash } from "../streaming/shards";
import { ACCOUNT_SHARDS } from "./feed-shards";
import type { FeedTarget } from "./home-rules";

export type { FeedEntry };
export { ACCOUNT_SHARDS, HOME_FEED };

/** How many of the target's newest statuses a follow pulls into the feed. */
export const MERGE_LIMIT = 40;

function hubStub(env: Pick<Bindings, "ACCOUNT_HUB">, shard: number): DurableObjectStub<AccountHub> {
  return env.ACCOUNT_HUB.get(env.ACCOUNT_HUB.idFromName(`accounts:${shard}`)) as DurableObjectStub<AccountHub>;
}

export function accountHubShard(accountId: number): number {
  return idHash(accountId) % ACCOUNT_SHARDS;
}

/** One account's feeds, through the AccountHub shard that holds them. */
export interface AccountFeeds {
  addToFeeds(entry: FeedEntry, feeds: number[], stream?: boolean): Promise<number[]>;
  mergeIntoFeed(feed: number, entries: FeedEntry[]): Promise<number>;
  pageFeed(feed: number, query: FeedPageQuery): Promise<FeedEntry[]>;
  removeAuthor(authorId: number, options?: RemoveAuthorOptions): Promise<number>;
  removeStatus(statusId: number): Promise<number>;
  clearFeed(feed: number): Promise<void>;
  feedSize(feed: number): Promise<number>;
  streamEdit(statusId: number): Promise<void>;
  setStreaming(online: boolean, seq: number): Promise<void>;
}

/** The feeds of a local account. */
export function accountHub(env: Pick<Bindings, "ACCOUNT_HUB">, accountId: number): AccountFeeds {
  const hub = hubStub(env, accountHubShard(accountId));
  return {
    addToFeeds: async (entry, feeds, stream = true) => hub.addToFeeds(accountId, entry, feeds, stream),
    mergeIntoFeed: async (feed, entries) => hub.mergeIntoFeed(accountId, feed, entries),
    pageFeed: async (feed, query) => hub.pageFeed(accountId, feed, query),
    removeAuthor: async (authorId, options = {}) => hub.removeAuthor(accountId, authorId, options),
    removeStatus: async (statusId) => hub.removeStatus([accountId], statusId),
    clearFeed: async (feed) => hub.clearFeed(accountId, feed),
    feedSize: async (feed) => hub.feedSize(accountId, feed),
    streamEdit: async (statusId) => hub.streamEdit([accountId], statusId),
    setStreaming: async (online, seq) => hub.setStreaming(accountId, online, seq),
  };
}

/**
 * Calls `fn` once per AccountHub shard holding some of `items`, with that shard's part, all shards at
 * once. The first failure is rethrown after every call has settled, so no call is left floating.
 */
async function eachShard<T>(
  env: Pick<Bindings, "ACCOUNT_HUB">,
  items: readonly T[],
  idOf: (item: T) => number,
  fn: (hub: DurableObjectStub<AccountHub>, part: T[]) => Promise<unknown>,
): Promise<void> {
  const parts = new Map<number, T[]>();
  for (const item of items) {
    const shard = accountHubShard(idOf(item));
    const part = parts.get(shard);
    if (part) part.push(item);
    else parts.set(shard, [item]);
  }
  const results = await Promise.allSettled([...parts].map(([shard, part]) => fn(hubStub(env, shard), part)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * One status into many accounts' feeds (`targets`: which feeds each takes), one call per shard.
 * `stream: false` when the caller has already sent `update` to their sockets.
 */
export async function addToManyFeeds(
  env: Pick<Bindings, "ACCOUNT_HUB">,
  entry: FeedEntry,
  targets: readonly FeedTarget[],
  stream = true,
): Promise<void> {
  await eachShard(
    env,
    targets,
    (t) => t.id,
    (hub, part) => hub.addToManyFeeds(entry, part, stream),
  );
}

type Ids = readonly number[];
const byId = (id: number) => id;

/** A deleted status out of these accounts' feeds (and `delete` to their sockets), one call per shard. */
export async function removeStatusFromFeeds(env: Pick<Bindings, "ACCOUNT_HUB">, ids: Ids, statusId: number): Promise<void> {
  await eachShard(env, ids, byId, (hub, part) => hub.removeStatus(part, statusId));
}

/** An edited status: `status.update` to the streams of these accounts whose feeds hold it, one call per shard. */
export async function streamEditToFeeds(env: Pick<Bindings, "ACCOUNT_HUB">, ids: Ids, statusId: number): Promise<void> {
  await eachShard(env, ids, byId, (hub, part) => hub.streamEdit(part, statusId));
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight, and waits for all of them. The first
 * failure is rethrown after every call has settled, so no call is left floating.
 */
export async function runBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await fn(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.error;
}

interface MergeRow {
  id: number;
  account_id: number;
  reblog_of_id: number | null;
  reblog_author_id: number | null;
}

/**
 * The target's newest statuses that `ownerId`'s feed would have received had the follow existed when
 * they were posted: the same rules as the fanout (show_reblogs, languages, the reply rule, blocks,
 * mutes and domain blocks on boosted authors and mentioned accounts). Empty unless `ownerId` follows
 * the target and does not mute it. For home, nothing when the target is in one of the owner's
 * exclusive lists.
 */
export async function recentEntriesFor(
  db: Db,
  ownerId: number,
  targetId: number,
  feed: number,
  now = Date.now(),
): Promise<FeedEntry[]> {
  const exclusive =
    feed === HOME_FEED
      ? sql`AND NOT EXISTS (SELECT 1 FROM lists l JOIN list_accounts la ON la.list_id = l.id
          WHERE l.account_id = ${ownerId} AND l.exclusive = 1 AND la.account_id = ${targetId})`
      : sql``;
  const blocksOrMutes = (account: ReturnType<typeof sql>) => sql`(
    EXISTS (SELECT 1 FROM blocks WHERE account_id = ${ownerId} AND target_account_id = ${account})
    OR EXISTS (SELECT 1 FROM mutes WHERE account_id = ${ownerId} AND target_account_id = ${account}
      AND (expires_at IS NULL OR expires_at > ${now})))`;
  const rows = await db.all<MergeRow>(sql`
    SELECT s.id, s.account_id, s.reblog_of_id, o.account_id AS reblog_author_id
    FROM follows f
    JOIN (SELECT id, account_id, reblog_of_id, in_reply_to_account_id, language FROM statuses
          WHERE account_id = ${targetId} AND visibility IN ('public', 'unlisted', 'private')
          ORDER BY id DESC LIMIT ${MERGE_LIMIT}) s
    LEFT JOIN statuses o ON o.id = s.reblog_of_id
    LEFT JOIN accounts oa ON oa.id = o.account_id
    WHERE f.account_id = ${ownerId} AND f.target_account_id = ${targetId}
      AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ${ownerId} AND target_account_id = ${targetId}
        AND (expires_at IS NULL OR expires_at > ${now}))
      ${exclusive}
      AND (s.reblog_of_id IS NULL OR (
        f.show_reblogs = 1 AND o.id IS NOT NULL
        AND NOT ${blocksOrMutes(sql`o.account_id`)}
        AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = o.account_id AND target_account_id = ${ownerId})
        AND (oa.domain IS NULL OR NOT EXISTS (
          SELECT 1 FROM account_domain_blocks WHERE account_id = ${ownerId} AND domain = oa.domain))))
      AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id IN (s.account_id, ${ownerId})
        OR EXISTS (SELECT 1 FROM follows WHERE account_id = ${ownerId} AND target_account_id = s.in_reply_to_account_id))
      AND (f.languages IS NULL OR s.language IS NULL
        OR EXISTS (SELECT 1 FROM json_each(f.languages) WHERE value = s.language))
      AND NOT EXISTS (SELECT 1 FROM mentions m WHERE m.status_id IN (s.id, s.reblog_of_id)
        AND ${blocksOrMutes(sql`m.account_id`)})`);
  return rows.map((r) => ({
    statusId: r.id,
    authorId: r.account_id,
    reblogOfId: r.reblog_of_id,
    reblogAuthorId: r.reblog_author_id,
  }));
}

/** After `followerId` starts following `targetAccountId`: pull the target's recent statuses into the feed. */
export async function mergeIntoHomeFeed(env: Bindings, followerId: number, targetAccountId: number): Promise<void> {
  await mergeIntoFeed(env, followerId, HOME_FEED, targetAccountId);
}

/** After an account is added to one of `ownerId`'s lists: its recent statuses into that list's feed. */
export async function mergeIntoListFeed(env: Bindings, ownerId: number, listId: number, targetAccountId: number): Promise<void> {
  await mergeIntoFeed(env, ownerId, listId, targetAccountId);
}

async function mergeIntoFeed(env: Bindings, ownerId: number, feed: number, targetAccountId: number): Promise<void> {
  // The follow is already committed when this runs; a failed backfill only leaves older posts out of
  // the feed (new ones arrive through the fanout), so it is logged rather than failing the request.
  try {
    const entries = await recentEntriesFor(envDb(env), ownerId, targetAccountId, feed);
    if (entries.length > 0) await accountHub(env, ownerId).mergeIntoFeed(feed, entries);
  } catch (err) {
    console.error(`feeds: merging ${targetAccountId} into feed ${feed} of ${ownerId} failed`, err);
  }
}

/**
 * After an unfollow, block or mute: drop the target's statuses and boosts from `accountId`'s feeds
 * (home and lists), and boosts of the target's statuses unless `boostsOfTarget` is false (an unfollow,
 * where Mastodon keeps other people's boosts).
 */
export async function removeFromHomeFeed(
  env: Bindings,
  accountId: number,
  targetAccountId: number,
  options: { boostsOfTarget?: boolean } = {},
): Promise<void> {
  const remove = () =>
    accountHub(env, accountId).removeAuthor(targetAccountId, { boostsOfAuthor: options.boostsOfTarget ?? true });
  // The relationship change is already committed, and home pages are not re-checked against blocks
  // when read (hydrate's `fromFeed`), so the removal must happen: a DO hiccup gets one more try here,
  // then the removal is handed to the FANOUT queue, which retries it until it succeeds.
  try {
    await remove();
  } catch {
    try {
      await remove();
    } catch (err) {
      console.error(`feeds: removing ${targetAccountId} from the feeds of ${accountId} failed; queued`, err);
      await enqueueFanout(env.FANOUT, {
        type: "feed.remove_author",
        v: 1,
        accountId,
        targetAccountId,
        boostsOfTarget: options.boostsOfTarget ?? true,
      });
    }
  }
}

/** After an account is taken off one of `ownerId`'s lists: its statuses leave that list's feed only. */
export async function removeFromListFeed(env: Bindings, ownerId: number, listId: number, targetAccountId: number): Promise<void> {
  await accountHub(env, ownerId).removeAuthor(targetAccountId, { boostsOfAuthor: false, feed: listId });
}

/** After a list is deleted. */
export async function clearListFeed(env: Bindings, ownerId: number, listId: number): Promise<void> {
  await accountHub(env, ownerId).clearFeed(listId);
}

/**
 * After a block or mute: also drop what mentions the target (anyone's statuses, and boosts of them),
 * as Mastodon's clear_from_home does. Walks the home feed (at most FEED_CAP entries) and asks D1 once
 * per page which of its statuses mention the target.
 */
export async function removeMentioningFromHomeFeed(env: Bindings, accountId: number, targetAccountId: number): Promise<void> {
  const hub = accountHub(env, accountId);
  let maxId: number | undefined;
  for (let pages = 0; pages < Math.ceil(FEED_CAP / MAX_PAGE); pages++) {
    const entries = await hub.pageFeed(0, { maxId, limit: MAX_PAGE });
    if (entries.length === 0) return;
    const candidates = [...new Set(entries.flatMap((e) => (e.reblogOfId === null ? [e.statusId] : [e.statusId, e.reblogOfId])))];
    const rows = await env.DB.prepare(
      "SELECT DISTINCT status_id FROM mentions WHERE account_id = ? AND status_id IN (SELECT value FROM json_each(?))",
    )
      .bind(targetAccountId, JSON.stringify(candidates))
      .all<{ status_id: number }>();
    // removeStatus also takes out boosts of the status.
    for (const row of rows.results) await hub.removeStatus(row.status_id);
    maxId = entries[entries.length - 1]?.statusId;
  }
}
