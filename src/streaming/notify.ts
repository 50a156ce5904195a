/**
 * Streams a stored notification to the recipient's open sockets (`notification` event on the user and
 * user:notification streams). Owned by the streaming work (issue #6).
 */
import type { Bindings } from "../env";

export async function streamNotification(_env: Bindings, _notificationId: number, _accountId: number): Promise<void> {
  // Filled by the streaming issue: AccountHub.streamNotification.
}
