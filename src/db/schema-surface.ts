/**
 * Tables of the Mastodon client surface follow-up (issue #4): reports for moderators and link
 * preview cards. Conventions are schema.ts's: snowflake ids, epoch-millisecond times, 0/1 booleans.
 * The migration is migrations/0007_surface_federation_streaming_media.sql.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export type ReportCategory = "other" | "spam" | "legal" | "violation";

/** A report filed by an account about another (Mastodon's `reports`). */
export const reports = sqliteTable(
  "reports",
  {
    id: integer("id").primaryKey(),
    /** Who reported. */
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    /** Reported statuses of the target, as a JSON array of ids (kept even when the statuses go). */
    statusIds: text("status_ids", { mode: "json" }).$type<number[]>().notNull(),
    comment: text("comment").notNull().default(""),
    category: text("category").$type<ReportCategory>().notNull().default("other"),
    /** Instance rule ids (1-based positions, see serializeRules); null unless category is violation. */
    ruleIds: text("rule_ids", { mode: "json" }).$type<number[]>(),
    /** Whether a copy (a Flag) went to the target's server. */
    forwarded: integer("forwarded", { mode: "boolean" }).notNull().default(false),
    applicationId: integer("application_id"),
    /** Set when a moderator resolves the report. */
    actionTakenAt: integer("action_taken_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("reports_target_account_id").on(t.targetAccountId, t.id), index("reports_account_id").on(t.accountId, t.id)],
);

export type Report = typeof reports.$inferSelect;

export type PreviewCardType = "link" | "photo" | "video" | "rich";

/**
 * One row per fetched URL. A fetch that found nothing usable is stored too (`title` empty), so the
 * URL is not fetched again before `fetched_at` is a day old.
 */
export const previewCards = sqliteTable(
  "preview_cards",
  {
    id: integer("id").primaryKey(),
    url: text("url").notNull(),
    title: text("title").notNull().default(""),
    description: text("description").notNull().default(""),
    type: text("type").$type<PreviewCardType>().notNull().default("link"),
    authorName: text("author_name").notNull().default(""),
    authorUrl: text("author_url").notNull().default(""),
    providerName: text("provider_name").notNull().default(""),
    providerUrl: text("provider_url").notNull().default(""),
    /** The remote image URL as the page names it. */
    imageUrl: text("image_url"),
    imageDescription: text("image_description").notNull().default(""),
    width: integer("width").notNull().default(0),
    height: integer("height").notNull().default(0),
    embedUrl: text("embed_url").notNull().default(""),
    language: text("language"),
    publishedAt: integer("published_at"),
    fetchedAt: integer("fetched_at").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("preview_cards_url").on(t.url)],
);

export type PreviewCard = typeof previewCards.$inferSelect;

/** The card shown on a status (Mastodon shows one: the first link's). */
export const previewCardStatuses = sqliteTable(
  "preview_card_statuses",
  {
    statusId: integer("status_id").primaryKey(),
    previewCardId: integer("preview_card_id").notNull(),
    /** The link as it appears in the status, which may differ from the card's after redirects. */
    url: text("url").notNull(),
  },
  (t) => [index("preview_card_statuses_preview_card_id").on(t.previewCardId)],
);
