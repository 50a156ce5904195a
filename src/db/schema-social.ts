/** Social core tables: statuses, relationships, polls, lists (re-exported by src/db/schema.ts; notifications are in schema-notifications.ts). */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// ---------------------------------------------------------------------------------------------
// Social core: statuses, relationships, notifications. Counters on statuses and accounts are kept
// by SQLite triggers (migrations/0001_*), so concurrent actions can never leave them wrong.
// ---------------------------------------------------------------------------------------------

export type Visibility = "public" | "unlisted" | "private" | "direct";

export const statuses = sqliteTable(
  "statuses",
  {
    id: integer("id").primaryKey(),
    /** ActivityPub id; null for local statuses (derived from the author and id). */
    uri: text("uri"),
    url: text("url"),
    accountId: integer("account_id").notNull(),
    /** 1 for statuses by local accounts: the local timeline reads it without a join. */
    local: integer("local", { mode: "boolean" }).notNull(),
    inReplyToId: integer("in_reply_to_id"),
    inReplyToAccountId: integer("in_reply_to_account_id"),
    /** Set on boosts: a boost is a status that points at another. */
    reblogOfId: integer("reblog_of_id"),
    /** The thread this status belongs to (the root's id); conversation mutes key on it. */
    conversationId: integer("conversation_id"),
    /** What the author typed (local statuses). */
    text: text("text").notNull().default(""),
    /** Rendered (local) or sanitized (remote) HTML. */
    content: text("content").notNull().default(""),
    spoilerText: text("spoiler_text").notNull().default(""),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull().default(false),
    visibility: text("visibility").$type<Visibility>().notNull(),
    language: text("language"),
    applicationId: integer("application_id"),
    pollId: integer("poll_id"),
    mediaCount: integer("media_count").notNull().default(0),
    /** Kept by triggers on mentions and status_tags (migrations/0009_hydrate_counters.sql): hydration skips lookups for statuses without any. */
    mentionsCount: integer("mentions_count").notNull().default(0),
    tagsCount: integer("tags_count").notNull().default(0),
    repliesCount: integer("replies_count").notNull().default(0),
    reblogsCount: integer("reblogs_count").notNull().default(0),
    favouritesCount: integer("favourites_count").notNull().default(0),
    /** Quote posts (schema-quotes.ts): the quoted status and the quote's state, copied here so hydration joins it in the page's statement. */
    quotedStatusId: integer("quoted_status_id"),
    quoteState: text("quote_state").$type<"pending" | "accepted" | "rejected" | "revoked" | "deleted">(),
    /** Mastodon's bit field: who may quote automatically (<< 16) and with manual review (low bits); 0 is nobody. */
    quoteApprovalPolicy: integer("quote_approval_policy").notNull().default(0),
    /** Accepted quotes of this status. */
    quotesCount: integer("quotes_count").notNull().default(0),
    editedAt: integer("edited_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("statuses_uri").on(t.uri),
    index("statuses_account_id").on(t.accountId, t.id),
    index("statuses_in_reply_to_id").on(t.inReplyToId),
    index("statuses_reblog_of_id").on(t.reblogOfId, t.accountId),
    // The viewer's own boosts over a page's id span, one range read (hydration's `reblogged` flag).
    index("statuses_account_reblogs").on(t.accountId, t.reblogOfId).where(sql`reblog_of_id IS NOT NULL`),
    index("statuses_conversation_id").on(t.conversationId),
    // The public timelines walk these partial indexes newest-first and stop after a page.
    index("statuses_public_timeline").on(t.id, t.local).where(sql`visibility = 'public' AND reblog_of_id IS NULL`),
  ],
);

/** Every revision of an edited status, oldest first; the current text is the last one. */
export const statusEdits = sqliteTable(
  "status_edits",
  {
    id: integer("id").primaryKey(),
    statusId: integer("status_id").notNull(),
    accountId: integer("account_id").notNull(),
    text: text("text").notNull(),
    content: text("content").notNull(),
    spoilerText: text("spoiler_text").notNull(),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull(),
    /** Poll option titles at this revision, if the status had a poll. */
    pollOptions: text("poll_options", { mode: "json" }).$type<string[] | null>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("status_edits_status_id").on(t.statusId, t.id)],
);

export const mentions = sqliteTable(
  "mentions",
  {
    statusId: integer("status_id").notNull(),
    accountId: integer("account_id").notNull(),
    /** Silent mentions address without notifying (Mastodon's `silent`). */
    silent: integer("silent", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.statusId, t.accountId] }), index("mentions_account_id").on(t.accountId, t.statusId)],
);

