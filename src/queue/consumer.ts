/**
 * Queue dispatch. Each message is acked or retried on its own: one bad message never fails or
 * drops its batch. Messages nobody knows how to handle are retried until they reach the
 * dead-letter queue, whose consumer records them in D1 for the operator.
 */
import type { Bindings } from "../env";
import { handleInboxBatch } from "../federation/inbox-consumer";
import { newId } from "../ids";
import { handleDeliveryBatch } from "./delivery";
import { handleFanoutBatch } from "./fanout";
import { QUEUE_NAMES } from "./messages";

export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  if (batch.queue === QUEUE_NAMES.deadLetter) {
    await recordDeadLetters(batch, env);
    return;
  }
  if (batch.queue === QUEUE_NAMES.fanout) {
    await handleFanoutBatch(batch, env);
    return;
  }
  if (batch.queue === QUEUE_NAMES.inbox) return handleInboxBatch(batch, env);
  if (batch.queue === QUEUE_NAMES.delivery) {
    await handleDeliveryBatch(batch, env);
    return;
  }
  for (const message of batch.messages) {
    console.error(`queue ${batch.queue}: no handler for message ${message.id}; retrying towards the dead-letter queue`);
    message.retry();
  }
}

async function recordDeadLetters(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    try {
      await env.DB.prepare("INSERT INTO dead_letters (id, queue, body, attempts, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(newId(), batch.queue, JSON.stringify(message.body), message.attempts, Date.now())
        .run();
      message.ack();
    } catch (err) {
      console.error("dead-letter: could not record message", message.id, err);
      message.retry();
    }
  }
}
