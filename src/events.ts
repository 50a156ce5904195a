/**
 * Domain events that other parts of Petrel react to after the fact: streaming and Web Push need to
 * know when a notification is created, wherever it was created (API request, queue consumer, cron).
 * The events ride on the Db handle (`createDb(d1, events)`) so services keep taking just `db`; an
 * event is one FANOUT message, handled in src/queue/events.ts, so a slow push service or a sleeping
 * Durable Object never slows the request that caused it.
 */
import type { Bindings } from "./env";
import { enqueueFanout } from "./queue/messages";

export interface DomainEvents {
  notificationCreated(notificationId: number, accountId: number): Promise<void>;
  /** The account's filters changed: their open clients refetch them (`filters_changed`). */
  filtersChanged(accountId: number): Promise<void>;
  /** A direct-message conversation of this account changed (new status, read state). */
  conversationUpdated(accountId: number, conversationId: number): Promise<void>;
}

/** Events delivered through the FANOUT queue. */
export function queueEvents(env: Pick<Bindings, "FANOUT">): DomainEvents {
  return {
    async notificationCreated(notificationId, accountId) {
      await enqueueFanout(env.FANOUT, { type: "notification.created", v: 1, notificationId, accountId });
    },
    async filtersChanged(accountId) {
      await enqueueFanout(env.FANOUT, { type: "filters.changed", v: 1, accountId });
    },
    async conversationUpdated(accountId, conversationId) {
      await enqueueFanout(env.FANOUT, { type: "conversation.updated", v: 1, accountId, conversationId });
    },
  };
}
