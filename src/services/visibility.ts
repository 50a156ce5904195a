/**
 * Who may see a status. The rules (Mastodon's StatusPolicy#show?, plus the block and domain-block
 * filtering its timelines apply):
 * - nobody sees statuses of suspended accounts; authors always see their own;
 * - nobody sees a status when the author blocks the viewer or the viewer blocks the author, nor when
 *   the viewer blocks the author's domain;
 * - public and unlisted: anyone (also anonymously);
 * - private: followers of the author and accounts mentioned in it;
 * - direct: accounts mentioned in it.
 * A boost is visible when both the boost and the boosted status are.
 *
 * Everything here works on a set of statuses at once: the viewer's follows, blocks, mentions and
 * domain blocks are read for just those authors and statuses, in one D1 batch.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type Account, type Status, statuses, type Visibility } from "../db/schema";
import { allInBatch } from "./statuses/raw";

/** `(SELECT value FROM json_each(?))`: one bound parameter however many ids (D1 allows 100 per query). */
export function idList(ids: readonly number[]): SQL {
  return sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
}

/** The ids plus the ids of the statuses that those which are boosts point at. */
export function withBoostedIds(ids: readonly number[]): SQL {
  const json = JSON.stringify(ids);
  return sql`(SELECT value FROM json_each(${json}) UNION SELECT reblog_of_id FROM statuses WHERE id IN (SELECT value FROM json_each(${json})) AND reblog_of_id IS NOT NULL)`;
}

export interface ViewerRelations {
  /** Authors the viewer blocks or is blocked by. */
  blocked: Set<number>;
  /** Authors the viewer follows. */
  following: Set<number>;
  /** Statuses that mention the viewer (silently or not). */
  mentioned: Set<number>;
  /** Author domains the viewer blocks. */
  blockedDomains: Set<string>;
}

export const NO_RELATIONS: ViewerRelations = {
  blocked: new Set(),
  following: new Set(),
  mentioned: new Set(),
  blockedDomains: new Set(),
};

/**
 * The four statements that read a viewer's relations to the authors of `statusSet` (an SQL list of
 * status ids). Callers put them in their own batch and pass the results to `relationsFrom`.
 * An anonymous viewer is id 0, which matches nothing.
 */
export function relationQueries(db: Db, viewerId: number | null, statusSet: SQL) {
  const v = viewerId ?? 0;
  const authors = sql`(SELECT account_id FROM statuses WHERE id IN ${statusSet})`;
  return [
    allInBatch<{ id: number }>(
      db,
      sql`
      SELECT target_account_id AS id FROM blocks WHERE account_id = ${v} AND target_account_id IN ${authors}
      UNION SELECT account_id AS id FROM blocks WHERE target_account_id = ${v} AND account_id IN ${authors}`,
    ),
    allInBatch<{ id: number }>(
      db,
      sql`SELECT target_account_id AS id FROM follows WHERE account_id = ${v} AND target_account_id IN ${authors}`,
    ),
    allInBatch<{ id: number }>(
      db,
      sql`SELECT status_id AS id FROM mentions WHERE account_id = ${v} AND status_id IN ${statusSet}`,
    ),
    allInBatch<{ domain: string }>(
      db,
      sql`
      SELECT domain FROM account_domain_blocks WHERE account_id = ${v}
        AND domain IN (SELECT domain FROM accounts WHERE id IN ${authors} AND domain IS NOT NULL)`,
    ),
  ] as const;
}

export function relationsFrom(
  blocked: Array<{ id: number }>,
  following: Array<{ id: number }>,
  mentioned: Array<{ id: number }>,
  domains: Array<{ domain: string }>,
): ViewerRelations {
  return {
    blocked: new Set(blocked.map((r) => r.id)),
    following: new Set(following.map((r) => r.id)),
    mentioned: new Set(mentioned.map((r) => r.id)),
    blockedDomains: new Set(domains.map((r) => r.domain)),
  };
}

