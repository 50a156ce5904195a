/**
 * Where sockets live. A streaming socket is accepted by one Durable Object for its whole life, and
 * one socket may carry `user`, `public` and `hashtag` subscriptions at once (masto.js multiplexes),
 * so sockets are held by SOCKET_SHARDS ChannelHub instances named `sockets:<n>`: an account's
 * sockets always go to the same shard (a hash of its id), anonymous ones to a random shard. Each
 * shard indexes its sockets by account (hibernation tags) and by channel (rebuilt from attachments
 * on wake), so a public event costs SOCKET_SHARDS calls whatever the number of sockets, and an
 * account event one call to its shard. See docs/architecture.md "Streaming" for why not one DO per
 * channel or per account.
 */
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import type { ChannelHub } from "./channel-hub";
import type { EventName, StreamName } from "./protocol";

export const SOCKET_SHARDS = 8;

/** FNV-1a over the id's digits: snowflake ids' low bits are not evenly spread. */
export function idHash(accountId: number): number {
  let h = 0x811c9dc5;
  for (const ch of String(accountId)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export function shardOf(accountId: number): number {
  return idHash(accountId) % SOCKET_SHARDS;
}

export function shardStub(env: Pick<Bindings, "CHANNEL_HUB">, shard: number): DurableObjectStub<ChannelHub> {
  return env.CHANNEL_HUB.get(env.CHANNEL_HUB.idFromName(`sockets:${shard}`)) as DurableObjectStub<ChannelHub>;
}

export function accountShard(env: Pick<Bindings, "CHANNEL_HUB">, accountId: number): DurableObjectStub<ChannelHub> {
  return shardStub(env, shardOf(accountId));
}

/** Events for one account's sockets (user, user:notification, list and direct streams). */
export type AccountEvent =
  /** A status entered feeds (0 = home → `user`; a list id → that `list` stream); `edit` sends `status.update`. */
  | { t: "status"; statusId: number; feeds: number[]; edit?: boolean }
  | { t: "delete"; statusId: number }
  | { t: "notification"; notificationId: number }
  | { t: "filters_changed" }
  | { t: "conversation"; payload: string }
  /** A ready frame for some of the account's streams (announcements). */
  | { t: "raw"; streams: StreamName[]; event: EventName; payload?: string };

/** Events for channel (public and hashtag) subscribers, sent to every shard. */
export type ChannelEvent =
  /**
   * `keys`: the channels the status belongs to (`public`, `public:local`, `hashtag:<name>`...);
   * `status`: its rendering without a viewer; `excluded`: accounts that may not get it (null: ask D1).
   */
  | {
      t: "status";
      statusId: number;
      keys: string[];
      status?: MastodonStatus;
      excluded?: number[] | null;
      edit?: boolean;
    }
  | { t: "delete"; statusId: number }
  /** To every socket with a `user` subscription (Mastodon sends announcements on `timeline:<id>`). */
  | { t: "announcement"; event: EventName; payload?: string };

/** A status for the channels it belongs to. */
export type StatusChannelEvent = Extract<ChannelEvent, { t: "status" }>;

/** Sends `event` to every shard; failures are logged, one slow shard does not block the others. */
export async function toAllShards(env: Pick<Bindings, "CHANNEL_HUB">, event: ChannelEvent): Promise<void> {
  const calls = Array.from({ length: SOCKET_SHARDS }, (_, n) => shardStub(env, n).toChannels(event));
  const results = await Promise.allSettled(calls);
  for (const r of results) if (r.status === "rejected") console.error("streaming: shard delivery failed", r.reason);
}

/**
 * The accounts with sockets open in each shard (index: shard number), as each shard says; a shard
 * that does not answer counts as none.
 */
export async function onlineByShard(env: Pick<Bindings, "CHANNEL_HUB">): Promise<number[][]> {
  const shards = Array.from({ length: SOCKET_SHARDS }, (_, n) => shardStub(env, n));
  return (await Promise.allSettled(shards.map((s) => s.onlineAccounts()))).map((r) => {
    if (r.status === "fulfilled") return r.value;
    console.error("streaming: a shard did not say who is online", r.reason);
    return [];
  });
}

/** The accounts with sockets open, in any shard. */
export async function onlineAccounts(env: Pick<Bindings, "CHANNEL_HUB">): Promise<number[]> {
  return (await onlineByShard(env)).flat();
}

/** Online accounts per query that takes them as one JSON parameter (far below D1's limits). */
const ONLINE_PER_QUERY = 2000;

/** `ids` in slices of ONLINE_PER_QUERY. */
export function chunks(ids: readonly number[]): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < ids.length; i += ONLINE_PER_QUERY) out.push(ids.slice(i, i + ONLINE_PER_QUERY));
  return out;
}
