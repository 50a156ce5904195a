/**
 * Reading notifications (`/api/v1/notifications`). Pages walk the (account_id, id) index and stop
 * after a few batches: notifications from accounts the viewer now blocks, mutes (with notifications
 * hidden) or whose domain the viewer blocks, from suspended accounts, and about statuses the viewer
 * can no longer see are left out when read, without ever reading an unbounded number of rows.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { accounts, type NotificationType } from "../db/schema";
import { type MastodonCollection, serializeCollection } from "../entities/collection";
import {
  COLLECTION_NOTIFICATION_TYPES,
  type MastodonNotification,
  STATUS_NOTIFICATION_TYPES,
  serializeNotification,
} from "../entities/notification";
import type { MastodonStatus } from "../entities/status";
import { ApiError } from "../errors";
import type { PageParams } from "../util/pagination";
import type { VisibleAccount } from "./accounts";
import { collectionViewsByIds } from "./collections";
import { type ActiveFilters, applyFilters, loadActiveFilters, matchFilters } from "./filters";
import { hydrateStatuses } from "./hydrate";
import { reconsiderRequests } from "./notification-requests";
import { loadVisibleAccounts } from "./relationships/common";
import { notificationReports } from "./staff-notifications";

/** What v1 clients may be shown; `admin.*` only to staff. */
const USER_TYPES: readonly NotificationType[] = [
  "mention",
  "status",
  "reblog",
  "follow",
  "follow_request",
  "favourite",
  "poll",
  "update",
  "quote",
  "quoted_update",
  "added_to_collection",
  "collection_update",
];
const STAFF_TYPES: readonly NotificationType[] = [...USER_TYPES, "admin.sign_up", "admin.report"];

/** Batches read per page at most; each batch is one page's worth of rows. */
const MAX_BATCHES = 3;

export interface NotificationViewer {
  accountId: number;
  staff: boolean;
}

export interface NotificationFilter {
  types: string[];
  excludeTypes: string[];
  fromAccountId?: number | undefined;
  /** Include notifications the policy filtered (always so when `fromAccountId` is set, as Mastodon). */
  includeFiltered?: boolean | undefined;
}

export interface NotificationPage {
  items: MastodonNotification[];
  next: number | undefined;
  prev: number | undefined;
}

/** A notification row as the lists read it (the grouped list too). */
export interface NotificationRow {
  id: number;
  type: NotificationType;
  fromAccountId: number;
  statusId: number | null;
  createdAt: number;
  groupKey: string | null;
  /** Set on collection notifications (the grouped list's rows leave it out). */
  collectionId?: number | null;
  /** Set on `admin.report`. */
  reportId?: number | null;
}

export function allowedTypes(viewer: NotificationViewer, filter: NotificationFilter): NotificationType[] {
  const all = viewer.staff ? STAFF_TYPES : USER_TYPES;
  const include = filter.types.length > 0 ? all.filter((t) => filter.types.includes(t)) : [...all];
  return include.filter((t) => !filter.excludeTypes.includes(t));
}

/** Who the viewer no longer wants to hear from: blocked, muted with notifications, or on a blocked domain. */
export function wantedSender(viewerId: number, now: number): SQL {
  return sql`NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${viewerId} AND target_account_id = ${accounts.id})
    AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ${viewerId} AND target_account_id = ${accounts.id}
      AND hide_notifications = 1 AND (expires_at IS NULL OR expires_at > ${now}))
    AND NOT (${accounts.domain} IS NOT NULL AND EXISTS (
      SELECT 1 FROM account_domain_blocks WHERE account_id = ${viewerId} AND domain = ${accounts.domain}))`;
}

/**
 * The viewer's `notifications` filters, loaded at most once per request. Statuses a filter matches
 * carry `filtered`; with `dropHidden`, notifications whose status a `hide` filter matches are left out.
 */
interface NotificationFilters {
  load(): Promise<ActiveFilters>;
  dropHidden: boolean;
}

function notificationFilters(db: Db, viewerId: number, now: number, dropHidden: boolean): NotificationFilters {
  let loaded: Promise<ActiveFilters> | undefined;
  return { load: () => (loaded ??= loadActiveFilters(db, viewerId, "notifications", now)), dropHidden };
}

async function applyNotificationFilters(list: MastodonStatus[], filters: NotificationFilters): Promise<MastodonStatus[]> {
  const active = await filters.load();
  if (filters.dropHidden) return applyFilters(list, active, "notifications");
  return list.map((s) => {
    const filtered = matchFilters(s, active, "notifications");
    return filtered.length === 0 ? s : { ...s, filtered, reblog: s.reblog ? { ...s.reblog, filtered } : null };
  });
}

