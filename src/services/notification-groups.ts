/**
 * Grouped notifications (`/api/v2/notifications`, Mastodon's Notification::Groups#paginate_groups):
 * a page is the first `limit` distinct groups met walking the viewer's notifications by id, each
 * represented by its newest notification in the walk. The walk reads the (account_id, id) index in
 * batches and stops after a bounded number of rows; a page cut short by that budget continues, through
 * its `next` link, after the last row read.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type MastodonAccount, serializeAccount } from "../entities/account";
import { COLLECTION_NOTIFICATION_TYPES } from "../entities/notification";
import type { MastodonGroupedNotifications } from "../entities/notification-group";
import { ApiError } from "../errors";
import type { PageParams } from "../util/pagination";
import { GROUPABLE_TYPES } from "./notification-group-key";
import {
  type ExpandAccounts,
  effectiveKey,
  type GroupRow,
  groupRowColumns,
  type PageRange,
  presentGroups,
} from "./notification-group-present";
import {
  allowedTypes as allowedV1Types,
  filteredCondition,
  type NotificationFilter,
  type NotificationViewer,
  unreadConditions,
  wantedSender,
} from "./notification-list";
import { reconsiderRequests } from "./notification-requests";
import { loadVisibleAccounts } from "./relationships/common";

/** Mastodon's NotificationGroupTypeEnum has no collection types: those are v1-only notifications. */
function allowedTypes(viewer: NotificationViewer, filter: NotificationFilter) {
  return allowedV1Types(viewer, filter).filter((t) => !COLLECTION_NOTIFICATION_TYPES.has(t));
}

/** Rows read per batch at least, and batches per page at most. */
const MIN_BATCH = 40;
const MAX_BATCHES = 5;
/** Rows `unread_count` looks at, at most. */
const UNREAD_SCAN_MAX = 2000;

export interface GroupOptions {
  /** `grouped_types[]`; empty means every groupable type, as Mastodon's `presence`. */
  groupedTypes: string[];
  expand: ExpandAccounts;
}

export function groupedSet(groupedTypes: readonly string[]): ReadonlySet<string> {
  const chosen = groupedTypes.filter((t) => (GROUPABLE_TYPES as readonly string[]).includes(t));
  return new Set(groupedTypes.length > 0 ? chosen : GROUPABLE_TYPES);
}

export function readExpandAccounts(raw: string | undefined): ExpandAccounts {
  if (raw === undefined || raw === "full") return "full";
  if (raw === "partial_avatars") return "partial_avatars";
  throw new ApiError(400, `Invalid value for 'expand_accounts': '${raw}', allowed values are 'full' and 'partial_avatars'`);
}

export interface GroupPage {
  body: MastodonGroupedNotifications;
  next: number | undefined;
  prev: number | undefined;
}

function baseCondition(viewer: NotificationViewer, filter: NotificationFilter, types: string[]): SQL {
  return sql`account_id = ${viewer.accountId}
    AND type IN (SELECT value FROM json_each(${JSON.stringify(types)}))
    ${filter.fromAccountId !== undefined ? sql`AND from_account_id = ${filter.fromAccountId}` : sql``}
    ${filteredCondition(filter)}`;
}

export async function listNotificationGroups(
  db: Db,
  config: Config,
  viewer: NotificationViewer,
  filter: NotificationFilter,
  page: PageParams,
  options: GroupOptions,
  now = Date.now(),
): Promise<GroupPage> {
  const empty: GroupPage = { body: { accounts: [], statuses: [], notification_groups: [] }, next: undefined, prev: undefined };
  const types = allowedTypes(viewer, filter);
  if (types.length === 0) return empty;
  const grouped = groupedSet(options.groupedTypes);
  // Mastodon: min_id pages forward (with max_id as a ceiling); otherwise max_id/since_id backward.
  const ascending = page.minId !== undefined;
  let upper = page.maxId;
  let lower = ascending ? page.minId : page.sinceId;
  const fixed = baseCondition(viewer, filter, types);
  const batchSize = Math.max(page.limit, MIN_BATCH);

  const reps: GroupRow[] = [];
  const seen = new Set<string>();
  const senders = new Map<number, boolean>();
  let exhausted = false;
  let lastScanned: number | undefined;
  for (let batch = 0; batch < MAX_BATCHES && reps.length < page.limit && !exhausted; batch++) {
    const range = sql`${upper !== undefined ? sql`AND id < ${upper}` : sql``} ${lower !== undefined ? sql`AND id > ${lower}` : sql``}`;
    const rows = await db.all<GroupRow>(sql`SELECT ${groupRowColumns} FROM notifications WHERE ${fixed} ${range}
      ORDER BY id ${ascending ? sql`ASC` : sql`DESC`} LIMIT ${batchSize}`);
    exhausted = rows.length < batchSize;
    const unknown = [...new Set(rows.map((r) => r.fromAccountId))].filter((id) => !senders.has(id));
    if (unknown.length > 0) {
      const wanted = await loadVisibleAccounts(db, unknown, wantedSender(viewer.accountId, now));
      for (const id of unknown) senders.set(id, wanted.has(id));
    }
    for (const row of rows) {
      lastScanned = row.id;
      if (!senders.get(row.fromAccountId)) continue;
      const key = effectiveKey(row, grouped);
      if (seen.has(key)) continue;
      seen.add(key);
      reps.push(row);
      if (reps.length >= page.limit) break;
    }
    if (lastScanned === undefined) break;
    if (ascending) lower = lastScanned;
    else upper = lastScanned;
  }

  if (reps.length === 0) {
    // Hidden rows only: keep the cursor moving past them rather than ending the list.
    return exhausted || lastScanned === undefined ? empty : { ...empty, next: ascending ? undefined : lastScanned };
  }
  const newestFirst = ascending ? [...reps].reverse() : reps;
  const newest = (newestFirst[0] as GroupRow).id;
  const oldest = (newestFirst[newestFirst.length - 1] as GroupRow).id;
  const full = reps.length >= page.limit;
  let range: PageRange;
  if (full) range = { lo: oldest, hi: newest };
  else if (exhausted) {
    range = ascending
      ? { lo: oldest, hi: page.maxId !== undefined ? page.maxId - 1 : Number.MAX_SAFE_INTEGER }
      : { lo: page.sinceId !== undefined ? page.sinceId + 1 : 0, hi: newest };
  } else {
    range = ascending ? { lo: oldest, hi: lastScanned ?? newest } : { lo: lastScanned ?? oldest, hi: newest };
  }
  const body = await presentGroups(db, config, viewer.accountId, newestFirst, {
    grouped,
    range,
    expand: options.expand,
    now,
  });
  let next: number | undefined;
  if (full) next = oldest;
  else if (!exhausted) next = ascending ? oldest : lastScanned;
  return { body, next, prev: newest };
}

