/**
 * Tables of the discovery surface: followed and featured hashtags, endorsed accounts (Mastodon's
 * account_pins), dismissed follow suggestions, and the precomputed trends the cron writes.
 * Conventions are schema.ts's: snowflake ids, epoch-millisecond times, 0/1 booleans.
 */
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A local account following a hashtag: its public statuses reach the follower's home feed. */
export const tagFollows = sqliteTable(
  "tag_follows",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    tagId: integer("tag_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    // The fanout walks a tag's followers in keyset pages of account ids.
    uniqueIndex("tag_follows_tag_account").on(t.tagId, t.accountId),
    // `/api/v1/followed_tags` pages by the follow's own id.
    index("tag_follows_account_page").on(t.accountId, t.id),
  ],
);

/** Hashtags shown on a profile (at most FEATURED_TAGS_LIMIT per account). */
export const featuredTags = sqliteTable(
  "featured_tags",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    tagId: integer("tag_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("featured_tags_account_tag").on(t.accountId, t.tagId)],
);

/** Accounts a user endorses on their profile (Mastodon's `account_pins`). */
export const accountPins = sqliteTable(
  "account_pins",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("account_pins_pair").on(t.accountId, t.targetAccountId),
    index("account_pins_target").on(t.targetAccountId),
  ],
);

/** Follow suggestions a user dismissed (Mastodon's `follow_recommendation_mutes`). */
export const suggestionDismissals = sqliteTable(
  "suggestion_dismissals",
  {
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.targetAccountId] })],
);

export type TrendKind = "tags" | "statuses" | "links";

/**
 * The ranked trends of each kind, rewritten whole by the cron (src/services/trends/compute.ts), so a
 * request reads one short range of this table. `history` is the 7-day usage the Tag entity shows.
 */
export const trends = sqliteTable(
  "trends",
  {
    kind: text("kind").$type<TrendKind>().notNull(),
    rank: integer("rank").notNull(),
    itemId: integer("item_id").notNull(),
    score: real("score").notNull(),
    history: text("history", { mode: "json" }).$type<Array<{ day: string; uses: string; accounts: string }>>(),
    computedAt: integer("computed_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.rank] })],
);
