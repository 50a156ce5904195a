/**
 * The one way outbound activities leave: DELIVERY messages of at most DELIVERY_INBOXES_PER_MESSAGE
 * inboxes each, sent in batches that respect the platform's limits (100 messages, 256 KB per
 * sendBatch). The DELIVERY consumer signs and sends them; nothing here talks to the network.
 */
import { DELIVERY_INBOXES_PER_MESSAGE, type DeliveryMessage } from "../../queue/messages";

/** Anything holding the DELIVERY producer binding (the Worker env, or a test's spy). */
export interface DeliveryEnv {
  DELIVERY?: Queue | undefined;
}

const BATCH_MESSAGES = 100;
/** Under sendBatch's 256 KB, leaving room for the queue's own framing. */
const BATCH_BYTES = 200_000;

/**
 * Enqueues `activity` (signed later as local account `actorId`, or the instance actor when null) for
 * every distinct inbox; returns the number of messages sent. Only http(s) inboxes are kept.
 */
export async function enqueueDelivery(
  env: DeliveryEnv,
  actorId: number | null,
  activity: Record<string, unknown>,
  inboxes: Iterable<string | null | undefined>,
): Promise<number> {
  const unique = [...new Set([...inboxes].filter((i): i is string => typeof i === "string" && /^https?:\/\//.test(i)))];
  if (unique.length === 0) return 0;
  const queue = env.DELIVERY;
  if (!queue) {
    console.error(`delivery: no DELIVERY binding; ${String(activity.type)} ${String(activity.id)} not sent`);
    return 0;
  }
  const messages: DeliveryMessage[] = [];
  for (let i = 0; i < unique.length; i += DELIVERY_INBOXES_PER_MESSAGE) {
    messages.push({
      type: "delivery",
      v: 1,
      actorId,
      activity,
      inboxes: unique.slice(i, i + DELIVERY_INBOXES_PER_MESSAGE),
      attempt: 0,
    });
  }
  let batch: MessageSendRequest<DeliveryMessage>[] = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await queue.sendBatch(batch);
    batch = [];
    bytes = 0;
  };
  for (const body of messages) {
    const size = JSON.stringify(body).length;
    if (batch.length >= BATCH_MESSAGES || bytes + size > BATCH_BYTES) await flush();
    batch.push({ body, contentType: "json" });
    bytes += size;
  }
  await flush();
  return messages.length;
}
