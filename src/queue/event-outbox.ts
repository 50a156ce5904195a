/**
 * The event outbox (`event_outbox`, migration 0016): domain events (src/events.ts) raised by code that
 * writes D1 from outside the Worker, above all the operator CLI's staff notifications, which cannot
 * reach the FANOUT queue. The writer adds a row in the same batch as its change; the cron
 * (`drainEventOutbox`, every minute) enqueues the rows in order and deletes them, so a notification
 * the CLI wrote is streamed and pushed like any other, within a minute. A move away uses it too: its
 * sends (`account.move_out`) are committed with the move, and the request queues that row itself.
 *
 * A row is deleted only after its message was enqueued; a crash between the two sends it again on the
 * next tick (a socket may see it twice, a phone get a second push, as with a retried FANOUT message).
 */
import type { Bindings } from "../env";
import type { FanoutMessage } from "./messages";

/** Rows enqueued per tick: one `sendBatch` (a queue takes at most 100 messages per call). */
export const OUTBOX_SWEEP_LIMIT = 100;

/** The domain events (src/events.ts) this outbox carries, each with the ids its message must hold. */
const DOMAIN_EVENTS = {
  "notification.created": ["notificationId", "accountId"],
  "filters.changed": ["accountId"],
  "conversation.updated": ["accountId", "conversationId"],
  // Not raised by the CLI: a move's sends, written in the move's commit (src/services/account-migration.ts).
  "account.move_out": ["accountId", "targetId", "migrationId"],
  // An instance domain block's work on stored accounts, committed with the block (src/services/domain-blocks.ts).
  "domain_block.accounts": ["marker"],
} as const;

type OutboxMessage = Extract<FanoutMessage, { type: keyof typeof DOMAIN_EVENTS }>;

export interface OutboxStatement {
  sql: string;
  params: Array<string | number>;
}

/**
 * The statement that records `notification.created` for a notification written in the same batch,
 * only if that notification was stored (an `INSERT OR IGNORE` may have stored nothing) and is not
 * held back by the recipient's notification policy (filtered ones are neither streamed nor pushed).
 */
export function outboxNotificationCreated(notificationId: number, accountId: number, now: number): OutboxStatement {
  const message: OutboxMessage = { type: "notification.created", v: 1, notificationId, accountId };
  return {
    sql:
      "INSERT INTO event_outbox (message, created_at) SELECT ?, ? " +
      "WHERE EXISTS (SELECT 1 FROM notifications WHERE id = ? AND account_id = ? AND filtered = 0)",
    params: [JSON.stringify(message), now, notificationId, accountId],
  };
}

/** A stored row's message, or undefined when it is not a domain event this outbox carries. */
export function parseOutboxMessage(raw: string): OutboxMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const m = value as Record<string, unknown>;
  if (typeof m.type !== "string" || !Object.hasOwn(DOMAIN_EVENTS, m.type) || m.v !== 1) return undefined;
  const ids: readonly string[] = DOMAIN_EVENTS[m.type as keyof typeof DOMAIN_EVENTS];
  if (!ids.every((k) => Number.isSafeInteger(m[k]) && (m[k] as number) > 0)) return undefined;
  return m as unknown as OutboxMessage;
}

export interface OutboxSweep {
  sent: number;
  /** Rows that held no valid domain event: logged and deleted, so they never block the others. */
  dropped: number;
}

/**
 * The cron job: enqueues up to `limit` rows on FANOUT, oldest first, then deletes them. `only`: just
 * those rows (a request sending what it has just committed, rather than waiting for the cron).
 */
export async function drainEventOutbox(
  env: Pick<Bindings, "DB" | "FANOUT">,
  limit = OUTBOX_SWEEP_LIMIT,
  only?: readonly number[],
): Promise<OutboxSweep> {
  const { results } = await (only
    ? env.DB.prepare(
        "SELECT id, message FROM event_outbox WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?",
      ).bind(JSON.stringify(only), limit)
    : env.DB.prepare("SELECT id, message FROM event_outbox ORDER BY id LIMIT ?").bind(limit)
  ).all<{ id: number; message: string }>();
  if (results.length === 0) return { sent: 0, dropped: 0 };
  const messages: OutboxMessage[] = [];
  for (const row of results) {
    const message = parseOutboxMessage(row.message);
    if (message) messages.push(message);
    else console.error(`event outbox: row ${row.id} dropped, not a domain event: ${row.message.slice(0, 200)}`);
  }
  if (messages.length > 0) await env.FANOUT.sendBatch(messages.map((body) => ({ body, contentType: "json" as const })));
  await env.DB.prepare("DELETE FROM event_outbox WHERE id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(results.map((r) => r.id)))
    .run();
  return { sent: messages.length, dropped: results.length - messages.length };
}
