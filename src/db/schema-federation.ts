/** Media attachments and federation bookkeeping tables (re-exported by src/db/schema.ts). */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

// ---------------------------------------------------------------------------------------------
// Media and federation groundwork.
// ---------------------------------------------------------------------------------------------

export type MediaType = "image" | "gifv" | "video" | "audio" | "unknown";

export interface MediaMeta {
  original?: Record<string, number | string>;
  small?: Record<string, number | string>;
  focus?: { x: number; y: number };
  [key: string]: unknown;
}

export const mediaAttachments = sqliteTable(
  "media_attachments",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    /** null until attached to a status. */
    statusId: integer("status_id"),
    type: text("type").$type<MediaType>().notNull(),
    /** R2 key of the stored original (local) or cached copy (remote); null for uncached remote media. */
    fileKey: text("file_key"),
    /** R2 key of the preview image. */
    previewKey: text("preview_key"),
    contentType: text("content_type"),
    fileSize: integer("file_size"),
    /** Where a remote attachment lives; null for local uploads. */
    remoteUrl: text("remote_url"),
    description: text("description"),
    blurhash: text("blurhash"),
    meta: text("meta", { mode: "json" }).$type<MediaMeta>().notNull().default(sql`'{}'`),
    /** Position within the status (0-3). */
    position: integer("position").notNull().default(0),
    /** Set when processing finished; null while a 202 upload is still being processed. */
    processedAt: integer("processed_at"),
    /** Remote cache bookkeeping: when the cached copy was last served. */
    lastAccessedAt: integer("last_accessed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("media_attachments_status_id").on(t.statusId, t.position),
    index("media_attachments_account_unattached").on(t.accountId, t.createdAt).where(sql`status_id IS NULL`),
    index("media_attachments_remote_access").on(t.lastAccessedAt).where(sql`remote_url IS NOT NULL AND file_key IS NOT NULL`),
  ],
);

/** Instance-wide settings and generated secrets (instance actor keys, VAPID keys), one row each. */
export const instanceSettings = sqliteTable("instance_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Inbound activity ids already accepted, so a replayed activity is not applied twice. */
export const inboxActivities = sqliteTable(
  "inbox_activities",
  {
    activityId: text("activity_id").primaryKey(),
    actorUri: text("actor_uri").notNull(),
    receivedAt: integer("received_at").notNull(),
    /** Set by the INBOX consumer once the activity was applied or refused (migrations/0007_surface_federation_streaming_media.sql). */
    processedAt: integer("processed_at"),
    /** Why the consumer refused it (spoofed origin, invalid object); null when applied. */
    error: text("error"),
  },
  (t) => [index("inbox_activities_received_at").on(t.receivedAt)],
);

/** Delivery failures per remote domain and day: seven distinct failing days stop delivery. */
export const deliveryFailures = sqliteTable(
  "delivery_failures",
  {
    domain: text("domain").notNull(),
    /** UTC day, YYYY-MM-DD. */
    day: text("day").notNull(),
    count: integer("count").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.domain, t.day] })],
);

/** Per-origin facts learned while federating (for example: needs RFC 9421 signatures). */
export const remoteOrigins = sqliteTable("remote_origins", {
  origin: text("origin").primaryKey(),
  signatureStyle: text("signature_style").$type<"cavage" | "rfc9421">().notNull().default("cavage"),
  /** Set while delivery to this domain is stopped (failed on 7 distinct days); cleared when it answers. */
  unavailableSince: integer("unavailable_since"),
  updatedAt: integer("updated_at").notNull(),
});

export type MediaAttachment = typeof mediaAttachments.$inferSelect;
