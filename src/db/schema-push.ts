/**
 * Web Push subscriptions (issue #6). One subscription per access token, as Mastodon ties
 * `web_push_subscriptions.access_token_id` to the token: a new POST replaces it, and a revoked token's
 * subscription is never pushed to again (the sender skips and deletes it).
 * Conventions are schema.ts's: snowflake ids, epoch-millisecond times, 0/1 booleans.
 */
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { NotificationType } from "./schema";

export type PushPolicy = "all" | "followed" | "follower" | "none";

export const webPushSubscriptions = sqliteTable(
  "web_push_subscriptions",
  {
    id: integer("id").primaryKey(),
    /** The subscriber (a local account), so the sender finds every subscription of a recipient. */
    accountId: integer("account_id").notNull(),
    accessTokenId: integer("access_token_id").notNull(),
    endpoint: text("endpoint").notNull(),
    /** The user agent's ECDH public key and auth secret, base64url as the client sent them. */
    keyP256dh: text("key_p256dh").notNull(),
    keyAuth: text("key_auth").notNull(),
    /** true: RFC 8291 `aes128gcm`; false: the legacy draft `aesgcm` (Mastodon's default). */
    standard: integer("standard", { mode: "boolean" }).notNull().default(false),
    /** The notification types the client asked for. */
    alerts: text("alerts", { mode: "json" }).$type<NotificationType[]>().notNull(),
    policy: text("policy").$type<PushPolicy>().notNull().default("all"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("web_push_subscriptions_access_token_id").on(t.accessTokenId),
    index("web_push_subscriptions_account_id").on(t.accountId),
  ],
);

/**
 * Pushes already delivered for a notification whose other pushes failed and will be retried, so a
 * retry does not push to the same subscription twice. Written only on partial failure; removed once
 * the notification's pushes are all done, and swept after PUSH_DELIVERY_MARK_TTL_MS otherwise.
 */
export const webPushDeliveries = sqliteTable(
  "web_push_deliveries",
  {
    notificationId: integer("notification_id").notNull(),
    subscriptionId: integer("subscription_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.notificationId, t.subscriptionId] }), index("web_push_deliveries_created_at").on(t.createdAt)],
);

export type WebPushSubscription = typeof webPushSubscriptions.$inferSelect;
