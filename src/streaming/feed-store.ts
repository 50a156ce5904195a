/**
 * Home and list feeds of the local accounts of one AccountHub shard (see src/services/feeds.ts), kept
 * in its SQLite storage: for each account and feed (home is 0, a list is its list id) the newest
 * FEED_CAP entries. Every method is synchronous, so each runs as one atomic step of the Durable Object
 * (no other request interleaves), and every query names the account first, so one account's work
 * reads only its own rows.
 *
 * An entry is a status id with the ids a later removal needs without asking D1: its author, and for a
 * boost the boosted status and that status's author (so a block or mute also takes out boosts of the
 * blocked account's posts, as Mastodon's FeedManager#clear_from_home does).
 */

export const HOME_FEED = 0;
/** Entries kept per feed; older ones are dropped on insert (Mastodon keeps 800 ids per home feed in Redis). */
export const FEED_CAP = 800;
/** A boost is skipped when what it boosts is among this many newest entries (Mastodon's REBLOG_FALLOFF). */
export const REBLOG_FALLOFF = 40;
/** The largest page a caller may ask for; timelines ask for at most 40. */
export const MAX_PAGE = 100;

export interface FeedEntry {
  statusId: number;
  authorId: number;
  reblogOfId: number | null;
  /** Author of the boosted status, for boosts. */
  reblogAuthorId: number | null;
}

export interface FeedPageQuery {
  maxId?: number | undefined;
  sinceId?: number | undefined;
  minId?: number | undefined;
  limit: number;
}

export interface RemoveAuthorOptions {
  /** Also drop boosts of the author's statuses by others (block, mute); unfollow keeps them. Default true. */
  boostsOfAuthor?: boolean;
  /** Only this feed (an account taken off a list); default every feed. */
  feed?: number;
}

type Row = Record<string, SqlStorageValue>;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS feed_entries (
    account_id INTEGER NOT NULL,
    feed INTEGER NOT NULL,
    status_id INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    reblog_of_id INTEGER,
    reblog_author_id INTEGER,
    PRIMARY KEY (account_id, feed, status_id)
  ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS feed_entries_author ON feed_entries (account_id, author_id)",
  `CREATE INDEX IF NOT EXISTS feed_entries_reblog_author ON feed_entries (account_id, reblog_author_id)
    WHERE reblog_author_id IS NOT NULL`,
  `CREATE INDEX IF NOT EXISTS feed_entries_reblog ON feed_entries (account_id, feed, reblog_of_id)
    WHERE reblog_of_id IS NOT NULL`,
  // Per-feed sizes, so trimming never has to count a feed; kept by triggers so no write path forgets.
  `CREATE TABLE IF NOT EXISTS feeds (
    account_id INTEGER NOT NULL,
    feed INTEGER NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (account_id, feed)
  ) WITHOUT ROWID`,
  `CREATE TRIGGER IF NOT EXISTS feed_entries_size_insert AFTER INSERT ON feed_entries BEGIN
    INSERT INTO feeds (account_id, feed, size) VALUES (NEW.account_id, NEW.feed, 1)
      ON CONFLICT (account_id, feed) DO UPDATE SET size = size + 1;
  END`,
  `CREATE TRIGGER IF NOT EXISTS feed_entries_size_delete AFTER DELETE ON feed_entries BEGIN
    UPDATE feeds SET size = size - 1 WHERE account_id = OLD.account_id AND feed = OLD.feed;
  END`,
];

/** Rows of account ?1, one indexed range per feed it has. */
const IN_ACCOUNT_FEEDS = "account_id = ?1 AND feed IN (SELECT feed FROM feeds WHERE account_id = ?1)";

function num(v: SqlStorageValue | undefined): number {
  return typeof v === "number" ? v : Number(v);
}

function numOrNull(v: SqlStorageValue | undefined): number | null {
  return v === null || v === undefined ? null : num(v);
}

function toEntry(row: Row): FeedEntry {
  return {
    statusId: num(row.status_id),
    authorId: num(row.author_id),
    reblogOfId: numOrNull(row.reblog_of_id),
    reblogAuthorId: numOrNull(row.reblog_author_id),
  };
}

export class FeedStore {
  constructor(private readonly sql: SqlStorage) {
    for (const statement of SCHEMA) this.sql.exec(statement).toArray();
  }

  /** Adds one status to each of the account's `feeds`; returns the feeds it went into (boost dedupe may skip some). */
  add(account: number, entry: FeedEntry, feeds: readonly number[]): number[] {
    const added: number[] = [];
    for (const feed of new Set(feeds)) {
      if (this.insert(account, feed, entry)) {
        this.trim(account, feed);
        added.push(feed);
      }
    }
    return added;
  }

  /** Adds many statuses to one feed (a follow's backfill), oldest first so boost dedupe sees the order they were posted in. */
  merge(account: number, feed: number, entries: readonly FeedEntry[]): number {
    let added = 0;
    const sorted = [...entries].sort((a, b) => a.statusId - b.statusId);
    for (const entry of sorted) if (this.insert(account, feed, entry)) added += 1;
    if (added > 0) this.trim(account, feed);
    return added;
  }

