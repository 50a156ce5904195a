/**
 * Queue message bodies: a typed, versioned union. Every message names its type and version so a
 * consumer deployed before or after a producer can tell what it holds. Keys and secrets never travel
 * in messages; consumers load them from D1.
 */

/** FANOUT: what happened to a status, for home feeds, lists, notifications and (later) streaming/delivery. */
export type FanoutMessage =
  | { type: "status.created"; v: 1; statusId: number }
  | { type: "status.updated"; v: 1; statusId: number }
  | { type: "status.deleted"; v: 1; statusId: number; accountId: number; reblogOfId: number | null };

export type QueueMessage = FanoutMessage;

export const QUEUE_NAMES = {
  inbox: "petrel-inbox",
  delivery: "petrel-delivery",
  fanout: "petrel-fanout",
  deadLetter: "petrel-dead-letter",
} as const;

export async function enqueueFanout(queue: Queue, message: FanoutMessage): Promise<void> {
  await queue.send(message, { contentType: "json" });
}