export type VisibilityFields = Pick<Status, "id" | "accountId" | "visibility" | "reblogOfId">;
export type AuthorFields = Pick<Account, "id" | "domain" | "suspendedAt">;

/** The rules above for one status (not following boosts: see `isVisibleWithBoosted`). */
export function isVisibleTo(
  viewerId: number | null,
  status: VisibilityFields,
  author: AuthorFields | undefined,
  rel: ViewerRelations,
): boolean {
  if (!author || author.suspendedAt !== null) return false;
  if (viewerId !== null && status.accountId === viewerId) return true;
  if (viewerId !== null) {
    if (rel.blocked.has(status.accountId)) return false;
    if (author.domain !== null && rel.blockedDomains.has(author.domain)) return false;
  }
  return visibilityAllows(status.visibility, viewerId, status, rel);
}

function visibilityAllows(
  visibility: Visibility,
  viewerId: number | null,
  status: VisibilityFields,
  rel: ViewerRelations,
): boolean {
  switch (visibility) {
    case "public":
    case "unlisted":
      return true;
    case "private":
      return viewerId !== null && (rel.following.has(status.accountId) || rel.mentioned.has(status.id));
    case "direct":
      return viewerId !== null && rel.mentioned.has(status.id);
    default:
      return false;
  }
}

/** A status and, for a boost, the boosted one: both must be visible. */
export function isVisibleWithBoosted(
  viewerId: number | null,
  status: VisibilityFields,
  statusesById: ReadonlyMap<number, VisibilityFields>,
  authorsById: ReadonlyMap<number, AuthorFields>,
  rel: ViewerRelations,
): boolean {
  if (!isVisibleTo(viewerId, status, authorsById.get(status.accountId), rel)) return false;
  if (status.reblogOfId === null) return true;
  const boosted = statusesById.get(status.reblogOfId);
  return boosted !== undefined && isVisibleTo(viewerId, boosted, authorsById.get(boosted.accountId), rel);
}

/**
 * Which of `ids` the viewer may see (boosts checked with what they boost), with the rows read on the
 * way (the ids and what boosts among them point at). One D1 batch.
 */
export async function loadVisibleStatuses(
  db: Db,
  viewerId: number | null,
  ids: readonly number[],
): Promise<{ visible: Set<number>; rows: Map<number, Status> }> {
  const visible = new Set<number>();
  const rows = new Map<number, Status>();
  if (ids.length === 0) return { visible, rows };
  const set = withBoostedIds(ids);
  const [statusRows, authors, ...rel] = await db.batch([
    db.select().from(statuses).where(sql`${statuses.id} IN ${set}`),
    allInBatch<{ id: number; domain: string | null; suspended_at: number | null }>(
      db,
      sql`SELECT id, domain, suspended_at FROM accounts WHERE id IN (SELECT account_id FROM statuses WHERE id IN ${set})`,
    ),
    ...relationQueries(db, viewerId, set),
  ]);
  const relations = relationsFrom(...rel);
  for (const s of statusRows) rows.set(s.id, s);
  const authorsById = new Map<number, AuthorFields>(
    authors.map((a) => [a.id, { id: a.id, domain: a.domain, suspendedAt: a.suspended_at }]),
  );
  for (const id of ids) {
    const s = rows.get(id);
    if (s && isVisibleWithBoosted(viewerId, s, rows, authorsById, relations)) visible.add(id);
  }
  return { visible, rows };
}

/** Which of `ids` the viewer may see. */
export async function visibleStatusIds(db: Db, viewerId: number | null, ids: readonly number[]): Promise<Set<number>> {
  return (await loadVisibleStatuses(db, viewerId, ids)).visible;
}

/** Whether the viewer (null: anonymous) may see `status` (and, for a boost, what it boosts). */
export async function canView(db: Db, viewerId: number | null, status: Pick<Status, "id">): Promise<boolean> {
  return (await visibleStatusIds(db, viewerId, [status.id])).has(status.id);
}
