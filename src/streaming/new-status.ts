/**
 * A new status on the public, hashtag, user and list streams, the moment it is committed.
 *
 * A status posted through the API takes one D1 round trip to every open socket: the route asks the
 * shards who is online while the request validates and renders, and the reads the streams need (the
 * channels' exclusions, the online followers under the home and list rules) are the last statements
 * of the batch that commits the status (`prepareNewStatusStream`). Statuses from elsewhere (remote,
 * scheduled) are streamed by the FANOUT consumer through `streamNewStatus`, which reads the same
 * things after the commit.
 */
import type { BatchItem } from "drizzle-orm/batch";
import { batchRead } from "../db/batch-read";
import { type Db, envDb } from "../db/client";
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import { type FeedTarget, loadStatus, onlineDeliveriesQuery, parseDeliveries, type StatusRow } from "../services/home-rules";
import { channelEvent, channelKeysOf, exclusionsOf, exclusionsQuery } from "./publish";
import { chunks, onlineByShard, SOCKET_SHARDS, type StatusChannelEvent, shardStub, toAllShards } from "./shards";

/**
 * The reads of the online followers' deliveries: one statement per ONLINE_PER_QUERY online accounts,
 * each answering one row (`onlineDeliveriesQuery`), and where each account's sockets are (the shard
 * that named it), so that its deliveries go to that shard without hashing each account again.
 */
function followerReads(db: Db, row: StatusRow, now: number, online: readonly number[][]) {
  const shardOf = new Map<number, number>();
  for (const [shard, ids] of online.entries()) for (const id of ids) shardOf.set(id, shard);
  const statements: BatchItem<"sqlite">[] = chunks([...shardOf.keys()]).map((among) =>
    batchRead(db, onlineDeliveriesQuery(row, now, among), ["d"]),
  );
  return { statements, shardOf };
}

/** The reads' rows (`[{ d }]`) as deliveries, grouped by the shard holding each account's sockets. */
function deliveriesByShard(shardOf: ReadonlyMap<number, number>, results: readonly unknown[]): Map<number, FeedTarget[]> {
  const byShard = new Map<number, FeedTarget[]>();
  for (const rows of results) {
    for (const target of parseDeliveries((rows as Array<{ d: string | null }>)[0]?.d)) {
      const shard = shardOf.get(target.id);
      if (shard === undefined) continue;
      const list = byShard.get(shard);
      if (list) list.push(target);
      else byShard.set(shard, [target]);
    }
  }
  return byShard;
}

/**
 * A status streamed after the FANOUT hop (remote and scheduled statuses): the status row, the
 * channels' exclusions and who is streaming in parallel; then the channel frames and the followers'
 * (which need one more query) side by side. Best effort, as all streaming: a failure is logged,
 * never thrown.
 */
export async function streamNewStatus(env: Bindings, status: MastodonStatus, row?: StatusRow): Promise<void> {
  try {
    const [loaded, channels, online] = await Promise.all([
      row ?? loadStatus(envDb(env), Number(status.id)),
      channelEvent(env, status, false),
      status.visibility === "direct" ? [] : onlineByShard(env),
    ]);
    if (!loaded || loaded.author_suspended !== null) return;
    const followers = async () => {
      if (loaded.visibility === "direct") return;
      const db = envDb(env);
      const reads = followerReads(db, loaded, Date.now(), online);
      const [first, ...rest] = reads.statements;
      if (!first) return;
      await toFollowers(env, status, deliveriesByShard(reads.shardOf, await db.batch([first, ...rest])));
    };
    const broadcast = channels && loaded.author_silenced === null ? toAllShards(env, channels) : undefined;
    await Promise.all([followers(), broadcast]);
  } catch (err) {
    console.error(`streaming: status ${status.id} not streamed`, err);
  }
}

/** What a posting request commits with its status for the streams, and how it then sends it. */
export interface NewStatusStream {
  /** Reads, run last in the batch that commits the status. */
  statements: BatchItem<"sqlite">[];
  /** Sends the status, given the batch's results for `statements` (in order). Never throws. */
  send(results: readonly unknown[]): Promise<void>;
}

/**
 * The streaming of a status being posted (`row`: what the batch writes, as home-rules reads it;
 * `online`: the shards' answer, asked for when the request began). The reads run inside the commit,
 * so they see its mentions and nothing can change between the two.
 */
export async function prepareNewStatusStream(
  env: Bindings,
  db: Db,
  status: MastodonStatus,
  row: StatusRow,
  online: Promise<number[][]>,
  now = Date.now(),
): Promise<NewStatusStream> {
  const keys = channelKeysOf(status);
  const among = status.visibility === "direct" ? [] : await within(online, ONLINE_WAIT_MS);
  const followers = followerReads(db, row, now, among);
  const statements: BatchItem<"sqlite">[] = [
    ...(keys.length > 0 ? [batchRead(db, exclusionsQuery(status, now), ["id"])] : []),
    ...followers.statements,
  ];
  return {
    statements,
    async send(results) {
      try {
        const [first, ...rest] = results;
        const channels: StatusChannelEvent | undefined =
          keys.length > 0
            ? { t: "status", statusId: row.id, keys, status, excluded: exclusionsOf(first as Array<{ id: number }>) }
            : undefined;
        const targets = deliveriesByShard(followers.shardOf, keys.length > 0 ? rest : results);
        await toShards(env, channels, status, targets);
      } catch (err) {
        console.error(`streaming: status ${status.id} not streamed`, err);
      }
    },
  };
}

/**
 * How long a post waits for the shards to say who is online before its commit: past this, it leaves
 * its streaming to the FANOUT consumer rather than hang on a shard.
 */
export const ONLINE_WAIT_MS = 250;

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the shards did not say who is online within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `update` on the user and list streams of the followers with sockets open: `byShard` holds those
 * of the online accounts that follow the author and take the status under Mastodon's home and list
 * rules (home-rules.ts, an index probe per online account, whatever the follower count); each shard
 * gets its part in one call. So a post reaches every open socket before the FANOUT consumer has
 * written a single feed, in a time set by the sockets open, not by the followers.
 */
async function toFollowers(env: Bindings, status: MastodonStatus, byShard: ReadonlyMap<number, FeedTarget[]>): Promise<void> {
  const results = await Promise.allSettled([...byShard].map(([n, targets]) => shardStub(env, n).toFeeds(status, targets)));
  for (const r of results) if (r.status === "rejected") console.error("streaming: follower delivery failed", r.reason);
}

/**
 * A posted status to every shard in one call each: its channels' subscribers and its part of the
 * followers. Each shard sends a socket's two frames back to back (channel, then user), which costs
 * the runtime less than two passes over the sockets (see Outbox).
 */
async function toShards(
  env: Bindings,
  channels: StatusChannelEvent | undefined,
  status: MastodonStatus,
  byShard: ReadonlyMap<number, FeedTarget[]>,
): Promise<void> {
  const calls: Promise<number>[] = [];
  for (let n = 0; n < SOCKET_SHARDS; n++) {
    const targets = byShard.get(n) ?? [];
    if (channels || targets.length > 0) calls.push(shardStub(env, n).toNewStatus(channels, status, targets));
  }
  const results = await Promise.allSettled(calls);
  for (const r of results) if (r.status === "rejected") console.error("streaming: shard delivery failed", r.reason);
}
