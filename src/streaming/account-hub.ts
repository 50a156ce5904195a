import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { AccountStreaming } from "./account-sockets";
import { type FeedEntry, type FeedPageQuery, FeedStore, type RemoveAuthorOptions } from "./feed-store";

/**
 * One per local account (`idFromName(String(accountId))`): that account's home and list feeds, and
 * whether it has streaming sockets open (held by its socket shard, see src/streaming/shards.ts).
 * Feed logic lives in FeedStore, streaming in AccountStreaming; this class is the RPC surface.
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
   * A new status for home (0) and/or lists; returns the feeds it went into. `stream: false` when the
   * caller has already sent `update` to the account's sockets (the follower fanout, per shard).
   */
  async addToFeeds(entry: FeedEntry, feeds: number[], stream = true): Promise<number[]> {
    const added = this.feeds.add(entry, feeds);
    // `update` on the user stream (home) and the list streams, the moment the status is in the feed.
    if (stream && added.length > 0) await this.streaming.send([{ t: "status", statusId: entry.statusId, feeds: added }]);
    return added;
  }

  /** A follow's backfill: the target's recent statuses into one feed. */
  async mergeIntoFeed(feed: number, entries: FeedEntry[]): Promise<number> {
    return this.feeds.merge(feed, entries);
  }

  async pageFeed(feed: number, query: FeedPageQuery): Promise<FeedEntry[]> {
    return this.feeds.page(feed, query);
  }

  /** After an unfollow, block or mute: the author's statuses leave every feed. */
  async removeAuthor(authorId: number, options: RemoveAuthorOptions = {}): Promise<number> {
    return this.feeds.removeAuthor(authorId, options);
  }

  /** After a delete: the status and its boosts leave every feed. */
  async removeStatus(statusId: number): Promise<number> {
    const removed = this.feeds.removeStatus(statusId);
    if (removed > 0) await this.streaming.send([{ t: "delete", statusId }]);
    return removed;
  }

  /** A deleted list's feed. */
  async clearFeed(feed: number): Promise<void> {
    this.feeds.clearFeed(feed);
  }

  async feedSize(feed: number): Promise<number> {
    return this.feeds.size(feed);
  }

  /** After an edit: `status.update` to the streams whose feeds hold the status. */
  async streamEdit(statusId: number): Promise<void> {
    const feeds = this.streaming.online ? this.streaming.feedsHolding(statusId) : [];
    if (feeds.length > 0) await this.streaming.send([{ t: "status", statusId, feeds, edit: true }]);
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
