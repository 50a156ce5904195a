/**
 * FANOUT handler for domain events (src/events.ts): a new notification goes to the recipient's open
 * streaming sockets and to their Web Push subscriptions. Both steps are idempotent enough to retry:
 * a socket may see a notification twice after a retry, a phone may get a second push; nothing is lost.
 */
import type { Bindings } from "../env";
import { pushNotification } from "../push/deliver";
import { streamConversation, streamFiltersChanged, streamNotification } from "../streaming/notify";

export async function notificationCreated(env: Bindings, notificationId: number, accountId: number): Promise<void> {
  await streamNotification(env, notificationId, accountId);
  await pushNotification(env, notificationId, accountId);
}

export async function filtersChanged(env: Bindings, accountId: number): Promise<void> {
  await streamFiltersChanged(env, accountId);
}

export async function conversationUpdated(env: Bindings, accountId: number, conversationId: number): Promise<void> {
  await streamConversation(env, accountId, conversationId);
}
