/**
 * Events for one account's open sockets: a stored notification (`notification` on the user and
 * user:notification streams), `filters_changed` (user), and `conversation` on the direct stream. Each
 * is one call to the account's socket shard, which answers at once when the account has no socket
 * there; the notification and conversation are rendered by the shard / here for that account.
 */
import { loadConfig } from "../config";
import { envDb } from "../db/client";
import type { Bindings } from "../env";
import { loadConversation } from "../services/conversations";
import { type AccountEvent, accountShard } from "./shards";

async function toAccount(env: Bindings, accountId: number, events: AccountEvent[]): Promise<void> {
  await accountShard(env, accountId).toAccount(accountId, events);
}

export async function streamNotification(env: Bindings, notificationId: number, accountId: number): Promise<void> {
  await toAccount(env, accountId, [{ t: "notification", notificationId }]);
}

export async function streamFiltersChanged(env: Bindings, accountId: number): Promise<void> {
  await toAccount(env, accountId, [{ t: "filters_changed" }]);
}

export async function streamConversation(env: Bindings, accountId: number, conversationId: number): Promise<void> {
  const conversation = await loadConversation(envDb(env), loadConfig(env), accountId, conversationId);
  if (conversation) await toAccount(env, accountId, [{ t: "conversation", payload: JSON.stringify(conversation) }]);
}
