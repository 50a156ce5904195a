/**
 * Tables of the rest of the client surface: filters (v2 groups with keywords and statuses; v1 filters
 * are views of single keywords) and instance announcements with their reactions and dismissals.
 * A second schema file beside schema.ts, so the migration for these tables is generated on its own;
 * the conventions are schema.ts's: snowflake ids, epoch-millisecond times, 0/1 booleans.
 * `src/db/schema-client-surface.sql.txt` is the generated SQL of these tables.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export type FilterContext = "home" | "notifications" | "public" | "thread" | "account";
export type FilterAction = "warn" | "hide" | "blur";

/** A v2 filter group (Mastodon's `custom_filters`). */
export const customFilters = sqliteTable(
  "custom_filters",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    title: text("title").notNull(),
    /** Where it applies: a JSON array of FilterContext, never empty. */
    context: text("context", { mode: "json" }).$type<FilterContext[]>().notNull(),
    action: text("action").$type<FilterAction>().notNull().default("warn"),
    /** null: never expires. Expired filters are kept (clients list them) but no longer applied. */
    expiresAt: integer("expires_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("custom_filters_account_id").on(t.accountId, t.id)],
);

/**
 * Keywords of a filter group. `account_id` repeats the owner so that every read (a keyword by id, all
 * of an account's keywords for matching) is one index walk without a join.
 */
export const customFilterKeywords = sqliteTable(
  "custom_filter_keywords",
  {
    id: integer("id").primaryKey(),
    filterId: integer("filter_id").notNull(),
    accountId: integer("account_id").notNull(),
    keyword: text("keyword").notNull(),
    /** Mastodon's column default is true, so a keyword added without `whole_word` matches whole words. */
    wholeWord: integer("whole_word", { mode: "boolean" }).notNull().default(true),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("custom_filter_keywords_filter_id").on(t.filterId, t.id),
    index("custom_filter_keywords_account_id").on(t.accountId),
  ],
);

/** Single statuses a filter group hides or warns about. */
export const customFilterStatuses = sqliteTable(
  "custom_filter_statuses",
  {
    id: integer("id").primaryKey(),
    filterId: integer("filter_id").notNull(),
    accountId: integer("account_id").notNull(),
    statusId: integer("status_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("custom_filter_statuses_pair").on(t.filterId, t.statusId),
    index("custom_filter_statuses_account_id").on(t.accountId),
    // Deleting a status removes it from filters through this index.
    index("custom_filter_statuses_status_id").on(t.statusId),
  ],
);

/** Instance announcements, written by the operator (CLI, later the admin pages). */
export const announcements = sqliteTable(
  "announcements",
  {
    id: integer("id").primaryKey(),
    /** What the operator typed; rendered to HTML (paragraphs, links) when served. */
    text: text("text").notNull(),
    published: integer("published", { mode: "boolean" }).notNull().default(false),
    allDay: integer("all_day", { mode: "boolean" }).notNull().default(false),
    /** Not shown before this time (Mastodon's scheduled publication). */
    scheduledAt: integer("scheduled_at"),
    /** The event the announcement is about, if any: both or neither. */
    startsAt: integer("starts_at"),
    endsAt: integer("ends_at"),
    publishedAt: integer("published_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /**
     * null: changed since streaming last told clients (the CLI writes outside the Worker, so the cron
     * streams `announcement`/`announcement.delete` and sets it; src/services/announcement-events.ts).
     */
    streamedAt: integer("streamed_at"),
    /** Deleted by the operator, kept until the cron has streamed `announcement.delete`. */
    deletedAt: integer("deleted_at"),
  },
  (t) => [index("announcements_streamed_at").on(t.streamedAt)],
);

/** One row per (announcement, account, emoji): the counts are aggregated when served. */
export const announcementReactions = sqliteTable(
  "announcement_reactions",
  {
    announcementId: integer("announcement_id").notNull(),
    accountId: integer("account_id").notNull(),
    /** A unicode emoji (custom emoji shortcodes come with custom emoji support). */
    name: text("name").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.announcementId, t.accountId, t.name] })],
);

/** Announcements an account has dismissed (Mastodon's `announcement_mutes`): `read: true`. */
export const announcementDismissals = sqliteTable(
  "announcement_dismissals",
  {
    accountId: integer("account_id").notNull(),
    announcementId: integer("announcement_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.accountId, t.announcementId] }),
    // Deleting an announcement removes its dismissals without a table scan.
    index("announcement_dismissals_announcement").on(t.announcementId),
  ],
);

export type CustomFilter = typeof customFilters.$inferSelect;
export type NewCustomFilter = typeof customFilters.$inferInsert;
export type CustomFilterKeyword = typeof customFilterKeywords.$inferSelect;
export type CustomFilterStatus = typeof customFilterStatuses.$inferSelect;
export type Announcement = typeof announcements.$inferSelect;