  /**
   * Entries newest first. `max_id`/`since_id` bound the range; `min_id` returns the entries
   * immediately newer than it (walking up from it), still newest first, as Mastodon does.
   */
  page(account: number, feed: number, query: FeedPageQuery): FeedEntry[] {
    const limit = Math.min(Math.max(Math.trunc(query.limit), 1), MAX_PAGE);
    const upper = query.maxId ?? Number.MAX_SAFE_INTEGER;
    if (query.minId !== undefined) {
      const rows = this.sql
        .exec(
          `SELECT status_id, author_id, reblog_of_id, reblog_author_id FROM feed_entries
           WHERE account_id = ? AND feed = ? AND status_id > ? AND status_id < ? ORDER BY status_id ASC LIMIT ?`,
          account,
          feed,
          Math.max(query.minId, query.sinceId ?? 0),
          upper,
          limit,
        )
        .toArray();
      return rows.map(toEntry).reverse();
    }
    return this.sql
      .exec(
        `SELECT status_id, author_id, reblog_of_id, reblog_author_id FROM feed_entries
         WHERE account_id = ? AND feed = ? AND status_id < ? AND status_id > ? ORDER BY status_id DESC LIMIT ?`,
        account,
        feed,
        upper,
        query.sinceId ?? 0,
        limit,
      )
      .toArray()
      .map(toEntry);
  }

  /**
   * Drops the author's statuses and boosts (and, unless told otherwise, boosts of their statuses) from
   * every feed of the account or from `options.feed`. Returns how many entries went.
   */
  removeAuthor(account: number, authorId: number, options: RemoveAuthorOptions = {}): number {
    const inFeed = options.feed === undefined ? "" : " AND feed = ?";
    const args = options.feed === undefined ? [account, authorId] : [account, authorId, options.feed];
    let removed = this.sql
      .exec(`DELETE FROM feed_entries WHERE account_id = ? AND author_id = ?${inFeed} RETURNING 1`, ...args)
      .toArray().length;
    if (options.boostsOfAuthor ?? true) {
      removed += this.sql
        .exec(`DELETE FROM feed_entries WHERE account_id = ? AND reblog_author_id = ?${inFeed} RETURNING 1`, ...args)
        .toArray().length;
    }
    return removed;
  }

  /** Drops a status and every boost of it from every feed of the account. */
  removeStatus(account: number, statusId: number): number {
    // `feed IN (its feeds)` lets both deletes use an index (the primary key, feed_entries_reblog) per feed.
    const a = this.sql
      .exec(`DELETE FROM feed_entries WHERE ${IN_ACCOUNT_FEEDS} AND status_id = ?2 RETURNING 1`, account, statusId)
      .toArray().length;
    const b = this.sql
      .exec(`DELETE FROM feed_entries WHERE ${IN_ACCOUNT_FEEDS} AND reblog_of_id = ?2 RETURNING 1`, account, statusId)
      .toArray().length;
    return a + b;
  }

  /** Drops a whole feed (a deleted list). */
  clearFeed(account: number, feed: number): void {
    this.sql.exec("DELETE FROM feed_entries WHERE account_id = ? AND feed = ?", account, feed).toArray();
    this.sql.exec("DELETE FROM feeds WHERE account_id = ? AND feed = ?", account, feed).toArray();
  }

  size(account: number, feed: number): number {
    const row = this.sql.exec("SELECT size FROM feeds WHERE account_id = ? AND feed = ?", account, feed).toArray()[0];
    return row ? num(row.size) : 0;
  }

  /** The account's feeds (0 = home, list ids) holding `statusId`, for `status.update`. */
  feedsHolding(account: number, statusId: number): number[] {
    return this.sql
      .exec(`SELECT feed FROM feed_entries WHERE ${IN_ACCOUNT_FEEDS} AND status_id = ?2`, account, statusId)
      .toArray()
      .map((r) => num(r.feed));
  }

  /** Inserts unless present, or unless it is a boost Mastodon would not show again. */
  private insert(account: number, feed: number, entry: FeedEntry): boolean {
    if (entry.reblogOfId !== null && this.boostIsRedundant(account, feed, entry.reblogOfId)) return false;
    const inserted = this.sql.exec(
      `INSERT INTO feed_entries (account_id, feed, status_id, author_id, reblog_of_id, reblog_author_id)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING 1`,
      account,
      feed,
      entry.statusId,
      entry.authorId,
      entry.reblogOfId,
      entry.reblogAuthorId,
    );
    return inserted.toArray().length > 0;
  }

  /**
   * Mastodon's rule: a boost is not added when the boosted status is among the newest REBLOG_FALLOFF
   * entries, or when another boost of it is already in the feed.
   */
  private boostIsRedundant(account: number, feed: number, originalId: number): boolean {
    const row = this.sql
      .exec(
        `SELECT
           EXISTS (SELECT 1 FROM feed_entries WHERE account_id = ?1 AND feed = ?2 AND reblog_of_id = ?3) AS boosted,
           EXISTS (SELECT 1 FROM feed_entries WHERE account_id = ?1 AND feed = ?2 AND status_id = ?3 AND status_id >= COALESCE(
             (SELECT status_id FROM feed_entries WHERE account_id = ?1 AND feed = ?2 ORDER BY status_id DESC LIMIT 1 OFFSET ?4), 0)) AS recent`,
        account,
        feed,
        originalId,
        REBLOG_FALLOFF - 1,
      )
      .one();
    return num(row.boosted) === 1 || num(row.recent) === 1;
  }

  /** Keeps the newest FEED_CAP entries: deletes only the excess, reading from the oldest end. */
  private trim(account: number, feed: number): void {
    const excess = this.size(account, feed) - FEED_CAP;
    if (excess <= 0) return;
    this.sql
      .exec(
        `DELETE FROM feed_entries WHERE account_id = ?1 AND feed = ?2 AND status_id IN
           (SELECT status_id FROM feed_entries WHERE account_id = ?1 AND feed = ?2 ORDER BY status_id ASC LIMIT ?3)`,
        account,
        feed,
        excess,
      )
      .toArray();
  }
}
