/**
 * Bulk status hydration: ids in, Status entities out, in ONE D1 batch whatever the page size. Every
 * statement keys on the same id set (the ids plus what boosts among them point at) through json_each,
 * so each is an index probe per id and the number of bound parameters stays fixed.
 * Timelines, notifications, threads and every status route go through here.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import {
  type Account,
  type AccountRole,
  accounts,
  bookmarks,
  conversationMutes,
  favourites,
  mentions,
  oauthApplications,
  type Poll,
  polls,
  pollVotes,
  type Status,
  statuses,
  statusPins,
  statusTags,
  tags,
  users,
} from "../db/schema";
import { type MastodonStatus, type SerializeOptions, type StatusBundle, serializeStatus } from "../entities/status";
import { loadMediaForStatuses } from "./media";
import { isVisibleWithBoosted, relationQueries, relationsFrom, withBoostedIds } from "./visibility";

export interface LoadOptions {
  /** Skip the visibility rules: for the few places that must render a status the viewer lost access to. */
  skipVisibility?: boolean;
}

/** Loads bundles for `ids` (visible ones only, unless told otherwise), keyed by id. */
export async function loadStatusBundles(
  db: Db,
  viewerId: number | null,
  ids: readonly number[],
  options: LoadOptions = {},
): Promise<Map<number, StatusBundle>> {
  const out = new Map<number, StatusBundle>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return out;
  const set = withBoostedIds(unique);
  const v = viewerId ?? 0;
  const [statusRows, accountRows, mentionRows, tagRows, pollRows, appRows, favs, boosts, marks, pins, mutes, votes, ...rel] =
    await db.batch([
      db.select().from(statuses).where(sql`${statuses.id} IN ${set}`),
      db
        .select({ account: accounts, role: users.role })
        .from(accounts)
        .leftJoin(users, eq(users.accountId, accounts.id))
        .where(
          sql`${accounts.id} IN (SELECT account_id FROM statuses WHERE id IN ${set})
            OR ${accounts.id} IN (SELECT account_id FROM mentions WHERE status_id IN ${set} AND silent = 0)`,
        ),
      db.select().from(mentions).where(sql`${mentions.statusId} IN ${set}`).orderBy(sql`rowid`),
      db
        .select({ statusId: statusTags.statusId, name: tags.name })
        .from(statusTags)
        .innerJoin(tags, eq(tags.id, statusTags.tagId))
        .where(sql`${statusTags.statusId} IN ${set}`)
        .orderBy(sql`${statusTags}.rowid`),
      db.select().from(polls).where(sql`${polls.statusId} IN ${set}`),
      db
        .select({ id: oauthApplications.id, name: oauthApplications.name, website: oauthApplications.website })
        .from(oauthApplications)
        .where(sql`${oauthApplications.id} IN (SELECT application_id FROM statuses WHERE id IN ${set})`),
      db
        .select({ id: favourites.statusId })
        .from(favourites)
        .where(and(eq(favourites.accountId, v), sql`${favourites.statusId} IN ${set}`)),
      db
        .select({ id: statuses.reblogOfId })
        .from(statuses)
        .where(and(eq(statuses.accountId, v), sql`${statuses.reblogOfId} IN ${set}`)),
      db
        .select({ id: bookmarks.statusId })
        .from(bookmarks)
        .where(and(eq(bookmarks.accountId, v), sql`${bookmarks.statusId} IN ${set}`)),
      db
        .select({ id: statusPins.statusId })
        .from(statusPins)
        .where(and(eq(statusPins.accountId, v), sql`${statusPins.statusId} IN ${set}`)),
      db
        .select({ id: conversationMutes.conversationId })
        .from(conversationMutes)
        .where(
          and(
            eq(conversationMutes.accountId, v),
            sql`${conversationMutes.conversationId} IN (SELECT conversation_id FROM statuses WHERE id IN ${set})`,
          ),
        ),
      db
        .select({ pollId: pollVotes.pollId, choice: pollVotes.choice })
        .from(pollVotes)
        .where(and(eq(pollVotes.accountId, v), sql`${pollVotes.pollId} IN (SELECT id FROM polls WHERE status_id IN ${set})`)),
      ...relationQueries(db, viewerId, set),
    ]);

  const relations = relationsFrom(...rel);
  const statusById = new Map<number, Status>(statusRows.map((s) => [s.id, s]));
  const accountById = new Map<number, { account: Account; role: AccountRole | null }>(accountRows.map((r) => [r.account.id, r]));
  const authorFields = new Map(accountRows.map((r) => [r.account.id, r.account]));
  const mentionsByStatus = groupBy(
    mentionRows.filter((m) => !m.silent),
    (m) => m.statusId,
  );
  const tagsByStatus = groupBy(tagRows, (t) => t.statusId);
  const pollByStatus = new Map<number, Poll>(pollRows.map((p) => [p.statusId, p]));
  const appById = new Map(appRows.map((a) => [a.id, { name: a.name, website: a.website }]));
  const votesByPoll = groupBy(votes, (x) => x.pollId);
  const sets = {
    favourited: new Set(favs.map((r) => r.id)),
    reblogged: new Set(boosts.map((r) => r.id)),
    bookmarked: new Set(marks.map((r) => r.id)),
    pinned: new Set(pins.map((r) => r.id)),
    muted: new Set(mutes.map((r) => r.id)),
  };

  const bundle = (status: Status, reblog: StatusBundle | null): StatusBundle | undefined => {
    const author = accountById.get(status.accountId);
    if (!author) return undefined;
    const poll = pollByStatus.get(status.id) ?? null;
    return {
      status,
      account: author.account,
      role: author.role ?? undefined,
      mentions: (mentionsByStatus.get(status.id) ?? []).flatMap((m) => accountById.get(m.accountId)?.account ?? []),
      tags: (tagsByStatus.get(status.id) ?? []).map((t) => t.name),
      poll,
      ownVotes: poll ? (votesByPoll.get(poll.id) ?? []).map((x) => x.choice) : [],
      application: status.applicationId === null ? null : (appById.get(status.applicationId) ?? null),
      flags:
        viewerId === null
          ? null
          : {
              favourited: sets.favourited.has(status.id),
              reblogged: sets.reblogged.has(status.id),
              bookmarked: sets.bookmarked.has(status.id),
              pinned: sets.pinned.has(status.id),
              muted: status.conversationId !== null && sets.muted.has(status.conversationId),
            },
      reblog,
    };
  };

  for (const id of unique) {
    const status = statusById.get(id);
    if (!status) continue;
    if (!options.skipVisibility && !isVisibleWithBoosted(viewerId, status, statusById, authorFields, relations)) continue;
    let inner: StatusBundle | null = null;
    if (status.reblogOfId !== null) {
      const boosted = statusById.get(status.reblogOfId);
      inner = boosted ? (bundle(boosted, null) ?? null) : null;
      if (!inner) continue;
    }
    const b = bundle(status, inner);
    if (b) out.set(id, b);
  }
  return out;
}

