/**
 * Turning notification groups into a GroupedNotificationsResults (Mastodon's NotificationGroup,
 * GroupedNotificationsPresenter and DedupNotificationGroupSerializer): per-group counts and sample
 * accounts in one statement over `notifications_group_key`, the page's statuses in one bulk
 * hydration, the accounts in one read.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type MastodonAccount, serializeAccount } from "../entities/account";
import { STATUS_NOTIFICATION_TYPES } from "../entities/notification";
import {
  type GroupView,
  type MastodonGroupedNotifications,
  serializeNotificationGroup,
  serializePartialAccount,
} from "../entities/notification-group";
import type { MastodonStatus } from "../entities/status";
import { applyViewerFilters } from "./filters";
import { hydrateStatuses } from "./hydrate";
import type { NotificationRow } from "./notification-list";
import { loadVisibleAccounts } from "./relationships/common";
import { notificationReports } from "./staff-notifications";

/** Mastodon's NotificationGroup::SAMPLE_ACCOUNTS_SIZE. */
const SAMPLE_ACCOUNTS = 8;
/** Notifications counted per group at most: a viral post's group stops costing reads here. */
export const GROUP_COUNT_CAP = 1000;

/** The notification that stands for its group on a page. */
export type GroupRow = NotificationRow;

export const groupRowColumns = sql`id, type, from_account_id AS fromAccountId, status_id AS statusId,
  report_id AS reportId, created_at AS createdAt, group_key AS groupKey`;

export type ExpandAccounts = "full" | "partial_avatars";

/** The ids a page covers, for the per-group counts (Mastodon's pagination_range); undefined for one group. */
export interface PageRange {
  lo: number;
  hi: number;
}

interface GroupData {
  key: string;
  mostRecentId: number | null;
  latestAt: number | null;
  sample: string;
  n: number;
  minId: number | null;
}

async function loadGroupData(
  db: Db,
  viewerId: number,
  keys: string[],
  range: PageRange | undefined,
): Promise<Map<string, GroupData>> {
  const out = new Map<string, GroupData>();
  if (keys.length === 0) return out;
  const hi = range?.hi ?? Number.MAX_SAFE_INTEGER;
  const lo = range?.lo ?? 0;
  const inGroup = sql`account_id = ${viewerId} AND group_key = g.value`;
  const rows = await db.all<GroupData>(sql`SELECT g.value AS key,
      (SELECT id FROM notifications WHERE ${inGroup} AND id <= ${hi} ORDER BY id DESC LIMIT 1) AS mostRecentId,
      (SELECT created_at FROM notifications WHERE ${inGroup} AND id <= ${hi} ORDER BY id DESC LIMIT 1) AS latestAt,
      (SELECT json_group_array(from_account_id) FROM (SELECT from_account_id FROM notifications
        WHERE ${inGroup} AND id <= ${hi} ORDER BY id DESC LIMIT ${SAMPLE_ACCOUNTS})) AS sample,
      (SELECT count(*) FROM (SELECT 1 FROM notifications WHERE ${inGroup} AND id <= ${hi} LIMIT ${GROUP_COUNT_CAP})) AS n,
      (SELECT id FROM notifications WHERE ${inGroup} AND id >= ${lo} ORDER BY id ASC LIMIT 1) AS minId
    FROM json_each(${JSON.stringify([...new Set(keys)])}) g`);
  for (const r of rows) out.set(r.key, r);
  return out;
}

/** The group key a row shows under, given the types the client lets be grouped. */
export function effectiveKey(row: GroupRow, grouped: ReadonlySet<string>): string {
  return row.groupKey !== null && grouped.has(row.type) ? row.groupKey : `ungrouped-${row.id}`;
}

/**
 * The results entity for groups represented by `rows` (newest first). Groups about a status the
 * viewer can no longer see, or that a `hide` filter matches, are left out.
 */
