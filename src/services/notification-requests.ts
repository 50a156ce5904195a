/**
 * Notification requests (Mastodon 4.3+): one per (recipient, sender) holding that sender's filtered
 * mentions. Accepting lets the sender through from then on (notification_permissions) and moves
 * every filtered notification of theirs into the normal list at once (Mastodon does it in a job and
 * reports `merged` later; here it is done when the request answers). Dismissing deletes the
 * request and the sender's filtered notifications.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { NotificationRequestRow } from "../db/schema-notification-policy";
import { type MastodonNotificationRequest, serializeNotificationRequest } from "../entities/notification-request";
import { ApiError } from "../errors";
import { newId } from "../ids";
import type { PageParams } from "../util/pagination";
import { hydrateStatuses } from "./hydrate";
import { batchSql, finishRowPage, loadVisibleAccounts, notExcludedFor, type RowPage, rowIdRange } from "./relationships/common";

/** Mastodon's NotificationRequest::MAX_MEANINGFUL_COUNT. */
const COUNT_CAP = 100;
/** Ids one bulk accept/dismiss acts on at most. */
export const BULK_MAX = 100;
/** Filtered notifications deleted per statement when a request is dismissed; a few rounds at most. */
const DELETE_CHUNK = 500;
const DELETE_ROUNDS = 10;

const countFiltered = (recipientId: number, fromId: number) => sql`(SELECT count(*) FROM (
  SELECT 1 FROM notifications WHERE account_id = ${recipientId} AND from_account_id = ${fromId}
    AND filtered = 1 AND type = 'mention' LIMIT ${COUNT_CAP}))`;

/** A filtered mention was stored: create or refresh the sender's request (Mastodon's update_notification_request!). */
export async function recordFilteredMention(
  db: Db,
  recipientId: number,
  fromId: number,
  statusId: number,
  now: number,
): Promise<void> {
  await db.run(sql`INSERT INTO notification_requests
      (id, account_id, from_account_id, last_status_id, notifications_count, created_at, updated_at)
    VALUES (${newId(now)}, ${recipientId}, ${fromId}, ${statusId}, ${countFiltered(recipientId, fromId)}, ${now}, ${now})
    ON CONFLICT (account_id, from_account_id) DO UPDATE SET last_status_id = excluded.last_status_id,
      notifications_count = excluded.notifications_count, updated_at = excluded.updated_at`);
}

/** After filtered notifications went away: recount the request, and delete it once it holds none. */
export async function reconsiderRequests(db: Db, recipientId: number, fromIds: readonly number[]): Promise<void> {
  const statements = [...new Set(fromIds)].flatMap((fromId) => [
    sql`UPDATE notification_requests SET notifications_count = ${countFiltered(recipientId, fromId)}
      WHERE account_id = ${recipientId} AND from_account_id = ${fromId}`,
    sql`DELETE FROM notification_requests WHERE account_id = ${recipientId} AND from_account_id = ${fromId}
      AND notifications_count = 0`,
  ]);
  await batchSql(db, statements);
}

type RequestRow = Pick<
  NotificationRequestRow,
  "id" | "fromAccountId" | "lastStatusId" | "notificationsCount" | "createdAt" | "updatedAt"
>;

const columns = sql`id, from_account_id AS fromAccountId, last_status_id AS lastStatusId,
  notifications_count AS notificationsCount, created_at AS createdAt, updated_at AS updatedAt`;

/**
 * Rows → entities. Requests from accounts no longer visible (suspended) or that the viewer has since
 * blocked, muted or domain-blocked are left out (those relationships remove the notifications, not
 * the request). One hydration.
 */
async function present(db: Db, config: Config, viewerId: number, rows: RequestRow[]): Promise<MastodonNotificationRequest[]> {
  if (rows.length === 0) return [];
  const senders = await loadVisibleAccounts(
    db,
    rows.map((r) => r.fromAccountId),
    notExcludedFor("accounts", viewerId, Date.now()),
  );
  const statusIds = rows.flatMap((r) => (r.lastStatusId !== null && senders.has(r.fromAccountId) ? [r.lastStatusId] : []));
  const statuses = statusIds.length > 0 ? await hydrateStatuses(db, config, viewerId, statusIds) : [];
  const byId = new Map(statuses.map((s) => [s.id, s]));
  return rows.flatMap((r) => {
    const sender = senders.get(r.fromAccountId);
    if (!sender) return [];
    return [
      serializeNotificationRequest(config, r, sender, r.lastStatusId === null ? undefined : byId.get(String(r.lastStatusId))),
    ];
  });
}

