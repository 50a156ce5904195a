/**
 * Collections (Mastodon 4.6): curated lists of accounts a user recommends, and their items.
 * Only local collections exist here (no federation of FeaturedCollection yet), so every item names a
 * local or known remote account by id. Item states follow Mastodon's CollectionItem enum.
 */
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export type CollectionItemState = "pending" | "accepted" | "rejected" | "revoked";

export const collections = sqliteTable(
  "collections",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    language: text("language"),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull().default(false),
    discoverable: integer("discoverable", { mode: "boolean" }).notNull().default(true),
    tagId: integer("tag_id"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  // An account's collections, newest first (ids are snowflakes, so id order is creation order).
  (t) => [index("collections_account").on(t.accountId, t.id)],
);

export const collectionItems = sqliteTable(
  "collection_items",
  {
    id: integer("id").primaryKey(),
    collectionId: integer("collection_id").notNull(),
    accountId: integer("account_id").notNull(),
    state: text("state").$type<CollectionItemState>().notNull().default("pending"),
    /** 1-based order within the collection, as Mastodon's `position`. */
    position: integer("position").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    // One item per account per collection; also serves a collection's item reads and counts.
    uniqueIndex("collection_items_collection_account").on(t.collectionId, t.accountId),
    // `in_collections`: the collections an account is featured in.
    index("collection_items_account").on(t.accountId, t.collectionId),
  ],
);

export type Collection = typeof collections.$inferSelect;
export type CollectionItem = typeof collectionItems.$inferSelect;