export const tags = sqliteTable(
  "tags",
  {
    id: integer("id").primaryKey(),
    /** Lower-cased, NFKC-normalized: the key. */
    name: text("name").notNull(),
    /** As first written, for display. */
    displayName: text("display_name").notNull(),
    lastStatusAt: integer("last_status_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("tags_name").on(t.name)],
);

export const statusTags = sqliteTable(
  "status_tags",
  {
    statusId: integer("status_id").notNull(),
    tagId: integer("tag_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.statusId, t.tagId] }), index("status_tags_tag_id").on(t.tagId, t.statusId)],
);

export const follows = sqliteTable(
  "follows",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    showReblogs: integer("show_reblogs", { mode: "boolean" }).notNull().default(true),
    notify: integer("notify", { mode: "boolean" }).notNull().default(false),
    languages: text("languages", { mode: "json" }).$type<string[] | null>(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("follows_pair").on(t.accountId, t.targetAccountId),
    // Covering for a new status's fanout: its rules read these columns for each of the author's
    // followers, and a follower's follow row lies on its own table page (follows are written
    // follower by follower), so without them a post by an account with 1,000 followers read about
    // 1,000 table pages, twice (streaming, then feeds); with them, a few index pages.
    index("follows_target_home").on(t.targetAccountId, t.accountId, t.showReblogs, t.notify, t.languages),
    // Following/followers pages walk these by follow id instead of sorting every follow.
    index("follows_account_page").on(t.accountId, t.id),
    index("follows_target_page").on(t.targetAccountId, t.id),
  ],
);

export const followRequests = sqliteTable(
  "follow_requests",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    showReblogs: integer("show_reblogs", { mode: "boolean" }).notNull().default(true),
    notify: integer("notify", { mode: "boolean" }).notNull().default(false),
    languages: text("languages", { mode: "json" }).$type<string[] | null>(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("follow_requests_pair").on(t.accountId, t.targetAccountId),
    index("follow_requests_target").on(t.targetAccountId, t.id),
  ],
);

export const blocks = sqliteTable(
  "blocks",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("blocks_pair").on(t.accountId, t.targetAccountId), index("blocks_target").on(t.targetAccountId)],
);

export const mutes = sqliteTable(
  "mutes",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    hideNotifications: integer("hide_notifications", { mode: "boolean" }).notNull().default(true),
    expiresAt: integer("expires_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("mutes_pair").on(t.accountId, t.targetAccountId), index("mutes_target").on(t.targetAccountId)],
);

/** Private notes a user keeps on other accounts (Relationship.note). */
export const accountNotes = sqliteTable(
  "account_notes",
  {
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    comment: text("comment").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.targetAccountId] })],
);

/** A user's own domain blocks (`/api/v1/domain_blocks`). */
export const accountDomainBlocks = sqliteTable(
  "account_domain_blocks",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    domain: text("domain").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("account_domain_blocks_pair").on(t.accountId, t.domain),
    index("account_domain_blocks_domain").on(t.domain),
  ],
);

export const favourites = sqliteTable(
  "favourites",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    statusId: integer("status_id").notNull(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("favourites_pair").on(t.accountId, t.statusId),
    index("favourites_status_id").on(t.statusId, t.id),
    // GET /api/v1/favourites pages by the favourite's own id (migrations/0007_surface_federation_streaming_media.sql).
    index("favourites_account_page").on(t.accountId, t.id),
  ],
);

