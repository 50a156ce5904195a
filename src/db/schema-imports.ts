/**
 * Data imports (migration 0018; Mastodon's bulk_imports and bulk_import_rows): a CSV file uploaded on
 * Settings → Import, confirmed, then applied a page of rows at a time by the FANOUT consumer
 * (src/services/imports/). A row is deleted once applied; the rows left with `failed` set are the
 * import's failures, downloadable as CSV.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const bulkImports = sqliteTable(
  "bulk_imports",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    /** following | blocking | muting | domain_blocking | bookmarks | lists (Mastodon's names). */
    type: text("type").notNull(),
    /** Replace the account's current entries of this type instead of adding to them. */
    overwrite: integer("overwrite", { mode: "boolean" }).notNull(),
    /** unconfirmed | scheduled | in_progress | finished */
    state: text("state").notNull(),
    originalFilename: text("original_filename").notNull(),
    /** The file looks like another type than the one chosen (Mastodon's warning on the confirm page). */
    likelyMismatched: integer("likely_mismatched", { mode: "boolean" }).notNull(),
    totalItems: integer("total_items").notNull(),
    processedItems: integer("processed_items").notNull().default(0),
    importedItems: integer("imported_items").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("bulk_imports_account").on(t.accountId, t.id), index("bulk_imports_state").on(t.state, t.createdAt)],
);

export const bulkImportRows = sqliteTable(
  "bulk_import_rows",
  {
    /** The rowid: rows are applied in file order. */
    id: integer("id").primaryKey(),
    importId: integer("import_id").notNull(),
    /** What the row names, as the overwrite pass matches it: an acct key (accounts.acct_key), a domain, or a status URI. */
    key: text("key").notNull(),
    /** The row's attributes under Mastodon's names (acct, show_reblogs, notify, languages, ...), as JSON. */
    data: text("data").notNull(),
    failed: integer("failed", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [index("bulk_import_rows_pending").on(t.importId, t.failed, t.id), index("bulk_import_rows_key").on(t.importId, t.key)],
);

export type BulkImport = typeof bulkImports.$inferSelect;
