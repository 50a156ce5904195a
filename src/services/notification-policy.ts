/**
 * The notification policy (Mastodon 4.3+, NotifyService's DropCondition/FilterCondition): before a
 * notification is stored, the recipient's policy says whether to accept it, store it as filtered
 * (out of lists, streams and pushes; mentions gather in a notification request) or drop it.
 * Only Mastodon's filterable types are subject to it; staff mentions and senders whose request the
 * recipient accepted (notification_permissions) always pass.
 */

import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { AccountRole, NotificationType } from "../db/schema";
import type { PolicyAction } from "../db/schema-notification-policy";
import { ApiError } from "../errors";
import type { Params } from "../util/params";
import { ROLE_RANK } from "./roles";

export const POLICY_ACTIONS: readonly PolicyAction[] = ["accept", "filter", "drop"];

export interface NotificationPolicy {
  forNotFollowing: PolicyAction;
  forNotFollowers: PolicyAction;
  forNewAccounts: PolicyAction;
  forPrivateMentions: PolicyAction;
  forLimitedAccounts: PolicyAction;
}

/** Mastodon's defaults: private mentions from strangers and limited accounts are filtered. */
export const DEFAULT_POLICY: Readonly<NotificationPolicy> = {
  forNotFollowing: "accept",
  forNotFollowers: "accept",
  forNewAccounts: "accept",
  forPrivateMentions: "filter",
  forLimitedAccounts: "filter",
};

/** Mastodon's `Notification::PROPERTIES[type][:filterable]`. */
const FILTERABLE_TYPES: ReadonlySet<NotificationType> = new Set<NotificationType>([
  "mention",
  "reblog",
  "follow",
  "follow_request",
  "favourite",
  "added_to_collection",
]);

const NEW_ACCOUNT_MS = 30 * 24 * 3600_000;
const NEW_FOLLOWER_MS = 3 * 24 * 3600_000;
/** How far up a thread a reply is checked for a private mention by the recipient (Mastodon's depth_limit). */
const THREAD_DEPTH_LIMIT = 100;
/** Mastodon's NotificationPolicy::MAX_MEANINGFUL_COUNT. */
const SUMMARY_CAP = 100;

const COLUMNS: Record<keyof NotificationPolicy, string> = {
  forNotFollowing: "for_not_following",
  forNotFollowers: "for_not_followers",
  forNewAccounts: "for_new_accounts",
  forPrivateMentions: "for_private_mentions",
  forLimitedAccounts: "for_limited_accounts",
};

export async function loadPolicy(db: Db, accountId: number): Promise<NotificationPolicy> {
  const rows = await db.all<NotificationPolicy>(sql`SELECT for_not_following AS forNotFollowing,
    for_not_followers AS forNotFollowers, for_new_accounts AS forNewAccounts,
    for_private_mentions AS forPrivateMentions, for_limited_accounts AS forLimitedAccounts
    FROM notification_policies WHERE account_id = ${accountId}`);
  return rows[0] ?? { ...DEFAULT_POLICY };
}

export interface PolicySummary {
  pendingRequests: number;
  pendingNotifications: number;
}

/** Pending requests (at most 100 read) and the filtered mentions they hold. */
export async function policySummary(db: Db, accountId: number): Promise<PolicySummary> {
  const rows = await db.all<{ n: number; total: number }>(sql`
    SELECT count(*) AS n, coalesce(sum(notifications_count), 0) AS total FROM (
      SELECT r.notifications_count FROM notification_requests r JOIN accounts a ON a.id = r.from_account_id
      WHERE r.account_id = ${accountId} AND a.suspended_at IS NULL LIMIT ${SUMMARY_CAP})`);
  return { pendingRequests: rows[0]?.n ?? 0, pendingNotifications: rows[0]?.total ?? 0 };
}

/** Reads the v2 (`for_*`: accept|filter|drop) fields present in `params`; Rails' enum wording on bad values. */
export function readPolicyV2(params: Params): Partial<NotificationPolicy> {
  const changes: Partial<NotificationPolicy> = {};
  for (const [key, column] of Object.entries(COLUMNS) as Array<[keyof NotificationPolicy, string]>) {
    const raw = params.string(column);
    if (raw === undefined) continue;
    if (!(POLICY_ACTIONS as readonly string[]).includes(raw)) {
      // Mastodon raises Rails' enum ArgumentError here (a 500 there); we answer it as the 422 it is.
      throw new ApiError(422, `'${raw}' is not a valid ${column}`);
    }
    changes[key] = raw as PolicyAction;
  }
  return changes;
}

const V1_FIELDS: Array<[string, keyof NotificationPolicy]> = [
  ["filter_not_following", "forNotFollowing"],
  ["filter_not_followers", "forNotFollowers"],
  ["filter_new_accounts", "forNewAccounts"],
  ["filter_private_mentions", "forPrivateMentions"],
];

/** The v1 booleans: true is `filter`, false `accept` (Mastodon's compat setters). */
export function readPolicyV1(params: Params): Partial<NotificationPolicy> {
  const changes: Partial<NotificationPolicy> = {};
  for (const [field, key] of V1_FIELDS) {
    if (!params.has(field)) continue;
    changes[key] = params.bool(field) ? "filter" : "accept";
  }
  return changes;
}

