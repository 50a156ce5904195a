/**
 * Quote posts (Mastodon 4.5): one row per quoting status, with the authorization state Mastodon
 * keeps (`pending`, `accepted`, `rejected`, `revoked`, `deleted`). The quoting status also carries
 * `quoted_status_id` and `quote_state` (schema-social.ts), so hydration joins the quoted status in
 * the statement that loads the page and never reads this table; this one serves the list of quotes
 * of a status, revocation and federation.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export type QuoteState = "pending" | "accepted" | "rejected" | "revoked" | "deleted";

export const quotes = sqliteTable(
  "quotes",
  {
    id: integer("id").primaryKey(),
    /** Author of the quoting status. */
    accountId: integer("account_id").notNull(),
    /** The quoting status. */
    statusId: integer("status_id").notNull(),
    /** The quoted status; kept after it is deleted (state `deleted`). */
    quotedStatusId: integer("quoted_status_id"),
    quotedAccountId: integer("quoted_account_id"),
    state: text("state").$type<QuoteState>().notNull().default("pending"),
    /** The QuoteRequest activity id (quotes by local accounts of remote statuses). */
    activityUri: text("activity_uri"),
    /** The QuoteAuthorization stamp (remote quoted authors). */
    approvalUri: text("approval_uri"),
    /** Quotes that arrived without an authorization (`quoteUrl`, `_misskey_quote`). */
    legacy: integer("legacy", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("quotes_status_id").on(t.statusId),
    // GET /api/v1/statuses/:id/quotes walks the accepted quotes of one status newest first.
    index("quotes_quoted_status_state").on(t.quotedStatusId, t.state, t.id),
    // A remote author's Delete of their stamp finds the quote it authorized.
    index("quotes_approval_uri").on(t.approvalUri).where(sql`approval_uri IS NOT NULL`),
  ],
);

export type Quote = typeof quotes.$inferSelect;
