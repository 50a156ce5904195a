/**
 * Remote objects whose owner deleted them (Mastodon's Tombstone model): a Delete may arrive before
 * the Create it undoes (deliveries race and are retried out of order), so the inbox remembers the
 * deleted URI and refuses a later Create/Announce/Update of it. Rows are purged by the cron after
 * TOMBSTONE_RETENTION_DAYS (src/scheduled.ts), long after any delivery retry has run out.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const federationTombstones = sqliteTable(
  "federation_tombstones",
  {
    uri: text("uri").primaryKey(),
    /** The actor whose Delete recorded it (the URI is on that actor's origin). */
    accountId: integer("account_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("federation_tombstones_created_at").on(t.createdAt)],
);

export type FederationTombstone = typeof federationTombstones.$inferSelect;