/**
 * Status entities for `ids`, in the order given; unknown ids and statuses the viewer may not see are
 * dropped. `viewerId` null is an anonymous request.
 */
export async function hydrateStatuses(
  db: Db,
  config: Config,
  viewerId: number | null,
  ids: readonly number[],
  options: LoadOptions & Omit<SerializeOptions, "viewerId"> = {},
): Promise<MastodonStatus[]> {
  const bundles = await loadStatusBundles(db, viewerId, ids, options);
  await attachMedia(db, config, [...bundles.values()]);
  const now = options.now ?? Date.now();
  const out: MastodonStatus[] = [];
  for (const id of ids) {
    const b = bundles.get(id);
    if (b) out.push(serializeStatus(config, b, { viewerId, now, source: options.source ?? false }));
  }
  return out;
}

/** One more query, only when a status on the page has media. */
async function attachMedia(db: Db, config: Config, bundles: StatusBundle[]): Promise<void> {
  const withMedia = [...bundles, ...bundles.flatMap((b) => (b.reblog ? [b.reblog] : []))].filter((b) => b.status.mediaCount > 0);
  if (withMedia.length === 0) return;
  const byStatus = await loadMediaForStatuses(
    db,
    config,
    withMedia.map((b) => b.status.id),
  );
  for (const b of withMedia) b.media = byStatus.get(b.status.id) ?? [];
}

function groupBy<T>(rows: readonly T[], key: (row: T) => number): Map<number, T[]> {
  const map = new Map<number, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}
