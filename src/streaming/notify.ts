/**
 * Events for one account's open sockets: a stored notification (`notification` on the user and
 * user:notification streams), `filters_changed`, and `conversation` on the direct stream. Owned by the streaming work (issue #6).
 */
import type { Bindings } from "../env";

export async function streamNotification(_env: Bindings, _notificationId: number, _accountId: number): Promise<void> {
  // Filled by the streaming issue: AccountHub.streamNotification.
}

export async function streamFiltersChanged(_env: Bindings, _accountId: number): Promise<void> {
  // Filled by the streaming issue: `filters_changed` to the account's user streams.
}

export async function streamConversation(_env: Bindings, _accountId: number, _conversationId: number): Promise<void> {
  // Filled by the streaming issue: `conversation` to the account's direct stream.
}