export const bookmarks = sqliteTable(
  "bookmarks",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    statusId: integer("status_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("bookmarks_pair").on(t.accountId, t.statusId),
    index("bookmarks_status_id").on(t.statusId),
    // GET /api/v1/bookmarks pages by the bookmark's own id (migrations/0007_surface_federation_streaming_media.sql).
    index("bookmarks_account_page").on(t.accountId, t.id),
  ],
);

export const statusPins = sqliteTable(
  "status_pins",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    statusId: integer("status_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("status_pins_pair").on(t.accountId, t.statusId), index("status_pins_status_id").on(t.statusId)],
);

export const conversationMutes = sqliteTable(
  "conversation_mutes",
  {
    accountId: integer("account_id").notNull(),
    conversationId: integer("conversation_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.conversationId] })],
);

export interface PollOption {
  title: string;
}

export const polls = sqliteTable(
  "polls",
  {
    id: integer("id").primaryKey(),
    statusId: integer("status_id").notNull(),
    accountId: integer("account_id").notNull(),
    options: text("options", { mode: "json" }).$type<PollOption[]>().notNull(),
    /** Votes per option, same order as `options` (kept by trigger for local votes). */
    tallies: text("tallies", { mode: "json" }).$type<number[]>().notNull(),
    multiple: integer("multiple", { mode: "boolean" }).notNull().default(false),
    hideTotals: integer("hide_totals", { mode: "boolean" }).notNull().default(false),
    votesCount: integer("votes_count").notNull().default(0),
    votersCount: integer("voters_count").notNull().default(0),
    expiresAt: integer("expires_at"),
    /** Set once the "poll ended" notifications went out. */
    endedNotifiedAt: integer("ended_notified_at"),
    lastFetchedAt: integer("last_fetched_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("polls_status_id").on(t.statusId),
    index("polls_expires_at").on(t.expiresAt),
    // notifyEndedPolls walks only the polls still owed their "ended" notifications.
    index("polls_ended_unnotified").on(t.expiresAt).where(sql`ended_notified_at IS NULL`),
  ],
);

export const pollVotes = sqliteTable(
  "poll_votes",
  {
    id: integer("id").primaryKey(),
    pollId: integer("poll_id").notNull(),
    accountId: integer("account_id").notNull(),
    choice: integer("choice").notNull(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("poll_votes_choice").on(t.pollId, t.accountId, t.choice), index("poll_votes_account").on(t.accountId)],
);

export const markers = sqliteTable(
  "markers",
  {
    accountId: integer("account_id").notNull(),
    timeline: text("timeline").$type<"home" | "notifications">().notNull(),
    lastReadId: text("last_read_id").notNull(),
    version: integer("version").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.timeline] })],
);

export const scheduledStatuses = sqliteTable(
  "scheduled_statuses",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    scheduledAt: integer("scheduled_at").notNull(),
    /** The POST /api/v1/statuses params, validated, as the ScheduledStatus entity shows them. */
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    applicationId: integer("application_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("scheduled_statuses_due").on(t.scheduledAt), index("scheduled_statuses_account").on(t.accountId, t.id)],
);

export const lists = sqliteTable(
  "lists",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    title: text("title").notNull(),
    repliesPolicy: text("replies_policy").$type<"followed" | "list" | "none">().notNull().default("list"),
    exclusive: integer("exclusive", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("lists_account_id").on(t.accountId)],
);

export const listAccounts = sqliteTable(
  "list_accounts",
  {
    listId: integer("list_id").notNull(),
    accountId: integer("account_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.accountId] }), index("list_accounts_account").on(t.accountId)],
);

export type Status = typeof statuses.$inferSelect;
export type NewStatus = typeof statuses.$inferInsert;
export type Poll = typeof polls.$inferSelect;
export type Follow = typeof follows.$inferSelect;
