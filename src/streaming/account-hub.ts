import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { runBounded } from "../services/feeds";
import type { FeedTarget } from "../services/home-rules";
import { AccountStreaming } from "./account-sockets";
import { type FeedEntry, type FeedPageQuery, FeedStore, type RemoveAuthorOptions } from "./feed-store";

/** Accounts streamed to at once after a batch of feed writes (`send` never throws: best effort). */
const STREAM_CONCURRENCY = 16;

/**
 * One per shard of the local accounts (`accounts:<n>`, see src/services/feeds.ts): their home and
 * list feeds, and whether each has streaming sockets open (held by its socket shard, see
 * src/streaming/shards.ts). Feed logic lives in FeedStore, streaming in AccountStreaming; this class
 * is the RPC surface. Every method names the account it works on; the `...Many` methods do one
 * status for many accounts of the shard in one call, which is what the FANOUT consumer sends.
 */
export class AccountHub extends DurableObject<Bindings> {
  private readonly feeds: FeedStore;
  private readonly streaming: AccountStreaming;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Schema statements are idempotent and synchronous; running them here means every RPC sees the tables.
    this.feeds = new FeedStore(ctx.storage.sql);
    this.streaming = new AccountStreaming(ctx.storage.sql, env);
  }

  /**
   * A new status for one account's home (0) and/or lists; returns the feeds it went into. `stream:
   * false` when the caller has already sent `update` to the account's sockets.
   */
  async addToFeeds(accountId: number, entry: FeedEntry, feeds: number[], stream = true): Promise<number[]> {
    const added = this.feeds.add(accountId, entry, feeds);
    // `update` on the user stream (home) and the list streams, the moment the status is in the feed.
    if (stream && added.length > 0) {
      await this.streaming.send(accountId, [{ t: "status", statusId: entry.statusId, feeds: added }]);
    }
    return added;
  }

  /**
   * One status into the feeds of many accounts of this shard (`targets`: the feeds each takes), in
   * one atomic step; then, unless `stream` is false, `update` to those of them with sockets open.
   * Returns how many feeds took it. Adding again adds nothing, so a retried message is harmless.
   */
  async addToManyFeeds(entry: FeedEntry, targets: FeedTarget[], stream = true): Promise<number> {
    let count = 0;
    const streamed: Array<{ id: number; feeds: number[] }> = [];
    for (const t of targets) {
      const added = this.feeds.add(t.id, entry, t.feeds);
      count += added.length;
      if (stream && added.length > 0 && this.streaming.online(t.id)) streamed.push({ id: t.id, feeds: added });
    }
    await runBounded(streamed, STREAM_CONCURRENCY, (s) =>
      this.streaming.send(s.id, [{ t: "status", statusId: entry.statusId, feeds: s.feeds }]),
    );
    return count;
  }

  /** A follow's backfill: the target's recent statuses into one feed. */
  async mergeIntoFeed(accountId: number, feed: number, entries: FeedEntry[]): Promise<number> {
    return this.feeds.merge(accountId, feed, entries);
  }

  async pageFeed(accountId: number, feed: number, query: FeedPageQuery): Promise<FeedEntry[]> {
    return this.feeds.page(accountId, feed, query);
  }

  /** After an unfollow, block or mute: the author's statuses leave every feed of the account. */
  async removeAuthor(accountId: number, authorId: number, options: RemoveAuthorOptions = {}): Promise<number> {
    return this.feeds.removeAuthor(accountId, authorId, options);
  }

  /** After a delete: the status and its boosts leave every feed of each account, and their sockets hear `delete`. */
  async removeStatus(accountIds: number[], statusId: number): Promise<number> {
    let removed = 0;
    const told: number[] = [];
    for (const id of accountIds) {
      const n = this.feeds.removeStatus(id, statusId);
      removed += n;
      if (n > 0 && this.streaming.online(id)) told.push(id);
    }
    await runBounded(told, STREAM_CONCURRENCY, (id) => this.streaming.send(id, [{ t: "delete", statusId }]));
    return removed;
  }

  /** A deleted list's feed. */
  async clearFeed(accountId: number, feed: number): Promise<void> {
    this.feeds.clearFeed(accountId, feed);
  }

  async feedSize(accountId: number, feed: number): Promise<number> {
    return this.feeds.size(accountId, feed);
  }

  /** After an edit: `status.update` to the streams whose feeds hold the status, for each account. */
  async streamEdit(accountIds: number[], statusId: number): Promise<void> {
    const told: Array<{ id: number; feeds: number[] }> = [];
    for (const id of accountIds) {
      const feeds = this.streaming.online(id) ? this.feeds.feedsHolding(id, statusId) : [];
      if (feeds.length > 0) told.push({ id, feeds });
    }
    await runBounded(told, STREAM_CONCURRENCY, (t) =>
      this.streaming.send(t.id, [{ t: "status", statusId, feeds: t.feeds, edit: true }]),
    );
  }

  /** From the account's socket shard: whether it holds sockets of this account. */
  async setStreaming(accountId: number, online: boolean, seq: number): Promise<void> {
    this.streaming.set(accountId, online, seq);
  }

  override async fetch(): Promise<Response> {
    // Sockets are accepted by the socket shards (ChannelHub); feeds are reached by RPC only.
    return new Response("Not Implemented", { status: 501 });
  }
}
