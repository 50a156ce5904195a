/**
 * Direct-message conversations (Mastodon's `account_conversations`): one row per local participant
 * and thread, keyed by the thread root (`statuses.conversation_id`) and the other participants, so a
 * reply that adds or drops someone starts a new conversation, as in Mastodon.
 * The full-text index over statuses is an FTS5 table drizzle cannot describe: it and the triggers that
 * keep it and `last_status_id` in step live in migrations/0008_search_fts.sql.
 */
import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const accountConversations = sqliteTable(
  "account_conversations",
  {
    /** The Conversation entity's id. */
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    /** The thread root (`statuses.conversation_id`). */
    conversationId: integer("conversation_id").notNull(),
    /** The other participants' account ids, ascending, as a JSON array (part of the key). */
    participantAccountIds: text("participant_account_ids").notNull(),
    /** Ids of the direct statuses of this conversation, ascending, as a JSON array. */
    statusIds: text("status_ids", { mode: "json" }).$type<number[]>().notNull().default(sql`'[]'`),
    /** The newest of `status_ids`; conversations page by it, as in Mastodon. */
    lastStatusId: integer("last_status_id"),
    unread: integer("unread", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("account_conversations_key").on(t.accountId, t.conversationId, t.participantAccountIds),
    index("account_conversations_page").on(t.accountId, t.lastStatusId),
    index("account_conversations_conversation_id").on(t.conversationId),
  ],
);

export type AccountConversation = typeof accountConversations.$inferSelect;
