/**
 * Staff actions on one account (the staff pages, src/web/admin-accounts.tsx), as Mastodon's
 * Admin::AccountAction for the two that change what others see:
 * - suspend: the account disappears (every read skips suspended accounts, its tokens and sessions
 *   stop working, a local actor answers 410) and its follows and follow requests end both ways;
 *   unsuspend brings the account back, not the follows.
 * - silence (Mastodon's "limit"): out of public timelines and streams, its posts in public become
 *   unlisted, its notifications to people who do not follow it are filtered; unsilence lifts it.
 * Staff may act on anyone below their own role, never on themselves.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { AccountRole } from "../db/schema";
import { batchSql } from "./relationships/common";

export type AccountAction = "suspend" | "unsuspend" | "silence" | "unsilence";

const RANK: Record<AccountRole, number> = { user: 0, moderator: 1, admin: 2, owner: 3 };

export interface ModeratedAccount {
  id: number;
  username: string;
  domain: string | null;
  display_name: string;
  created_at: number;
  suspended_at: number | null;
  silenced_at: number | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
  /** null for remote accounts. */
  role: AccountRole | null;
  email: string | null;
  open_reports: number;
}

/** The account as the staff page shows it, with its local user's role and e-mail. */
export async function moderatedAccount(db: Db, id: number): Promise<ModeratedAccount | undefined> {
  const [row] = await db.all<ModeratedAccount>(sql`
    SELECT a.id, a.username, a.domain, a.display_name, a.created_at, a.suspended_at, a.silenced_at,
      a.statuses_count, a.followers_count, a.following_count, u.role, u.email,
      (SELECT count(*) FROM reports WHERE target_account_id = a.id AND action_taken_at IS NULL) AS open_reports
    FROM accounts a LEFT JOIN users u ON u.account_id = a.id WHERE a.id = ${id}`);
  return row;
}

/**
 * The statements suspending the accounts `inSet` (an `IN (…)` clause) that are not suspended yet,
 * marked with `marker`, and ending their follows and follow requests in both directions (counters
 * follow through the triggers, as when a remote actor deletes itself).
 */
export function suspensionStatements(inSet: SQL, marker: number, now: number): SQL[] {
  return [
    sql`UPDATE accounts SET suspended_at = ${marker}, updated_at = ${now} WHERE id ${inSet} AND suspended_at IS NULL`,
    sql`DELETE FROM follows WHERE account_id ${inSet}`,
    sql`DELETE FROM follows WHERE target_account_id ${inSet}`,
    sql`DELETE FROM follow_requests WHERE account_id ${inSet}`,
    sql`DELETE FROM follow_requests WHERE target_account_id ${inSet}`,
  ];
}

export type ActionResult = { ok: true } | { ok: false; status: 403 | 404; error: string };

/** Applies `action` to `targetId` as `staff`; doing what is already done changes nothing. */
export async function applyAccountAction(
  db: Db,
  staff: { accountId: number; role: AccountRole },
  targetId: number,
  action: AccountAction,
  now = Date.now(),
): Promise<ActionResult> {
  const target = await moderatedAccount(db, targetId);
  if (!target) return { ok: false, status: 404, error: "Record not found" };
  if (target.id === staff.accountId) return { ok: false, status: 403, error: "You cannot moderate your own account" };
  if (target.role !== null && RANK[target.role] >= RANK[staff.role]) {
    return { ok: false, status: 403, error: "You cannot moderate an account whose role is the same as yours or higher" };
  }
  const only = sql`IN (${targetId})`;
  const statements: Record<AccountAction, SQL[]> = {
    suspend: suspensionStatements(only, now, now),
    unsuspend: [sql`UPDATE accounts SET suspended_at = NULL, updated_at = ${now} WHERE id = ${targetId}`],
    silence: [sql`UPDATE accounts SET silenced_at = ${now}, updated_at = ${now} WHERE id = ${targetId} AND silenced_at IS NULL`],
    unsilence: [sql`UPDATE accounts SET silenced_at = NULL, updated_at = ${now} WHERE id = ${targetId}`],
  };
  await batchSql(db, statements[action]);
  return { ok: true };
}
