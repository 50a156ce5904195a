/** NotificationRequest: filtered mentions from one sender. The only place its JSON is built. */
import type { Config } from "../config";
import type { NotificationRequestRow } from "../db/schema-notification-policy";
import type { VisibleAccount } from "../services/accounts";
import { isoDate } from "../util/time";
import { type MastodonAccount, serializeAccount } from "./account";
import type { MastodonStatus } from "./status";

export interface MastodonNotificationRequest {
  id: string;
  created_at: string;
  updated_at: string;
  /** A string in Mastodon's serializer. */
  notifications_count: string;
  account: MastodonAccount;
  last_status: MastodonStatus | null;
}

export function serializeNotificationRequest(
  config: Config,
  row: Pick<NotificationRequestRow, "id" | "createdAt" | "updatedAt" | "notificationsCount">,
  from: VisibleAccount,
  lastStatus: MastodonStatus | undefined,
): MastodonNotificationRequest {
  return {
    id: String(row.id),
    created_at: isoDate(row.createdAt),
    updated_at: isoDate(row.updatedAt),
    notifications_count: String(row.notificationsCount),
    account: serializeAccount(config, from.account, { role: from.role }),
    last_status: lastStatus ?? null,
  };
}