/** Groups with notifications newer than the notifications marker, counted up to `limit`. */
export async function unreadGroupCount(
  db: Db,
  viewer: NotificationViewer,
  filter: NotificationFilter,
  groupedTypes: string[],
  limit: number,
  now = Date.now(),
): Promise<number> {
  const types = allowedTypes(viewer, filter);
  if (types.length === 0) return 0;
  const grouped = [...groupedSet(groupedTypes)];
  const rows = await db.all<{ n: number }>(sql`
    SELECT count(DISTINCT k) AS n FROM (
      SELECT CASE WHEN n.group_key IS NOT NULL AND n.type IN (SELECT value FROM json_each(${JSON.stringify(grouped)}))
        THEN n.group_key ELSE 'ungrouped-' || n.id END AS k
      FROM notifications n
      WHERE ${unreadConditions(viewer.accountId, types, filter, now)}
      ORDER BY n.id ASC LIMIT ${UNREAD_SCAN_MAX})`);
  return Math.min(rows[0]?.n ?? 0, limit);
}

/** `ungrouped-<id>` names one notification; anything else a stored group key. */
function byGroupKey(viewerId: number, key: string): SQL {
  if (key.startsWith("ungrouped-")) {
    const id = Number(key.slice("ungrouped-".length));
    return sql`account_id = ${viewerId} AND id = ${Number.isSafeInteger(id) ? id : -1}`;
  }
  return sql`account_id = ${viewerId} AND group_key = ${key}`;
}

/** One group (`GET /api/v2/notifications/:group_key`), counted over the whole group; 404 when none. */
export async function getNotificationGroup(
  db: Db,
  config: Config,
  viewerId: number,
  key: string,
  now = Date.now(),
): Promise<MastodonGroupedNotifications> {
  const rows = await db.all<GroupRow>(sql`SELECT ${groupRowColumns} FROM notifications n
    WHERE ${byGroupKey(viewerId, key)}
      AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = n.from_account_id AND a.suspended_at IS NULL)
    ORDER BY id DESC LIMIT 1`);
  if (rows.length === 0) throw new ApiError(404, "Record not found");
  const body = await presentGroups(db, config, viewerId, rows, {
    grouped: groupedSet([]),
    range: undefined,
    expand: "full",
    now,
  });
  if (body.notification_groups.length === 0) throw new ApiError(404, "Record not found");
  return body;
}

/** Deletes the group's notifications (none is fine, as Mastodon's destroy_all). */
export async function dismissNotificationGroup(db: Db, viewerId: number, key: string): Promise<void> {
  const deleted = await db.all<{ fromAccountId: number; filtered: number }>(sql`DELETE FROM notifications
    WHERE ${byGroupKey(viewerId, key)} RETURNING from_account_id AS fromAccountId, filtered`);
  const filteredFrom = deleted.filter((d) => d.filtered === 1).map((d) => d.fromAccountId);
  if (filteredFrom.length > 0) await reconsiderRequests(db, viewerId, filteredFrom);
}

export interface AccountsPage {
  items: MastodonAccount[];
  next: number | undefined;
  prev: number | undefined;
}

/** Who is behind a group's notifications, newest first, paged by notification id. */
export async function notificationGroupAccounts(
  db: Db,
  config: Config,
  viewerId: number,
  key: string,
  page: PageParams,
): Promise<AccountsPage> {
  const range = sql`${page.maxId !== undefined ? sql`AND id < ${page.maxId}` : sql``}
    ${page.sinceId !== undefined ? sql`AND id > ${page.sinceId}` : sql``}`;
  const rows = await db.all<{ id: number; fromAccountId: number }>(sql`SELECT id, from_account_id AS fromAccountId
    FROM notifications WHERE account_id = ${viewerId} AND group_key = ${key} ${range} ORDER BY id DESC LIMIT ${page.limit}`);
  const accounts = await loadVisibleAccounts(
    db,
    rows.map((r) => r.fromAccountId),
  );
  const items = rows.flatMap((r) => {
    const a = accounts.get(r.fromAccountId);
    return a ? [serializeAccount(config, a.account, { role: a.role })] : [];
  });
  return {
    items,
    next: rows.length === page.limit ? rows[rows.length - 1]?.id : undefined,
    prev: rows[0]?.id,
  };
}
