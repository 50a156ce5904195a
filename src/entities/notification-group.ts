/**
 * Grouped notifications (`/api/v2/notifications`, Mastodon 4.3 / api_versions 2): NotificationGroup,
 * PartialAccountWithAvatar and GroupedNotificationsResults. The only place their JSON is built.
 */
import type { NotificationType } from "../db/schema";
import { isoDate } from "../util/time";
import type { MastodonAccount } from "./account";
import { STATUS_NOTIFICATION_TYPES } from "./notification";
import type { MastodonReport } from "./report";
import type { MastodonStatus } from "./status";

export interface MastodonNotificationGroup {
  group_key: string;
  notifications_count: number;
  type: NotificationType;
  /** An integer in Mastodon's serializer (and its OpenAPI description), unlike other ids. */
  most_recent_notification_id: number;
  page_min_id?: string;
  page_max_id?: string;
  latest_page_notification_at?: string;
  sample_account_ids: string[];
  status_id?: string | null;
  report?: MastodonReport | null;
}

export interface MastodonPartialAccount {
  id: string;
  acct: string;
  locked: boolean;
  bot: boolean;
  url: string;
  avatar: string;
  avatar_static: string;
}

export interface MastodonGroupedNotifications {
  accounts: MastodonAccount[];
  partial_accounts?: MastodonPartialAccount[];
  statuses: MastodonStatus[];
  notification_groups: MastodonNotificationGroup[];
}

export interface GroupView {
  groupKey: string;
  type: NotificationType;
  count: number;
  mostRecentId: number;
  sampleAccountIds: number[];
  statusId: number | null;
  /** The report of an `admin.report`. */
  report?: MastodonReport | undefined;
  /** Present when listing pages (not for a single group). */
  page?: { minId: number; maxId: number; latestAt: number };
}

export function serializeNotificationGroup(g: GroupView): MastodonNotificationGroup {
  const json: MastodonNotificationGroup = {
    group_key: g.groupKey,
    notifications_count: g.count,
    type: g.type,
    most_recent_notification_id: g.mostRecentId,
    sample_account_ids: g.sampleAccountIds.map(String),
  };
  if (g.page) {
    json.page_min_id = String(g.page.minId);
    json.page_max_id = String(g.page.maxId);
    json.latest_page_notification_at = isoDate(g.page.latestAt);
  }
  if (STATUS_NOTIFICATION_TYPES.has(g.type)) json.status_id = g.statusId === null ? null : String(g.statusId);
  if (g.type === "admin.report") json.report = g.report ?? null;
  return json;
}

export function serializePartialAccount(a: MastodonAccount): MastodonPartialAccount {
  return {
    id: a.id,
    acct: a.acct,
    locked: a.locked,
    bot: a.bot,
    url: a.url,
    avatar: a.avatar,
    avatar_static: a.avatar_static,
  };
}
