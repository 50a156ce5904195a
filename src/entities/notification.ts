/** The Notification entity (v1, ungrouped): the only place its JSON is built. */
import type { Config } from "../config";
import type { Notification, NotificationType } from "../db/schema";
import type { VisibleAccount } from "../services/accounts";
import { isoDate } from "../util/time";
import { type MastodonAccount, serializeAccount } from "./account";
import type { MastodonCollection } from "./collection";
import type { MastodonReport } from "./report";
import type { MastodonStatus } from "./status";

/** Types whose notification carries the status it is about. */
export const STATUS_NOTIFICATION_TYPES: ReadonlySet<NotificationType> = new Set<NotificationType>([
  "mention",
  "status",
  "reblog",
  "favourite",
  "poll",
  "update",
  "quote",
  "quoted_update",
]);

export interface MastodonNotification {
  id: string;
  type: NotificationType;
  created_at: string;
  group_key: string;
  account: MastodonAccount;
  status?: MastodonStatus | null;
  collection?: MastodonCollection | null;
  report?: MastodonReport | null;
}

/** Types whose notification carries the collection it is about (Mastodon's `target_collection`). */
export const COLLECTION_NOTIFICATION_TYPES: ReadonlySet<NotificationType> = new Set<NotificationType>([
  "added_to_collection",
  "collection_update",
]);

export function serializeNotification(
  config: Config,
  notification: Pick<Notification, "id" | "type" | "createdAt"> & { groupKey?: string | null },
  from: VisibleAccount,
  status: MastodonStatus | undefined,
  about: { collection?: MastodonCollection | undefined; report?: MastodonReport | undefined } = {},
): MastodonNotification {
  const json: MastodonNotification = {
    id: String(notification.id),
    type: notification.type,
    created_at: isoDate(notification.createdAt),
    group_key: notification.groupKey ?? `ungrouped-${notification.id}`,
    account: serializeAccount(config, from.account, { role: from.role }),
  };
  if (STATUS_NOTIFICATION_TYPES.has(notification.type)) json.status = status ?? null;
  if (COLLECTION_NOTIFICATION_TYPES.has(notification.type)) json.collection = about.collection ?? null;
  if (notification.type === "admin.report") json.report = about.report ?? null;
  return json;
}