export async function updatePolicy(
  db: Db,
  accountId: number,
  changes: Partial<NotificationPolicy>,
  now = Date.now(),
): Promise<NotificationPolicy> {
  const next = { ...(await loadPolicy(db, accountId)), ...changes };
  await db.run(sql`INSERT INTO notification_policies (account_id, for_not_following, for_not_followers,
      for_new_accounts, for_private_mentions, for_limited_accounts, created_at, updated_at)
    VALUES (${accountId}, ${next.forNotFollowing}, ${next.forNotFollowers}, ${next.forNewAccounts},
      ${next.forPrivateMentions}, ${next.forLimitedAccounts}, ${now}, ${now})
    ON CONFLICT (account_id) DO UPDATE SET for_not_following = excluded.for_not_following,
      for_not_followers = excluded.for_not_followers, for_new_accounts = excluded.for_new_accounts,
      for_private_mentions = excluded.for_private_mentions, for_limited_accounts = excluded.for_limited_accounts,
      updated_at = excluded.updated_at`);
  return next;
}

export interface PolicyInput {
  recipientId: number;
  fromAccountId: number;
  type: NotificationType;
  statusId?: number | null | undefined;
}

interface Facts extends NotificationPolicy {
  recipientRole: AccountRole | null;
  senderRole: AccountRole | null;
  senderLocal: number;
  silenced: number;
  senderCreatedAt: number;
  following: number;
  followedAt: number | null;
  permitted: number;
  visibility: string | null;
  inReplyToId: number | null;
}

/**
 * accept, filter or drop, as Mastodon's NotifyService decides after its block and mute checks
 * (which `notify()` applies in its insert). One read for the facts; a bounded thread walk only for
 * a private mention from a stranger when the policy cares about those.
 */
export async function policyDecision(db: Db, n: PolicyInput, now: number): Promise<PolicyAction> {
  if (!FILTERABLE_TYPES.has(n.type)) return "accept";
  const r = n.recipientId;
  const s = n.fromAccountId;
  const statusId = n.statusId ?? null;
  const [f] = await db.all<Facts>(sql`
    SELECT coalesce(p.for_not_following, 'accept') AS forNotFollowing,
      coalesce(p.for_not_followers, 'accept') AS forNotFollowers,
      coalesce(p.for_new_accounts, 'accept') AS forNewAccounts,
      coalesce(p.for_private_mentions, 'filter') AS forPrivateMentions,
      coalesce(p.for_limited_accounts, 'filter') AS forLimitedAccounts,
      (SELECT role FROM users WHERE account_id = ${r}) AS recipientRole,
      (SELECT role FROM users WHERE account_id = ${s}) AS senderRole,
      a.domain IS NULL AS senderLocal,
      a.silenced_at IS NOT NULL AS silenced,
      a.created_at AS senderCreatedAt,
      EXISTS (SELECT 1 FROM follows WHERE account_id = ${r} AND target_account_id = ${s}) AS following,
      (SELECT created_at FROM follows WHERE account_id = ${s} AND target_account_id = ${r}) AS followedAt,
      EXISTS (SELECT 1 FROM notification_permissions WHERE account_id = ${r} AND from_account_id = ${s}) AS permitted,
      (SELECT visibility FROM statuses WHERE id = ${statusId}) AS visibility,
      (SELECT in_reply_to_id FROM statuses WHERE id = ${statusId}) AS inReplyToId
    FROM accounts a LEFT JOIN notification_policies p ON p.account_id = ${r}
    WHERE a.id = ${s}`);
  // Not a local recipient (notify() stores nothing then) or an unknown sender: nothing to decide.
  if (!f || f.recipientRole === null) return "accept";
  if (f.permitted) return "accept";
  const message = n.type === "mention";
  const fromStaff =
    f.senderLocal === 1 &&
    f.senderRole !== null &&
    ROLE_RANK[f.senderRole] > 0 &&
    ROLE_RANK[f.senderRole] > ROLE_RANK[f.recipientRole];
  if (message && fromStaff) return "accept";

  const notFollowing = !f.following;
  const notFollower = f.followedAt === null || f.followedAt > now - NEW_FOLLOWER_MS;
  const newAccount = f.senderCreatedAt > now - NEW_ACCOUNT_MS;
  const limited = f.silenced === 1 && notFollowing;
  let privateMention: boolean | undefined;
  const isPrivateMention = async (): Promise<boolean> => {
    if (privateMention === undefined) {
      privateMention =
        message && f.visibility === "direct" && !(f.inReplyToId !== null && (await respondsToRecipient(db, f.inReplyToId, r, s)));
    }
    return privateMention;
  };

  const covered = async (action: PolicyAction): Promise<boolean> =>
    (f.forLimitedAccounts === action && limited) ||
    (f.forNotFollowing === action && notFollowing) ||
    (f.forNotFollowers === action && notFollower) ||
    (f.forNewAccounts === action && newAccount && notFollowing) ||
    (f.forPrivateMentions === action && notFollowing && (await isPrivateMention()));

  if (await covered("drop")) return "drop";
  if (await covered("filter")) return "filter";
  return "accept";
}

/**
 * Whether the recipient privately mentioned the sender up the thread of the status being replied to
 * (a reply in a conversation the recipient started is never a stranger's private mention).
 */
async function respondsToRecipient(db: Db, inReplyToId: number, recipientId: number, senderId: number): Promise<boolean> {
  const rows = await db.all<{ id: number }>(sql`
    WITH RECURSIVE ancestors(id, parent, depth) AS (
      SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = ${inReplyToId}
      UNION ALL
      SELECT s.id, s.in_reply_to_id, ancestors.depth + 1 FROM ancestors JOIN statuses s ON s.id = ancestors.parent
      WHERE ancestors.depth < ${THREAD_DEPTH_LIMIT}
    )
    SELECT s.id FROM ancestors JOIN statuses s ON s.id = ancestors.id
    WHERE s.account_id = ${recipientId} AND s.visibility = 'direct'
      AND EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = ${senderId} AND m.silent = 0)
    LIMIT 1`);
  return rows.length > 0;
}
