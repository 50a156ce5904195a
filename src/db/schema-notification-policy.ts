/**
 * Notification filtering (Mastodon 4.3+): each account's policy, the requests that collect filtered
 * mentions per sender, and the senders a user let through by accepting their request.
 * Migration 0010 also adds `filtered` and `group_key` to `notifications` (schema-social.ts).
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** What a policy does with a notification its condition covers. */
export type PolicyAction = "accept" | "filter" | "drop";

/** One row per account that changed its policy; without a row Mastodon's defaults apply. */
export const notificationPolicies = sqliteTable("notification_policies", {
  accountId: integer("account_id").primaryKey(),
  forNotFollowing: text("for_not_following").$type<PolicyAction>().notNull().default("accept"),
  forNotFollowers: text("for_not_followers").$type<PolicyAction>().notNull().default("accept"),
  forNewAccounts: text("for_new_accounts").$type<PolicyAction>().notNull().default("accept"),
  forPrivateMentions: text("for_private_mentions").$type<PolicyAction>().notNull().default("filter"),
  forLimitedAccounts: text("for_limited_accounts").$type<PolicyAction>().notNull().default("filter"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Filtered mentions from one sender to one recipient, waiting to be accepted or dismissed. */
export const notificationRequests = sqliteTable(
  "notification_requests",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    fromAccountId: integer("from_account_id").notNull(),
    lastStatusId: integer("last_status_id"),
    /** Filtered mentions from the sender, counted up to 100 as Mastodon does. */
    notificationsCount: integer("notifications_count").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("notification_requests_pair").on(t.accountId, t.fromAccountId),
    index("notification_requests_account_page").on(t.accountId, t.id),
  ],
);

/** Senders whose notifications skip the policy (an accepted request). */
export const notificationPermissions = sqliteTable(
  "notification_permissions",
  {
    accountId: integer("account_id").notNull(),
    fromAccountId: integer("from_account_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.fromAccountId] })],
);

export type NotificationPolicyRow = typeof notificationPolicies.$inferSelect;
export type NotificationRequestRow = typeof notificationRequests.$inferSelect;
