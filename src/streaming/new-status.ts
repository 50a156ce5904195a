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
import { type FollowerRow, feedTargets, followerPageQuery, loadStatus, type StatusRow } from "../services/home-rules";
import { channelEvent, channelKeysOf, exclusionsOf, exclusionsQuery } from "./publish";
import { type ChannelEvent, chunks, onlineAccounts, shardOf, shardStub, toAllShards } from "./shards";

const FOLLOWER_COLUMNS = ["id", "notify", "local", "filtered", "home", "lists"] as const satisfies ReadonlyArray<
  keyof FollowerRow
>;

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
      status.visibility === "direct" ? [] : onlineAccounts(env),
    ]);
    if (!loaded || loaded.author_suspended !== null) return;
    const followers = async () => {
      if (loaded.visibility === "direct" || online.length === 0) return;
      const db = envDb(env);
      const now = Date.now();
      const rows: FollowerRow[] = [];
      for (const among of chunks(online)) rows.push(...(await db.all<FollowerRow>(followerPageQuery(loaded, 0, now, among))));
      await toFollowers(env, status, loaded, rows);
    };
    await Promise.all([followers(), channels ? toAllShards(env, channels) : undefined]);
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
  online: Promise<number[]>,
  now = Date.now(),
): Promise<NewStatusStream> {
  const keys = channelKeysOf(status);
  const among = status.visibility === "direct" ? [] : await within(online, ONLINE_WAIT_MS);
  const statements: BatchItem<"sqlite">[] = [
    ...(keys.length > 0 ? [batchRead(db, exclusionsQuery(status, now), ["id"])] : []),
    ...chunks(among).map((ids) => batchRead(db, followerPageQuery(row, 0, now, ids), FOLLOWER_COLUMNS)),
  ];
  return {
    statements,
    async send(results) {
      try {
        const [first, ...rest] = results;
        const channels: ChannelEvent | undefined =
          keys.length > 0
            ? { t: "status", statusId: row.id, keys, status, excluded: exclusionsOf(first as Array<{ id: number }>) }
            : undefined;
        const followers = (keys.length > 0 ? rest : results).flat() as FollowerRow[];
        await Promise.all([channels ? toAllShards(env, channels) : undefined, toFollowers(env, status, row, followers)]);
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
 * `update` on the user and list streams of the followers with sockets open: `rows` are those of the
 * online accounts that follow the author, under Mastodon's home and list rules (home-rules.ts, an
 * index probe per online account, whatever the follower count); each shard gets its part in one
 * call. So a post reaches every open socket before the FANOUT consumer has written a single feed,
 * in a time set by the sockets open, not by the followers.
 */
async function toFollowers(env: Bindings, status: MastodonStatus, row: StatusRow, rows: readonly FollowerRow[]): Promise<void> {
  const byShard = new Map<number, Array<{ id: number; feeds: number[] }>>();
  for (const t of feedTargets(row, rows).deliveries) {
    const shard = shardOf(t.id);
    const list = byShard.get(shard);
    if (list) list.push(t);
    else byShard.set(shard, [t]);
  }
  const results = await Promise.allSettled([...byShard].map(([n, targets]) => shardStub(env, n).toFeeds(status, targets)));
  for (const r of results) if (r.status === "rejected") console.error("streaming: follower delivery failed", r.reason);
}
