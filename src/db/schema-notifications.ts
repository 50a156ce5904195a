/** Notifications (re-exported by src/db/schema.ts). */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export type NotificationType =
  | "mention"
  | "status"
  | "reblog"
  | "follow"
  | "follow_request"
  | "favourite"
  | "poll"
  | "update"
  | "quote"
  | "quoted_update"
  | "added_to_collection"
  | "collection_update"
  | "admin.sign_up"
  | "admin.report";

export const notifications = sqliteTable(
  "notifications",
  {
    id: integer("id").primaryKey(),
    /** The recipient (a local account). */
    accountId: integer("account_id").notNull(),
    fromAccountId: integer("from_account_id").notNull(),
    type: text("type").$type<NotificationType>().notNull(),
    statusId: integer("status_id"),
    createdAt: integer("created_at").notNull(),
    /** Held back by the recipient's notification policy (migration 0010): listed only on request. */
    filtered: integer("filtered", { mode: "boolean" }).notNull().default(false),
    /** Mastodon's group key, set at insert for groupable types (src/services/notification-groups.ts). */
    groupKey: text("group_key"),
    /** The collection of `added_to_collection` / `collection_update` (migration 0012, schema-collections.ts). */
    collectionId: integer("collection_id"),
    /** The report of an `admin.report` (migration 0014). */
    reportId: integer("report_id"),
  },
  (t) => [
    index("notifications_account_id").on(t.accountId, t.id),
    index("notifications_collection_id").on(t.collectionId).where(sql`collection_id IS NOT NULL`),
    index("notifications_group_key").on(t.accountId, t.groupKey, t.id).where(sql`group_key IS NOT NULL`),
    index("notifications_filtered_from").on(t.accountId, t.fromAccountId).where(sql`filtered = 1`),
    // One notification per (recipient, type, actor, status): replays of the same action add nothing.
    // (status-less ones, like follows, have a NULL status_id and are not deduplicated.)
    uniqueIndex("notifications_dedupe").on(t.accountId, t.type, t.fromAccountId, t.statusId),
    index("notifications_status_id").on(t.statusId),
  ],
);

export type Notification = typeof notifications.$inferSelect;
