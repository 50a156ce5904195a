/**
 * What the staff pages under /admin do (src/web/admin.tsx), as Mastodon's moderation does it for
 * reports and sign-ups: reports listed (open or resolved, newest first, bounded), one report with the
 * statuses it names, resolved or reopened; sign-ups waiting for review (REGISTRATIONS_MODE=approval)
 * approved, which tells staff as an open sign-up would, or rejected, which deletes the account that
 * never got in (Mastodon's reject).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { AccountRole } from "../db/schema";
import { batchSql } from "./relationships/common";
import type { ReportRow } from "./report-row";
import { notifyStaffOfSignUp } from "./staff-notifications";

export const STAFF_ROLES: readonly AccountRole[] = ["moderator", "admin", "owner"];
/** Rows per staff list page. */
export const ADMIN_PAGE = 50;
/** Statuses shown with a report (Mastodon's reports name few; this bounds the read). */
const REPORT_STATUSES_SHOWN = 20;

export type { ReportRow };

export function isStaff(role: string): boolean {
  return (STAFF_ROLES as readonly string[]).includes(role);
}

/** A report with its reporter's and target's handles; callers add WHERE and ORDER. */
const REPORT_SELECT = sql`SELECT r.id, r.created_at, a.username AS reporter, a.domain AS reporter_domain,
  t.username AS target, t.domain AS target_domain, t.id AS target_id, r.category, r.status_ids, r.rule_ids,
  r.forwarded, r.action_taken_at, r.comment
  FROM reports r JOIN accounts a ON a.id = r.account_id JOIN accounts t ON t.id = r.target_account_id`;

/** Open reports (or resolved ones), newest first; `before`: a report id to page from. */
export function listReports(db: Db, options: { resolved: boolean; before?: number | undefined }): Promise<ReportRow[]> {
  return db.all<ReportRow>(sql`
    ${REPORT_SELECT}
    WHERE r.action_taken_at IS ${options.resolved ? sql`NOT NULL` : sql`NULL`}
      AND r.id < ${options.before ?? Number.MAX_SAFE_INTEGER}
    ORDER BY r.id DESC LIMIT ${ADMIN_PAGE}`);
}

export interface ReportedStatus {
  id: number;
  text: string;
  content: string;
  visibility: string;
  created_at: number;
  deleted: boolean;
}

export async function getReport(db: Db, id: number): Promise<{ report: ReportRow; statuses: ReportedStatus[] } | undefined> {
  const [report] = await db.all<ReportRow>(sql`
    ${REPORT_SELECT} WHERE r.id = ${id}`);
  if (!report) return undefined;
  const ids = (JSON.parse(report.status_ids) as number[]).slice(0, REPORT_STATUSES_SHOWN);
  const found = await db.all<Omit<ReportedStatus, "deleted">>(sql`
    SELECT id, text, content, visibility, created_at FROM statuses
    WHERE id IN (SELECT value FROM json_each(${JSON.stringify(ids)})) AND account_id = ${report.target_id}`);
  const byId = new Map(found.map((s) => [s.id, s]));
  // A reported status deleted since is still listed: moderators see that it was there.
  const statuses = ids.map((sid) =>
    byId.has(sid) ? { ...(byId.get(sid) as Omit<ReportedStatus, "deleted">), deleted: false } : deletedStatus(sid),
  );
  return { report, statuses };
}

function deletedStatus(id: number): ReportedStatus {
  return { id, text: "", content: "", visibility: "", created_at: 0, deleted: true };
}

/** Resolves (or reopens) a report; false when there is no such report. */
export async function setReportResolved(db: Db, id: number, resolved: boolean, now = Date.now()): Promise<boolean> {
  const changed = await db.all<{ id: number }>(sql`
    UPDATE reports SET action_taken_at = ${resolved ? sql`coalesce(action_taken_at, ${now})` : sql`NULL`}, updated_at = ${now}
    WHERE id = ${id} RETURNING id`);
  return changed.length > 0;
}

export interface PendingAccount {
  account_id: number;
  username: string;
  email: string;
  reason: string | null;
  created_at: number;
}

/** Sign-ups waiting for review, oldest first (the queue order), bounded. */
export function pendingAccounts(db: Db): Promise<PendingAccount[]> {
  return db.all<PendingAccount>(sql`
    SELECT u.account_id, a.username, u.email, u.reason, u.created_at FROM users u JOIN accounts a ON a.id = u.account_id
    WHERE u.approved = 0 AND a.suspended_at IS NULL ORDER BY u.id LIMIT ${ADMIN_PAGE}`);
}

/** Approves a waiting sign-up and tells staff (`admin.sign_up`); false when none is waiting for that account. */
export async function approveSignUp(db: Db, accountId: number, now = Date.now()): Promise<boolean> {
  const approved = await db.all<{ id: number }>(sql`
    UPDATE users SET approved = 1, updated_at = ${now} WHERE account_id = ${accountId} AND approved = 0 RETURNING id`);
  if (approved.length === 0) return false;
  await notifyStaffOfSignUp(db, accountId, now);
  return true;
}

/**
 * Rejects a waiting sign-up: the account, its user, and the sessions and tokens it may hold (the API
 * hands a token out at sign-up, unusable until approval) are deleted. Nothing else exists for an
 * account that could never sign in. False when none is waiting for that account.
 */
export async function rejectSignUp(db: Db, accountId: number): Promise<boolean> {
  const [user] = await db.all<{ id: number }>(sql`SELECT id FROM users WHERE account_id = ${accountId} AND approved = 0`);
  if (!user) return false;
  // Approved in the meantime: nothing goes (and the account's delete needs its user gone first).
  const still = sql`EXISTS (SELECT 1 FROM users WHERE id = ${user.id} AND approved = 0)`;
  const results = await batchSql(db, [
    sql`DELETE FROM oauth_access_tokens WHERE user_id = ${user.id} AND ${still}`,
    sql`DELETE FROM oauth_access_grants WHERE user_id = ${user.id} AND ${still}`,
    sql`DELETE FROM web_sessions WHERE user_id = ${user.id} AND ${still}`,
    sql`DELETE FROM idempotency_keys WHERE user_id = ${user.id} AND ${still}`,
    sql`DELETE FROM users WHERE id = ${user.id} AND approved = 0 RETURNING id`,
    sql`DELETE FROM accounts WHERE id = ${accountId} AND domain IS NULL
      AND NOT EXISTS (SELECT 1 FROM users WHERE account_id = ${accountId})`,
  ]);
  return (results[4]?.length ?? 0) > 0;
}
