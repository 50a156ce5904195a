/**
 * Bulk status hydration: ids in, Status entities out, in two D1 round trips whatever the page size
 * (the statuses, then everything else in one batch; hydrate-load.ts says how each is kept cheap in
 * rows read). Timelines, notifications, threads and every status route go through here.
 */
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Account, AccountRole, Poll, Status } from "../db/schema";
import { serializeMediaAttachment } from "../entities/media-attachment";
import { type MastodonStatus, type SerializeOptions, type StatusBundle, serializeStatus } from "../entities/status";
import { attachEmojis } from "./custom-emoji-hydrate";
import { loadPageExtras, loadStatusRows } from "./hydrate-load";
import { attachCards } from "./preview-card-attach";
import { fullQuoteView } from "./quotes/hydrate-quotes";
import { isVisibleWithBoosted } from "./visibility";

export interface LoadOptions {
  /** Skip the visibility rules: for the few places that must render a status the viewer lost access to. */
  skipVisibility?: boolean;
  /**
   * The ids come from the viewer's own home or list feed, whose fanout applied the visibility rules
   * and whose removals (unfollow, block, mute, domain block) keep it true: only suspensions are checked.
   */
  fromFeed?: boolean;
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
  const statusById = await loadStatusRows(db, unique);
  if (statusById.size === 0) return out;
  const fromFeed = options.fromFeed === true;
  const x = await loadPageExtras(db, { viewerId, primary: unique, rows: statusById, fromFeed });

  const accountById = new Map<number, { account: Account; role: AccountRole | null }>();
  for (const r of x.authorRows) accountById.set(r.account.id, r);
  for (const r of x.mentionRows) if (!accountById.has(r.account.id)) accountById.set(r.account.id, r);
  const authorFields = new Map(x.authorRows.map((r) => [r.account.id, r.account]));
  const mentionsByStatus = groupBy(
    x.mentionRows.filter((m) => !m.silent),
    (m) => m.statusId,
  );
  const tagsByStatus = groupBy(x.tagRows, (t) => t.statusId);
  const pollByStatus = new Map<number, Poll>(x.pollRows.map((p) => [p.statusId, p]));
  const appById = new Map(x.appRows.map((a) => [a.id, { name: a.name, website: a.website }]));
  const votesByPoll = groupBy(x.voteRows, (v) => v.pollId);
  const mediaByStatus = groupBy(x.mediaRows, (m) => m.statusId ?? 0);
  const sets = x.flags;

  const quoteRel = x.quoteRelations;
  const bundle = (status: Status, reblog: StatusBundle | null, quoted = true): StatusBundle | undefined => {
    const author = accountById.get(status.accountId);
    if (!author) return undefined;
    const poll = pollByStatus.get(status.id) ?? null;
    const quote =
      quoted && status.quoteState !== null
        ? fullQuoteView(status, viewerId, statusById, authorFields, quoteRel, (q) => bundle(q, null, false))
        : undefined;
    return {
      ...(quote ? { quote } : {}),
      viewerFollowsAuthor: quoteRel.following.has(status.accountId),
      status,
      account: author.account,
      role: author.role ?? undefined,
      mentions: (mentionsByStatus.get(status.id) ?? []).map((m) => m.account),
      tags: (tagsByStatus.get(status.id) ?? []).map((t) => t.name),
      poll,
      ownVotes: poll ? (votesByPoll.get(poll.id) ?? []).map((v) => v.choice) : [],
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
      ...(status.mediaCount > 0 ? { mediaRows: mediaByStatus.get(status.id) ?? [] } : {}),
    };
  };

  const visible = (status: Status): boolean => {
    if (options.skipVisibility) return true;
    if (fromFeed) {
      // The feed's fanout and the unfollow/block/mute removals applied the rules; authors suspended
      // since are still dropped.
      const author = authorFields.get(status.accountId);
      const boosted = status.reblogOfId === null ? undefined : statusById.get(status.reblogOfId);
      const boostedAuthor = boosted ? authorFields.get(boosted.accountId) : undefined;
      return author?.suspendedAt === null && (status.reblogOfId === null || boostedAuthor?.suspendedAt === null);
    }
    return isVisibleWithBoosted(viewerId, status, statusById, authorFields, x.relations);
  };

  for (const id of unique) {
    const status = statusById.get(id);
    if (!status || !visible(status)) continue;
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
  const page = [...bundles.values()];
  attachMedia(config, page);
  await Promise.all([attachCards(db, page), attachEmojis(db, config, page)]);
  const now = options.now ?? Date.now();
  const out: MastodonStatus[] = [];
  for (const id of ids) {
    const b = bundles.get(id);
    if (b) out.push(serializeStatus(config, b, { viewerId, now, source: options.source ?? false }));
  }
  return out;
}

/** Attachments came with the bundles' batch; they are serialized here, where the config is. */
function attachMedia(config: Config, bundles: StatusBundle[]): void {
  for (const b of [...bundles, ...bundles.flatMap((x) => (x.reblog ? [x.reblog] : []))]) {
    if (b.mediaRows) b.media = b.mediaRows.map((row) => serializeMediaAttachment(config, row));
  }
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
