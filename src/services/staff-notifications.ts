/**
 * Notifications for staff (every moderator, admin and owner: Mastodon's default roles give all of
 * them manage_users and manage_reports):
 * - `admin.sign_up` when someone signs up and can use the account at once (Mastodon's
 *   BootstrapTimelineService#notify_staff!, run when a new user becomes active);
 * - `admin.report` when a report is filed (through the API or by a remote server's Flag), as
 *   ReportService#notify_staff!: not again while an unresolved report about the same account exists.
 *   The notification carries the Report entity, read again when it is shown.
 */
import { eq, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { accounts, type NotificationType, users } from "../db/schema";
import { type Report, reports } from "../db/schema-surface";
import { type MastodonReport, serializeReport } from "../entities/report";
import { notify } from "./notifications";
import { inIds } from "./relationships/common";

/** Staff told about one event at most: a small instance has a handful; this bounds the writes. */
const STAFF_MAX = 100;

/**
 * Best effort, logged: the sign-up or report is already stored, and failing its request (or retrying
 * its Flag) would only make the client or the remote server send it again.
 */
async function notifyStaff(
  db: Db,
  n: { fromAccountId: number; type: NotificationType; reportId?: number },
  now: number,
): Promise<void> {
  try {
    const staff = await db.all<{ id: number }>(sql`
      SELECT u.account_id AS id FROM users u JOIN accounts a ON a.id = u.account_id
      WHERE u.role IN ('moderator', 'admin', 'owner') AND u.disabled = 0 AND a.suspended_at IS NULL
      ORDER BY u.id LIMIT ${STAFF_MAX}`);
    for (const { id } of staff) await notify(db, { recipientId: id, ...n, now });
  } catch (err) {
    console.error(`notifications: staff not told of ${n.type} from account ${n.fromAccountId}`, err);
  }
}

export async function notifyStaffOfSignUp(db: Db, accountId: number, now = Date.now()): Promise<void> {
  await notifyStaff(db, { fromAccountId: accountId, type: "admin.sign_up" }, now);
}

export async function notifyStaffOfReport(
  db: Db,
  report: Pick<Report, "id" | "accountId" | "targetAccountId">,
  now = Date.now(),
): Promise<void> {
  const sibling = await db
    .all<{ id: number }>(sql`
      SELECT id FROM reports WHERE target_account_id = ${report.targetAccountId} AND id <> ${report.id}
        AND action_taken_at IS NULL LIMIT 1`)
    .catch((err: unknown) => {
      console.error(`notifications: report ${report.id} not checked for siblings`, err);
      return [{ id: 0 }];
    });
  if (sibling.length > 0) return;
  await notifyStaff(db, { fromAccountId: report.accountId, type: "admin.report", reportId: report.id }, now);
}

/**
 * The reports of `admin.report` notifications, by id. The target is shown even when suspended since
 * (moderators act on exactly those), unlike accounts in the rest of the API.
 */
export async function notificationReports(db: Db, config: Config, ids: readonly number[]): Promise<Map<number, MastodonReport>> {
  const found = new Map<number, MastodonReport>();
  if (ids.length === 0) return found;
  const rows = await db
    .select()
    .from(reports)
    .where(inIds(sql`${reports.id}`, [...new Set(ids)]));
  if (rows.length === 0) return found;
  const targets = await db
    .select({ account: accounts, role: users.role })
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(inIds(sql`${accounts.id}`, [...new Set(rows.map((r) => r.targetAccountId))]));
  const byId = new Map(targets.map((t) => [t.account.id, { account: t.account, role: t.role ?? undefined }]));
  for (const r of rows) {
    const target = byId.get(r.targetAccountId);
    if (target) found.set(r.id, serializeReport(config, r, target));
  }
  return found;
}
