/**
 * The numbers the instance entities and nodeinfo publish, read from D1.
 *
 * Cost, per request, all batched into one D1 round trip:
 * - user counts: one pass over `users` (joined to `accounts` by primary key) plus one over
 *   `oauth_access_tokens`; the contact account: one pass over `users`. No index covers
 *   `created_at`, `last_sign_in_at`, `role` or `last_used_at`, so these are full scans of small tables.
 * - local posts: one pass over local rows of `accounts` (summing the trigger-kept `statuses_count`).
 * - domain count and peers: a full scan of `accounts`, remote rows included. This is the one that
 *   grows with federation: past ~100k remote accounts it needs an index on `accounts(domain)` (or a
 *   maintained domains table) and the answers a short cache.
 * - weekly activity: a primary-key range over the last 12 weeks of statuses (all of them, local and
 *   remote) and two passes over `users`.
 */

import { and, asc, eq, gte, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type Account, type AccountRole, accounts, oauthAccessTokens, statuses, users } from "../db/schema";
import { idFloor } from "../ids";
import { policyForHost } from "./domain-policy";

const DAY_MS = 24 * 60 * 60 * 1000;
const WEEK_MS = 7 * DAY_MS;
export const ACTIVITY_WEEKS = 12;

export interface UserCounts {
  /** Approved, confirmed, not suspended local users (Mastodon's nodeinfo `total`). */
  total: number;
  /** Of those, created, signed in or using an app in the last 30 days. */
  activeMonth: number;
  /** The same over the last 180 days. */
  activeHalfyear: number;
}

export interface InstanceStats {
  users: UserCounts;
  /** Local statuses (direct ones excluded): the sum of local accounts' `statuses_count`, as Mastodon computes it. */
  localPosts: number;
  /** Distinct remote domains Petrel knows accounts on. */
  domainCount: number;
}

export interface ContactAccount {
  account: Account;
  role: AccountRole;
}

export interface WeeklyActivity {
  /** Monday 00:00 UTC, epoch milliseconds. */
  weekStart: number;
  statuses: number;
  logins: number;
  registrations: number;
}

/** Users who count: approved, confirmed, and whose account is not suspended. */
const countedUser = () => and(eq(users.approved, true), isNotNull(users.confirmedAt), isNull(accounts.suspendedAt));

/**
 * Active: created, signed in on the web, or used an OAuth token (apps) since `since`. The token
 * subquery is not correlated: SQLite evaluates it once per query.
 * Every computed column gets an alias: D1 builds result rows by column name, so two unaliased
 * expressions that differ only in their bound parameters would collapse into one.
 */
function activeSince(since: number, alias: string) {
  const usedToken = sql`${users.id} IN (SELECT ${oauthAccessTokens.userId} FROM ${oauthAccessTokens} WHERE ${oauthAccessTokens.lastUsedAt} >= ${since})`;
  return sql<number>`coalesce(sum(CASE WHEN ${users.lastSignInAt} >= ${since} OR ${users.createdAt} >= ${since} OR ${usedToken} THEN 1 ELSE 0 END), 0)`.as(
    alias,
  );
}

function userCountsQuery(db: Db, now: number) {
  return db
    .select({
      total: sql<number>`count(*)`.as("total"),
      activeMonth: activeSince(now - 30 * DAY_MS, "active_month"),
      activeHalfyear: activeSince(now - 180 * DAY_MS, "active_halfyear"),
    })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(countedUser());
}

function localPostsQuery(db: Db) {
  return db
    .select({ n: sql<number>`coalesce(sum(${accounts.statusesCount}), 0)`.as("local_posts") })
    .from(accounts)
    .where(isNull(accounts.domain));
}

function domainCountQuery(db: Db) {
  return db
    .select({ n: sql<number>`count(DISTINCT ${accounts.domain})`.as("domain_count") })
    .from(accounts)
    .where(isNotNull(accounts.domain));
}

/** The earliest-created owner, else the earliest admin: the instance's public contact. */
function contactQuery(db: Db) {
  return db
    .select({ account: accounts, role: users.role })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(and(inArray(users.role, ["owner", "admin"]), eq(users.approved, true), isNull(accounts.suspendedAt)))
    .orderBy(sql`CASE ${users.role} WHEN 'owner' THEN 0 ELSE 1 END`, asc(users.createdAt), asc(users.id))
    .limit(1);
}

function toUserCounts(row: { total: number; activeMonth: number; activeHalfyear: number } | undefined): UserCounts {
  return {
    total: Number(row?.total ?? 0),
    activeMonth: Number(row?.activeMonth ?? 0),
    activeHalfyear: Number(row?.activeHalfyear ?? 0),
  };
}

/** Users, posts and domains in one D1 round trip. */
export async function instanceStats(db: Db, now = Date.now()): Promise<InstanceStats> {
  const [userRows, postRows, domainRows] = await db.batch([userCountsQuery(db, now), localPostsQuery(db), domainCountQuery(db)]);
  return {
    users: toUserCounts(userRows[0]),
    localPosts: Number(postRows[0]?.n ?? 0),
    domainCount: Number(domainRows[0]?.n ?? 0),
  };
}

