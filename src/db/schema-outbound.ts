/**
 * Outbound federation bookkeeping. `outbound_tombstones` keeps, for each deleted local status, what
 * its `Delete` (or a boost's `Undo Announce`) needs once the row is gone: the FANOUT consumer builds
 * the activity after the deletion batch has removed the status, its mentions and favourites. It also
 * lets the status URI answer 410 Gone, as Mastodon's tombstones do.
 */
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const outboundTombstones = sqliteTable(
  "outbound_tombstones",
  {
    statusId: integer("status_id").primaryKey(),
    accountId: integer("account_id").notNull(),
    visibility: text("visibility").notNull(),
    reblogOfId: integer("reblog_of_id"),
    /** ActivityPub id of what a boost boosted (a boost's Undo names it). */
    reblogOfUri: text("reblog_of_uri"),
    /** Remote inboxes reached besides followers (mentioned, replied-to, boosted, favouriters, boosters): JSON array. */
    inboxes: text("inboxes", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("outbound_tombstones_account_id").on(t.accountId)],
);

export type OutboundTombstone = typeof outboundTombstones.$inferSelect;
