import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../env";
import { type FeedEntry, type FeedPageQuery, FeedStore, type RemoveAuthorOptions } from "./feed-store";

/**
 * One per local account (`idFromName(String(accountId))`): that account's home and list feeds, and
 * (with the streaming issue) its sockets. Feed logic lives in FeedStore; this class is the RPC surface
 * the Worker calls, so the streaming work can add WebSockets here without touching feeds.
 */
export class AccountHub extends DurableObject<Bindings> {
  private readonly feeds: FeedStore;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // Schema statements are idempotent and synchronous; running them here means every RPC sees the tables.
    this.feeds = new FeedStore(ctx.storage.sql);
  }

  /** A new status for home (0) and/or lists; returns the feeds it went into. */
  async addToFeeds(entry: FeedEntry, feeds: number[]): Promise<number[]> {
    const added = this.feeds.add(entry, feeds);
    // Streaming hook: push an `update` for `entry.statusId` to sockets subscribed to `added` (user / list streams).
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
    // Streaming hook: push a `delete` for `statusId` to this account's sockets.
    return removed;
  }

  /** A deleted list's feed. */
  async clearFeed(feed: number): Promise<void> {
    this.feeds.clearFeed(feed);
  }

  async feedSize(feed: number): Promise<number> {
    return this.feeds.size(feed);
  }

  override async fetch(): Promise<Response> {
    // WebSockets arrive with the streaming issue; feeds are reached by RPC only.
    return new Response("Not Implemented", { status: 501 });
  }
}
