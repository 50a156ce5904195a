/**
 * Custom emoji and the remote media cache (issue #7). Conventions are schema.ts's: snowflake ids,
 * epoch-millisecond times, 0/1 booleans.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Local emoji (domain null, image in R2 under `imageKey`) and remote ones (a reference: domain,
 * shortcode and the remote image URL; the image is cached like other remote media, in media_cache).
 */
export const customEmojis = sqliteTable(
  "custom_emojis",
  {
    id: integer("id").primaryKey(),
    shortcode: text("shortcode").notNull(),
    /** null for local emoji. */
    domain: text("domain"),
    /** R2 key of a local emoji's image; null for remote ones. */
    imageKey: text("image_key"),
    /** Where a remote emoji's image lives; null for local ones. */
    imageRemoteUrl: text("image_remote_url"),
    /** ActivityPub id of a remote Emoji object, when it has one. */
    uri: text("uri"),
    contentType: text("content_type"),
    fileSize: integer("file_size"),
    category: text("category"),
    visibleInPicker: integer("visible_in_picker", { mode: "boolean" }).notNull().default(true),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // NULL domains are distinct in a unique index, so local shortcodes get their own partial one.
    uniqueIndex("custom_emojis_domain_shortcode").on(t.domain, t.shortcode),
    uniqueIndex("custom_emojis_local_shortcode").on(t.shortcode).where(sql`domain IS NULL`),
  ],
);

export type CustomEmoji = typeof customEmojis.$inferSelect;

export type CacheKind = "attachment" | "avatar" | "header" | "emoji";

/**
 * Cached copies of remote media in R2, one row per remote URL. Only remote media is ever written
 * here, so the cleanup that walks this table cannot reach local uploads.
 */
export const mediaCache = sqliteTable(
  "media_cache",
  {
    remoteUrl: text("remote_url").primaryKey(),
    kind: text("kind").$type<CacheKind>().notNull(),
    /** R2 key of the cached copy. */
    fileKey: text("file_key").notNull(),
    contentType: text("content_type").notNull(),
    fileSize: integer("file_size").notNull(),
    /** Bumped when served (at most once an hour per object); the cleanup expires on it. */
    lastUsedAt: integer("last_used_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("media_cache_last_used").on(t.lastUsedAt)],
);

export type MediaCacheRow = typeof mediaCache.$inferSelect;