/** Everything the v2 instance entity needs: active users and the contact account, in one round trip. */
export async function instanceSummary(
  db: Db,
  now = Date.now(),
): Promise<{ users: UserCounts; contact: ContactAccount | undefined }> {
  const [userRows, contactRows] = await db.batch([userCountsQuery(db, now), contactQuery(db)]);
  return { users: toUserCounts(userRows[0]), contact: contactRows[0] };
}

/** The v1 instance entity's numbers plus the contact account, in one round trip. */
export async function instanceStatsWithContact(
  db: Db,
  now = Date.now(),
): Promise<{ stats: InstanceStats; contact: ContactAccount | undefined }> {
  const [userRows, postRows, domainRows, contactRows] = await db.batch([
    userCountsQuery(db, now),
    localPostsQuery(db),
    domainCountQuery(db),
    contactQuery(db),
  ]);
  return {
    stats: {
      users: toUserCounts(userRows[0]),
      localPosts: Number(postRows[0]?.n ?? 0),
      domainCount: Number(domainRows[0]?.n ?? 0),
    },
    contact: contactRows[0],
  };
}

/** Remote domains Petrel has seen accounts on, alphabetically (`/api/v1/instance/peers`). */
export async function knownPeers(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ domain: accounts.domain })
    .from(accounts)
    .where(isNotNull(accounts.domain))
    .orderBy(asc(accounts.domain));
  const peers: string[] = [];
  // Mastodon leaves suspended servers out of the peers it lists.
  for (const r of rows) if (r.domain && (await policyForHost(db, r.domain))?.severity !== "suspend") peers.push(r.domain);
  return peers;
}

/** Monday 00:00 UTC of the week containing `now`, as Mastodon's `beginning_of_week` in UTC. */
export function weekStart(now: number): number {
  const d = new Date(now);
  d.setUTCHours(0, 0, 0, 0);
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return d.getTime() - sinceMonday * DAY_MS;
}

/**
 * Statuses, registrations and logins per week for the last 12 weeks, newest first.
 * `statuses` counts local statuses, boosts excluded (Mastodon counts what PostStatusService creates);
 * it walks the primary key over the last 12 weeks of all statuses, local and remote, which is fine
 * for a small instance but grows with federated traffic: a per-week counter is the fix at scale.
 * `logins` counts users whose most recent sign-in falls in the week: Petrel keeps only the last
 * sign-in time, so earlier weeks undercount people who have signed in again since.
 */
export async function weeklyActivity(db: Db, now = Date.now()): Promise<WeeklyActivity[]> {
  const current = weekStart(now);
  const first = current - (ACTIVITY_WEEKS - 1) * WEEK_MS;
  // CAST: D1 may bind JS numbers as REAL, which would make the division fractional.
  const regBucket = sql<number>`CAST((${users.createdAt} - ${first}) / ${WEEK_MS} AS INTEGER)`.as("bucket");
  const loginBucket = sql<number>`CAST((${users.lastSignInAt} - ${first}) / ${WEEK_MS} AS INTEGER)`.as("bucket");
  // Snowflake ids sort by time (src/ids.ts), so the primary key bounds the walk to these 12 weeks.
  const firstId = idFloor(first);
  const weekOfIds = idFloor(first + WEEK_MS) - firstId;
  const statusBucket = sql<number>`CAST((${statuses.id} - ${firstId}) / ${weekOfIds} AS INTEGER)`.as("bucket");
  const [posted, registrations, logins] = await db.batch([
    db
      .select({ bucket: statusBucket, n: sql<number>`count(*)`.as("n") })
      .from(statuses)
      .where(and(gte(statuses.id, firstId), eq(statuses.local, true), isNull(statuses.reblogOfId)))
      .groupBy((f) => f.bucket),
    db
      .select({ bucket: regBucket, n: sql<number>`count(*)`.as("n") })
      .from(users)
      .where(sql`${users.createdAt} >= ${first}`)
      .groupBy((f) => f.bucket),
    db
      .select({ bucket: loginBucket, n: sql<number>`count(*)`.as("n") })
      .from(users)
      .where(sql`${users.lastSignInAt} >= ${first}`)
      .groupBy((f) => f.bucket),
  ]);
  const byBucket = (rows: Array<{ bucket: number; n: number }>) => new Map(rows.map((r) => [Number(r.bucket), Number(r.n)]));
  const posts = byBucket(posted);
  const regs = byBucket(registrations);
  const ins = byBucket(logins);
  const weeks: WeeklyActivity[] = [];
  for (let i = ACTIVITY_WEEKS - 1; i >= 0; i--) {
    weeks.push({
      weekStart: first + i * WEEK_MS,
      statuses: posts.get(i) ?? 0,
      logins: ins.get(i) ?? 0,
      registrations: regs.get(i) ?? 0,
    });
  }
  return weeks;
}
