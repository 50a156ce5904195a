/**
 * Moves of local accounts to another account (migration 0017; Mastodon's account_migrations): the
 * history behind the 30-day cooldown between two moves (src/services/account-migration.ts).
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const accountMigrations = sqliteTable(
  "account_migrations",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    /** The handle as typed, for the settings page. */
    acct: text("acct").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("account_migrations_account").on(t.accountId, t.id)],
);