export async function presentGroups(
  db: Db,
  config: Config,
  viewerId: number,
  rows: GroupRow[],
  options: { grouped: ReadonlySet<string>; range: PageRange | undefined; expand: ExpandAccounts; now: number },
): Promise<MastodonGroupedNotifications> {
  const keys = rows.map((r) => effectiveKey(r, options.grouped));
  const data = await loadGroupData(
    db,
    viewerId,
    keys.filter((k) => !k.startsWith("ungrouped-")),
    options.range,
  );
  const statusIds = rows.flatMap((r) => (STATUS_NOTIFICATION_TYPES.has(r.type) && r.statusId !== null ? [r.statusId] : []));
  const hydrated =
    statusIds.length > 0
      ? await applyViewerFilters(
          db,
          viewerId,
          "notifications",
          await hydrateStatuses(db, config, viewerId, statusIds, { now: options.now }),
        )
      : [];
  const statuses = new Map(hydrated.map((s) => [s.id, s]));
  const reports = await notificationReports(
    db,
    config,
    rows.flatMap((r) => (r.type === "admin.report" && r.reportId ? [r.reportId] : [])),
  );

  const views: GroupView[] = [];
  rows.forEach((row, i) => {
    const key = keys[i] as string;
    if (STATUS_NOTIFICATION_TYPES.has(row.type) && (row.statusId === null || !statuses.has(String(row.statusId)))) return;
    const report = row.type === "admin.report" && row.reportId ? reports.get(row.reportId) : undefined;
    if (row.type === "admin.report" && !report) return;
    const d = data.get(key);
    if (d && d.mostRecentId !== null) {
      const sample = (JSON.parse(d.sample) as number[]).filter((id, at, all) => all.indexOf(id) === at);
      views.push({
        groupKey: key,
        type: row.type,
        count: d.n,
        mostRecentId: d.mostRecentId,
        sampleAccountIds: sample,
        statusId: row.statusId,
        report,
        page: options.range
          ? { minId: d.minId ?? row.id, maxId: d.mostRecentId, latestAt: d.latestAt ?? row.createdAt }
          : undefined,
      });
    } else {
      views.push({
        groupKey: key,
        type: row.type,
        count: 1,
        mostRecentId: row.id,
        sampleAccountIds: [row.fromAccountId],
        statusId: row.statusId,
        report,
        page: options.range ? { minId: row.id, maxId: row.id, latestAt: row.createdAt } : undefined,
      });
    }
  });

  const visible = await loadVisibleAccounts(
    db,
    views.flatMap((v) => v.sampleAccountIds),
  );
  for (const v of views) v.sampleAccountIds = v.sampleAccountIds.filter((id) => visible.has(id));
  const shown = views.filter((v) => v.sampleAccountIds.length > 0);
  const groupStatuses: MastodonStatus[] = [];
  const seenStatus = new Set<string>();
  for (const v of shown) {
    const s = v.statusId === null ? undefined : statuses.get(String(v.statusId));
    if (s && !seenStatus.has(s.id)) {
      seenStatus.add(s.id);
      groupStatuses.push(s);
    }
  }

  const full = new Map<string, MastodonAccount>();
  const partial = new Map<string, MastodonAccount>();
  const render = (id: number): MastodonAccount | undefined => {
    const a = visible.get(id);
    return a ? serializeAccount(config, a.account, { role: a.role }) : undefined;
  };
  for (const v of shown) {
    // With partial avatars only each group's newest account is whole; the rest are avatars.
    const wholeIds = options.expand === "full" ? v.sampleAccountIds : v.sampleAccountIds.slice(0, 1);
    for (const id of wholeIds) {
      const a = full.has(String(id)) ? undefined : render(id);
      if (a) full.set(a.id, a);
    }
    const s = v.statusId === null ? undefined : statuses.get(String(v.statusId));
    if (s && !full.has(s.account.id)) full.set(s.account.id, s.account);
  }
  if (options.expand === "partial_avatars") {
    for (const v of shown) {
      for (const id of v.sampleAccountIds.slice(1)) {
        if (full.has(String(id)) || partial.has(String(id))) continue;
        const a = render(id);
        if (a) partial.set(a.id, a);
      }
    }
  }
  const result: MastodonGroupedNotifications = {
    accounts: [...full.values()],
    statuses: groupStatuses,
    notification_groups: shown.map(serializeNotificationGroup),
  };
  if (options.expand === "partial_avatars") result.partial_accounts = [...partial.values()].map(serializePartialAccount);
  return result;
}
