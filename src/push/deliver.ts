/**
 * Web Push for a stored notification. Owned by the Web Push work (issue #6).
 */
import type { Bindings } from "../env";

export async function pushNotification(_env: Bindings, _notificationId: number, _accountId: number): Promise<void> {
  // Filled by the Web Push issue: encrypt and send to each matching subscription.
}