export async function listRequests(
  db: Db,
  config: Config,
  viewerId: number,
  page: PageParams,
): Promise<RowPage<MastodonNotificationRequest>> {
  const range = rowIdRange("id", page);
  const rows = await db.all<RequestRow>(sql`SELECT ${columns} FROM notification_requests
    WHERE account_id = ${viewerId} AND ${range.where} ORDER BY ${range.order} LIMIT ${page.limit}`);
  // Cursors come from the rows read, so a suspended sender's request does not end the list early.
  const read = finishRowPage(
    rows.map((row) => ({ ...row, rowId: row.id })),
    page,
    range.ascending,
  );
  return { ...read, items: await present(db, config, viewerId, read.items) };
}

async function findRequest(db: Db, viewerId: number, id: number | undefined): Promise<RequestRow> {
  if (id === undefined) throw new ApiError(404, "Record not found");
  const [row] = await db.all<RequestRow>(
    sql`SELECT ${columns} FROM notification_requests WHERE id = ${id} AND account_id = ${viewerId}`,
  );
  if (!row) throw new ApiError(404, "Record not found");
  return row;
}

export async function getRequest(
  db: Db,
  config: Config,
  viewerId: number,
  id: number | undefined,
): Promise<MastodonNotificationRequest> {
  const row = await findRequest(db, viewerId, id);
  const [shown] = await present(db, config, viewerId, [row]);
  if (!shown) throw new ApiError(404, "Record not found");
  return shown;
}

function acceptStatements(viewerId: number, fromId: number, now: number) {
  return [
    sql`INSERT OR IGNORE INTO notification_permissions (account_id, from_account_id, created_at)
      VALUES (${viewerId}, ${fromId}, ${now})`,
    sql`UPDATE notifications SET filtered = 0 WHERE account_id = ${viewerId} AND from_account_id = ${fromId} AND filtered = 1`,
    sql`DELETE FROM notification_requests WHERE account_id = ${viewerId} AND from_account_id = ${fromId}`,
  ];
}

async function deleteFiltered(db: Db, viewerId: number, fromIds: readonly number[]): Promise<void> {
  for (const fromId of fromIds) {
    for (let round = 0; round < DELETE_ROUNDS; round++) {
      const deleted = await db.all<{ id: number }>(sql`DELETE FROM notifications WHERE id IN (
        SELECT id FROM notifications WHERE account_id = ${viewerId} AND from_account_id = ${fromId} AND filtered = 1
        LIMIT ${DELETE_CHUNK}) RETURNING id`);
      if (deleted.length < DELETE_CHUNK) break;
    }
  }
}

export async function acceptRequest(db: Db, viewerId: number, id: number | undefined, now = Date.now()): Promise<void> {
  const row = await findRequest(db, viewerId, id);
  await batchSql(db, acceptStatements(viewerId, row.fromAccountId, now));
}

export async function dismissRequest(db: Db, viewerId: number, id: number | undefined): Promise<void> {
  const row = await findRequest(db, viewerId, id);
  await db.run(sql`DELETE FROM notification_requests WHERE id = ${row.id}`);
  await deleteFiltered(db, viewerId, [row.fromAccountId]);
}

/** The viewer's requests among `ids` (unknown and others' ids are ignored, as Mastodon's `where(id:)`). */
async function requestsAmong(db: Db, viewerId: number, ids: readonly number[]): Promise<RequestRow[]> {
  if (ids.length === 0) return [];
  return db.all<RequestRow>(sql`SELECT ${columns} FROM notification_requests
    WHERE account_id = ${viewerId} AND id IN (SELECT value FROM json_each(${JSON.stringify(ids.slice(0, BULK_MAX))}))`);
}

export async function acceptRequests(db: Db, viewerId: number, ids: readonly number[], now = Date.now()): Promise<void> {
  const rows = await requestsAmong(db, viewerId, ids);
  await batchSql(
    db,
    rows.flatMap((r) => acceptStatements(viewerId, r.fromAccountId, now)),
  );
}

export async function dismissRequests(db: Db, viewerId: number, ids: readonly number[]): Promise<void> {
  const rows = await requestsAmong(db, viewerId, ids);
  if (rows.length === 0) return;
  await db.run(sql`DELETE FROM notification_requests WHERE account_id = ${viewerId}
    AND id IN (SELECT value FROM json_each(${JSON.stringify(rows.map((r) => r.id))}))`);
  await deleteFiltered(
    db,
    viewerId,
    rows.map((r) => r.fromAccountId),
  );
}