/** Serializes the rows the viewer may see, in the given order. */
async function present(
  db: Db,
  config: Config,
  viewerId: number,
  rows: NotificationRow[],
  now: number,
  filters: NotificationFilters,
): Promise<MastodonNotification[]> {
  if (rows.length === 0) return [];
  const senders: Map<number, VisibleAccount> = await loadVisibleAccounts(
    db,
    rows.map((r) => r.fromAccountId),
    wantedSender(viewerId, now),
  );
  const withSender = rows.filter((r) => senders.has(r.fromAccountId));
  const statusIds = withSender.flatMap((r) => (STATUS_NOTIFICATION_TYPES.has(r.type) && r.statusId !== null ? [r.statusId] : []));
  const statuses = new Map<string, MastodonStatus>();
  if (statusIds.length > 0) {
    const hydrated = await hydrateStatuses(db, config, viewerId, statusIds, { now });
    const shown = hydrated.length > 0 ? await applyNotificationFilters(hydrated, filters) : hydrated;
    for (const s of shown) statuses.set(s.id, s);
  }
  const collectionIds = withSender.flatMap((r) =>
    COLLECTION_NOTIFICATION_TYPES.has(r.type) && r.collectionId ? [r.collectionId] : [],
  );
  const collectionViews = await collectionViewsByIds(db, collectionIds, viewerId);
  const reports = await notificationReports(
    db,
    config,
    withSender.flatMap((r) => (r.type === "admin.report" && r.reportId ? [r.reportId] : [])),
  );
  return withSender.flatMap((r) => {
    const sender = senders.get(r.fromAccountId);
    if (!sender) return [];
    let status: MastodonStatus | undefined;
    if (STATUS_NOTIFICATION_TYPES.has(r.type)) {
      status = r.statusId === null ? undefined : statuses.get(String(r.statusId));
      if (!status) return [];
    }
    let collection: MastodonCollection | undefined;
    if (COLLECTION_NOTIFICATION_TYPES.has(r.type)) {
      // A deleted collection takes its notifications with it, as a deleted status does.
      const view = r.collectionId ? collectionViews.get(r.collectionId) : undefined;
      if (!view) return [];
      collection = serializeCollection(config, view);
    }
    const report = r.type === "admin.report" && r.reportId ? reports.get(r.reportId) : undefined;
    if (r.type === "admin.report" && !report) return [];
    return [serializeNotification(config, r, sender, status, { collection, report })];
  });
}

const columns = sql`id, type, from_account_id AS fromAccountId, status_id AS statusId, created_at AS createdAt,
  collection_id AS collectionId, report_id AS reportId, group_key AS groupKey`;

/** Mastodon's `browserable`: filtered notifications only on request, or when one sender is asked for. */
export function filteredCondition(filter: NotificationFilter, alias = ""): SQL {
  if (filter.includeFiltered || filter.fromAccountId !== undefined) return sql``;
  return sql`AND ${sql.raw(alias)}filtered = 0`;
}

/** A page of the viewer's notifications, newest first, with the cursors for its Link header. */
export async function listNotifications(
  db: Db,
  config: Config,
  viewer: NotificationViewer,
  filter: NotificationFilter,
  page: PageParams,
  now = Date.now(),
): Promise<NotificationPage> {
  const types = allowedTypes(viewer, filter);
  if (types.length === 0) return { items: [], next: undefined, prev: undefined };
  const ascending = page.minId !== undefined && page.sinceId === undefined;
  // Exclusive bounds; the scan moves one of them as it goes.
  let upper = page.maxId;
  let lower =
    page.minId !== undefined && page.sinceId !== undefined ? Math.max(page.minId, page.sinceId) : (page.minId ?? page.sinceId);
  const fixed = sql`account_id = ${viewer.accountId}
    AND type IN (SELECT value FROM json_each(${JSON.stringify(types)}))
    ${filter.fromAccountId !== undefined ? sql`AND from_account_id = ${filter.fromAccountId}` : sql``}
    ${filteredCondition(filter)}`;

  const found: MastodonNotification[] = [];
  const filters = notificationFilters(db, viewer.accountId, now, true);
  let exhausted = false;
  let lastScanned: number | undefined;
  for (let batch = 0; batch < MAX_BATCHES && found.length < page.limit && !exhausted; batch++) {
    const range = sql`${upper !== undefined ? sql`AND id < ${upper}` : sql``} ${lower !== undefined ? sql`AND id > ${lower}` : sql``}`;
    const rows = await db.all<NotificationRow>(sql`SELECT ${columns} FROM notifications WHERE ${fixed} ${range}
      ORDER BY id ${ascending ? sql`ASC` : sql`DESC`} LIMIT ${page.limit}`);
    exhausted = rows.length < page.limit;
    const last = rows[rows.length - 1];
    if (!last) break;
    lastScanned = last.id;
    if (ascending) lower = last.id;
    else upper = last.id;
    found.push(...(await present(db, config, viewer.accountId, rows, now, filters)));
  }

  const full = found.length >= page.limit;
  const kept = found.slice(0, page.limit);
  const items = ascending ? kept.reverse() : kept;
  const newest = items[0] ? Number(items[0].id) : undefined;
  const oldest = items.length > 0 ? Number(items[items.length - 1]?.id) : undefined;
  // When hidden rows cut a page short, the cursor continues after the last row read, not returned.
  const more = !full && !exhausted ? lastScanned : undefined;
  if (ascending) {
    return { items, next: oldest, prev: full ? newest : (more ?? newest) };
  }
  return { items, next: full ? oldest : more, prev: newest };
}

