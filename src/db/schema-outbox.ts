/**
 * Domain events raised outside the Worker (migration 0016). The operator CLI writes D1 directly and
 * cannot reach the queues, so what it would have enqueued waits here until the cron enqueues it
 * (src/queue/event-outbox.ts).
 */
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

export const eventOutbox = sqliteTable("event_outbox", {
  /** The rowid: the cron sends rows in the order they were written. */
  id: integer("id").primaryKey(),
  /** A FANOUT message (src/queue/messages.ts) as JSON; only domain events are accepted. */
  message: text("message").notNull(),
  createdAt: integer("created_at").notNull(),
});
