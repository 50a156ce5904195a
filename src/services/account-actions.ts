/**
 * Staff actions on one account (the staff pages, src/web/admin-accounts.tsx), as Mastodon's
 * Admin::AccountAction for the two that change what others see:
 * - suspend: the account disappears (every read skips suspended accounts; a local user's tokens and
 *   sessions stop working). As Mastodon's SuspendAccountService: a local account stays an actor
 *   marked `suspended`, and its followers' servers get the Update; a remote account's follows of
 *   local accounts end with a Reject (it would otherwise keep receiving their posts), while local
 *   follows of it stay and come back with it. Unsuspend brings the account back (a local one with an
 *   Update), not the follows the suspension ended.
 * - silence (Mastodon's "limit"): out of public timelines and streams, its posts in public become
 *   unlisted, its notifications to people who do not follow it are filtered; unsilence lifts it.
 * Staff may act on anyone below their own role, never on themselves.
 */
import { type SQL, sql } from "drizzle-orm";
import { type Db, envDb } from "../db/client";
import type { AccountRole } from "../db/schema";
import { sendActorUpdate, sendReject } from "../federation/outbound/actions";
import type { OutboundBindings } from "../federation/outbound/statuses";
import { findAccountById } from "./accounts";
import { batchSql } from "./relationships/common";
import { ROLE_RANK } from "./roles";

export type AccountAction = "suspend" | "unsuspend" | "silence" | "unsilence";

export interface ModeratedAccount {
  id: number;
  username: string;
  domain: string | null;
  display_name: string;
  uri: string | null;
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
    SELECT a.id, a.username, a.domain, a.display_name, a.uri, a.created_at, a.suspended_at, a.silenced_at,
      a.statuses_count, a.followers_count, a.following_count, u.role, u.email,
      (SELECT count(*) FROM reports WHERE target_account_id = a.id AND action_taken_at IS NULL) AS open_reports
    FROM accounts a LEFT JOIN users u ON u.account_id = a.id WHERE a.id = ${id}`);
  return row;
}

export type ActionResult = { ok: true } | { ok: false; status: 403 | 404; error: string };

/** Follows (and requests) a remote account has in to local accounts, as a Reject must name them. */
const FOLLOWS_IN = (id: number) => sql`
  SELECT f.id, f.uri, f.target_account_id AS local_id FROM follows f WHERE f.account_id = ${id}
  UNION ALL SELECT r.id, r.uri, r.target_account_id FROM follow_requests r WHERE r.account_id = ${id}`;

/** Applies `action` to `targetId` as `staff`, and federates it; doing what is already done changes nothing. */
export async function applyAccountAction(
  env: OutboundBindings,
  staff: { accountId: number; role: AccountRole },
  targetId: number,
  action: AccountAction,
  now = Date.now(),
): Promise<ActionResult> {
  const db = envDb(env);
  const target = await moderatedAccount(db, targetId);
  if (!target) return { ok: false, status: 404, error: "Record not found" };
  if (target.id === staff.accountId) return { ok: false, status: 403, error: "You cannot moderate your own account" };
  if (target.role !== null && ROLE_RANK[target.role] >= ROLE_RANK[staff.role]) {
    return { ok: false, status: 403, error: "You cannot moderate an account whose role is the same as yours or higher" };
  }
  const remote = target.domain !== null;
  if (action === "suspend" && remote) {
    const ended = await db.all<{ id: number; uri: string | null; local_id: number }>(FOLLOWS_IN(targetId));
    await batchSql(db, [
      // Ours from now on, even if its own server had suspended it first: only staff lift it.
      sql`UPDATE accounts SET suspended_at = coalesce(suspended_at, ${now}), suspension_origin = 'local', updated_at = ${now}
        WHERE id = ${targetId}`,
      sql`DELETE FROM follows WHERE account_id = ${targetId}`,
      sql`DELETE FROM follow_requests WHERE account_id = ${targetId}`,
    ]);
    const actor = { id: targetId, domain: target.domain, username: target.username, uri: target.uri };
    for (const f of ended) await sendReject(env, f.local_id, f.uri, actor);
    return { ok: true };
  }
  const statements: Record<AccountAction, SQL> = {
    suspend: sql`UPDATE accounts SET suspended_at = ${now}, updated_at = ${now} WHERE id = ${targetId} AND suspended_at IS NULL`,
    unsuspend: sql`UPDATE accounts SET suspended_at = NULL, suspension_origin = NULL, updated_at = ${now} WHERE id = ${targetId}`,
    silence: sql`UPDATE accounts SET silenced_at = ${now}, updated_at = ${now} WHERE id = ${targetId} AND silenced_at IS NULL`,
    unsilence: sql`UPDATE accounts SET silenced_at = NULL, updated_at = ${now} WHERE id = ${targetId}`,
  };
  await batchSql(db, [statements[action]]);
  if (!remote && (action === "suspend" || action === "unsuspend")) {
    // The actor document now says whether it is suspended: its followers' servers are told.
    const account = await findAccountById(db, targetId);
    if (account) await sendActorUpdate(env, account);
  }
  return { ok: true };
}
