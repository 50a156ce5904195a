/**
 * Queue message bodies: a typed, versioned union. Every message names its type and version so a
 * consumer deployed before or after a producer can tell what it holds. Later issues add variants
 * (fanout, delivery, inbox).
 */
export type QueueMessage = never;

export const QUEUE_NAMES = {
  inbox: "petrel-inbox",
  delivery: "petrel-delivery",
  fanout: "petrel-fanout",
  deadLetter: "petrel-dead-letter",
} as const;