/** One notification of the viewer's, or 404 (others', unknown, or about something no longer visible). */
export async function getNotification(db: Db, config: Config, viewerId: number, id: number | undefined) {
  if (id === undefined) throw new ApiError(404, "Record not found");
  const rows = await db.all<NotificationRow>(
    sql`SELECT ${columns} FROM notifications WHERE id = ${id} AND account_id = ${viewerId}`,
  );
  const now = Date.now();
  const [shown] = await present(db, config, viewerId, rows, now, notificationFilters(db, viewerId, now, false));
  if (!shown) throw new ApiError(404, "Record not found");
  return shown;
}

export async function dismissNotification(db: Db, viewerId: number, id: number | undefined): Promise<void> {
  if (id === undefined) throw new ApiError(404, "Record not found");
  const deleted = await db.all<{ id: number; fromAccountId: number; filtered: number }>(
    sql`DELETE FROM notifications WHERE id = ${id} AND account_id = ${viewerId}
      RETURNING id, from_account_id AS fromAccountId, filtered`,
  );
  if (deleted.length === 0) throw new ApiError(404, "Record not found");
  // A filtered mention leaving shrinks (or ends) its sender's request, as Mastodon's after_destroy.
  const filteredFrom = deleted.filter((d) => d.filtered === 1).map((d) => d.fromAccountId);
  if (filteredFrom.length > 0) await reconsiderRequests(db, viewerId, filteredFrom);
}

export async function clearNotifications(db: Db, viewerId: number): Promise<void> {
  await db.run(sql`DELETE FROM notifications WHERE account_id = ${viewerId}`);
}

/**
 * Notifications newer than the viewer's notifications marker (all of them without one), counted up
 * to `limit`, as Mastodon's `unread_count`.
 */
export async function unreadCount(
  db: Db,
  viewer: NotificationViewer,
  filter: NotificationFilter,
  limit: number,
  now = Date.now(),
): Promise<number> {
  const types = allowedTypes(viewer, filter);
  if (types.length === 0) return 0;
  const rows = await db.all<{ n: number }>(sql`
    SELECT count(*) AS n FROM (
      SELECT 1 FROM notifications n WHERE ${unreadConditions(viewer.accountId, types, filter, now)}
      LIMIT ${limit})`);
  return rows[0]?.n ?? 0;
}

/**
 * The notifications (alias `n`) of `me` past their notifications marker, of `types`, that the v1
 * and v2 unread counts count: not from accounts `me` blocks or mutes with notifications hidden.
 */
export function unreadConditions(me: number, types: readonly string[], filter: NotificationFilter, now: number): SQL {
  return sql`n.account_id = ${me}
    AND n.id > coalesce((SELECT CAST(last_read_id AS INTEGER) FROM markers
      WHERE account_id = ${me} AND timeline = 'notifications'), 0)
    AND n.type IN (SELECT value FROM json_each(${JSON.stringify(types)}))
    ${filter.fromAccountId !== undefined ? sql`AND n.from_account_id = ${filter.fromAccountId}` : sql``}
    ${filteredCondition(filter, "n.")}
    AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${me} AND target_account_id = n.from_account_id)
    AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ${me} AND target_account_id = n.from_account_id
      AND hide_notifications = 1 AND (expires_at IS NULL OR expires_at > ${now}))`;
}
