/**
 * Timelines: which status ids a page holds, then one bulk hydration. Every page reads a bounded number
 * of rows whatever the table sizes:
 * - home and lists: the ids come from the account's AccountHub feed (no D1 at all), then one D1 query
 *   drops authors the viewer mutes (the feed is cleaned on mute; this catches the races) while the
 *   hydration batch runs beside it;
 * - public: a walk down the statuses_public_timeline partial index, newest first, LIMIT'ed;
 * - hashtags: a walk down status_tags_tag_id per tag (at most TAG_LIMIT tags), LIMIT'ed, merged.
 * Candidates failing a filter (replies, media, the viewer's blocks/mutes/domain blocks) are read but
 * not kept; a page then takes at most MAX_ROUNDS bounded walks to fill, and the Link cursors name the
 * range walked, so filtered rows are never read twice.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { MastodonStatus } from "../entities/status";
import type { Bindings } from "../env";
import type { FeedEntry } from "../streaming/feed-store";
import { normalizeTag } from "../text/status-text";
import type { PageParams } from "../util/pagination";
import { accountHub, HOME_FEED } from "./feeds";
import { type ActiveFilters, applyFilters, applyViewerFilters, type FilterContext, loadActiveFilters } from "./filters";
import { hydrateStatuses } from "./hydrate";

/** Walks per page at most (each bounded by the page size). */
export const MAX_ROUNDS = 3;
/** Mastodon's TagFeed takes at most 4 tags in each of any[], all[] and none[]. */
export const TAG_LIMIT = 4;

export interface TimelinePage {
  statuses: MastodonStatus[];
  /** Newest and oldest ids of the range walked, for the Link header; undefined when nothing was kept. */
  cursors: { prev: number; next: number } | undefined;
}

export interface TimelineContext {
  db: Db;
  config: Config;
  /** null for anonymous requests (public and tag timelines only). */
  viewerId: number | null;
  /** The viewer's chosen languages: public and tag timelines show only those (null: every language). */
  languages?: readonly string[] | null;
  /** Called with the time a step took (`hub`: the AccountHub call, `hydrate`: hydration), for Server-Timing. */
  mark?: (name: string, ms: number) => void;
}

/**
 * The one place keyword filters (Mastodon's `filtered` / hide) apply to every timeline: the viewer's
 * active filters for the context, loaded in one D1 round trip only for signed-in viewers, mark matching
 * statuses with `filtered` and drop those whose filter hides them.
 */
export async function applyKeywordFilters(
  ctx: TimelineContext,
  context: FilterContext,
  page: MastodonStatus[],
): Promise<MastodonStatus[]> {
  return applyViewerFilters(ctx.db, ctx.viewerId, context, page);
}

interface Round {
  /** Ids walked, in walk order (newest first for max_id/since_id walks, oldest first for min_id walks). */
  walked: number[];
  kept: number[];
}

/**
 * Fills a page with up to MAX_ROUNDS bounded walks. `walk(bounds, n)` returns up to `n` ids in walk
 * order within `bounds`, and which of them pass its filters. Returns kept ids newest first plus the
 * range walked.
 */
async function collect(
  page: PageParams,
  walk: (bounds: PageParams, n: number) => Promise<Round>,
  rounds = MAX_ROUNDS,
): Promise<{ ids: number[]; newest: number | undefined; oldest: number | undefined }> {
  const ascending = page.minId !== undefined;
  const bounds: PageParams = { ...page };
  let kept: number[] = [];
  let newest: number | undefined;
  let oldest: number | undefined;
  for (let i = 0; i < rounds && kept.length < page.limit; i++) {
    const need = page.limit - kept.length;
    const r = await walk(bounds, need);
    for (const id of r.walked) {
      newest = newest === undefined ? id : Math.max(newest, id);
      oldest = oldest === undefined ? id : Math.min(oldest, id);
    }
    kept = [...kept, ...r.kept];
    if (r.walked.length < need) break;
    if (ascending) bounds.minId = newest;
    else bounds.maxId = oldest;
  }
  const ids = ascending ? [...kept].sort((a, b) => b - a) : kept;
  return { ids, newest, oldest };
}

function cursorsOf(statuses: MastodonStatus[], range: { newest: number | undefined; oldest: number | undefined }) {
  if (statuses.length === 0 || range.newest === undefined || range.oldest === undefined) return undefined;
  return { prev: range.newest, next: range.oldest };
}

// ---------------------------------------------------------------------------------------------
// Home and lists: from the AccountHub
// ---------------------------------------------------------------------------------------------

/** Mutes read whole before falling back to a query bounded by the page's authors. */
const MUTES_READ_WHOLE = 64;

/**
 * Authors among `entries` (and authors of what they boost) that `viewerId` mutes right now. Most
 * viewers mute few accounts, so their mutes are read whole (an index range: usually no row at all);
 * a viewer with more than MUTES_READ_WHOLE gets the page-bounded lookup instead.
 */
async function mutedAuthors(db: Db, viewerId: number, entries: readonly FeedEntry[]): Promise<Set<number>> {
  const authors = new Set<number>();
  for (const e of entries) {
    authors.add(e.authorId);
    if (e.reblogAuthorId !== null) authors.add(e.reblogAuthorId);
  }
  if (authors.size === 0) return new Set();
  const now = Date.now();
  const all = await db.all<{ id: number; expires_at: number | null }>(
    sql`SELECT target_account_id AS id, expires_at FROM mutes WHERE account_id = ${viewerId} LIMIT ${MUTES_READ_WHOLE + 1}`,
  );
  if (all.length <= MUTES_READ_WHOLE) {
    return new Set(all.filter((m) => authors.has(m.id) && (m.expires_at === null || m.expires_at > now)).map((m) => m.id));
  }
  const rows = await db.all<{ id: number }>(sql`
    SELECT target_account_id AS id FROM mutes
    WHERE account_id = ${viewerId} AND target_account_id IN (SELECT value FROM json_each(${JSON.stringify([...authors])}))
      AND (expires_at IS NULL OR expires_at > ${now})`);
  return new Set(rows.map((r) => r.id));
}

async function feedTimeline(env: Bindings, ctx: TimelineContext, feed: number, page: PageParams): Promise<TimelinePage> {
  const viewerId = ctx.viewerId;
  if (viewerId === null) return { statuses: [], cursors: undefined };
  const hub = accountHub(env, viewerId);
  const ascending = page.minId !== undefined;
  const bounds: PageParams = { ...page };
  let newest: number | undefined;
  let oldest: number | undefined;
  let filters: ActiveFilters | undefined;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const started = performance.now();
    // The viewer's filters come with the first feed read: one round trip fewer on every page.
    const [entries, loaded] = await Promise.all([
      hub.pageFeed(feed, { maxId: bounds.maxId, sinceId: bounds.sinceId, minId: bounds.minId, limit: page.limit }),
      filters ?? loadActiveFilters(ctx.db, viewerId, "home", Date.now()),
    ]);
    filters = loaded;
    ctx.mark?.("hub", performance.now() - started);
    const hydrating = performance.now();
    if (entries.length === 0) break;
    newest = Math.max(newest ?? 0, (entries[0] as FeedEntry).statusId);
    oldest = Math.min(oldest ?? Number.MAX_SAFE_INTEGER, (entries[entries.length - 1] as FeedEntry).statusId);
    // Muted authors and hydration in parallel: the common page has nobody muted, and this saves a round trip.
    const [muted, hydrated] = await Promise.all([
      mutedAuthors(ctx.db, viewerId, entries),
      hydrateStatuses(
        ctx.db,
        ctx.config,
        viewerId,
        entries.map((e) => e.statusId),
        { fromFeed: true },
      ),
    ]);
    ctx.mark?.("hydrate", performance.now() - hydrating);
    const dropped = new Set(
      entries
        .filter((e) => muted.has(e.authorId) || (e.reblogAuthorId !== null && muted.has(e.reblogAuthorId)))
        .map((e) => e.statusId),
    );
    const statuses = applyFilters(
      hydrated.filter((s) => !dropped.has(Number(s.id))),
      filters,
      "home",
    );
    // A short page is returned as it is; only an entirely filtered page walks on, so clients never
    // see an empty page (which ends their paging) while older entries remain.
    if (statuses.length > 0 || entries.length < page.limit) {
      return { statuses, cursors: cursorsOf(statuses, { newest, oldest }) };
    }
    if (ascending) bounds.minId = newest;
    else bounds.maxId = oldest;
  }
  return { statuses: [], cursors: undefined };
}

export function homeTimeline(env: Bindings, ctx: TimelineContext, page: PageParams): Promise<TimelinePage> {
  return feedTimeline(env, ctx, HOME_FEED, page);
}

/** A list's timeline; the caller has checked that the list is the viewer's. */
export function listTimeline(env: Bindings, ctx: TimelineContext, listId: number, page: PageParams): Promise<TimelinePage> {
  return feedTimeline(env, ctx, listId, page);
}

// ---------------------------------------------------------------------------------------------
// Public and hashtag timelines: bounded index walks in D1
// ---------------------------------------------------------------------------------------------

export interface PublicOptions {
  local: boolean;
  remote: boolean;
  onlyMedia: boolean;
}

function originFilter(options: PublicOptions, column: SQL): SQL {
  // Mastodon: `local` and `remote` together mean neither.
  if (options.local && !options.remote) return sql`AND ${column} = 1`;
  if (options.remote && !options.local) return sql`AND ${column} = 0`;
  return sql``;
}

/** The viewer's blocks (both ways), mutes and domain blocks against the author `s.account_id`. */
function viewerFilter(viewerId: number | null): SQL {
  if (viewerId === null) return sql``;
  return sql`AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${viewerId} AND target_account_id = s.account_id)
    AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = s.account_id AND target_account_id = ${viewerId})
    AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = ${viewerId} AND target_account_id = s.account_id
      AND (expires_at IS NULL OR expires_at > ${Date.now()}))
    AND NOT EXISTS (SELECT 1 FROM account_domain_blocks b JOIN accounts a ON a.domain = b.domain
      WHERE b.account_id = ${viewerId} AND a.id = s.account_id)`;
}

/** Mastodon's PublicFeed#language_scope: statuses in a chosen language only (none without a language). */
function languageFilter(languages: readonly string[] | null | undefined): SQL {
  if (!languages || languages.length === 0) return sql``;
  return sql`AND s.language IN (SELECT value FROM json_each(${JSON.stringify(languages)}))`;
}

function rangeFilter(column: SQL, bounds: PageParams): { where: SQL; order: SQL } {
  const parts: SQL[] = [];
  if (bounds.maxId !== undefined) parts.push(sql`AND ${column} < ${bounds.maxId}`);
  if (bounds.sinceId !== undefined) parts.push(sql`AND ${column} > ${bounds.sinceId}`);
  if (bounds.minId !== undefined) parts.push(sql`AND ${column} > ${bounds.minId}`);
  return {
    where: sql.join(parts, sql` `),
    order: bounds.minId !== undefined ? sql`${column} ASC` : sql`${column} DESC`,
  };
}

function roundOf(rows: Array<{ id: number; ok: number }>): Round {
  return { walked: rows.map((r) => r.id), kept: rows.filter((r) => r.ok === 1).map((r) => r.id) };
}

async function hydratePage(ctx: TimelineContext, range: Awaited<ReturnType<typeof collect>>): Promise<TimelinePage> {
  const started = performance.now();
  const hydrated = await hydrateStatuses(ctx.db, ctx.config, ctx.viewerId, range.ids);
  ctx.mark?.("hydrate", performance.now() - started);
  const statuses = await applyKeywordFilters(ctx, "public", hydrated);
  return { statuses, cursors: cursorsOf(statuses, range) };
}

/**
 * Mastodon's PublicFeed: public, not boosts, not replies to others (show_replies_in_public_timelines
 * is off by default), not by silenced accounts (PublicFeed's `Account.without_silenced`), optionally
 * local/remote/media only, minus what the viewer blocks or mutes.
 */
export async function publicTimeline(ctx: TimelineContext, options: PublicOptions, page: PageParams): Promise<TimelinePage> {
  const range = await collect(page, async (bounds, n) => {
    const r = rangeFilter(sql`s.id`, bounds);
    const media = options.onlyMedia ? sql`AND s.media_count > 0` : sql``;
    const rows = await ctx.db.all<{ id: number; ok: number }>(sql`
      SELECT s.id, (
        (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id) ${media} ${languageFilter(ctx.languages)}
        AND (SELECT silenced_at FROM accounts WHERE id = s.account_id) IS NULL
        ${viewerFilter(ctx.viewerId)}
      ) AS ok
      FROM statuses s INDEXED BY statuses_public_timeline
      WHERE s.visibility = 'public' AND s.reblog_of_id IS NULL ${originFilter(options, sql`s.local`)} ${r.where}
      ORDER BY ${r.order} LIMIT ${n}`);
    return roundOf(rows);
  });
  return hydratePage(ctx, range);
}

export interface TagOptions extends PublicOptions {
  any: string[];
  all: string[];
  none: string[];
}

/** Tag names (raw, with or without `#`) to tag ids; unknown names are absent from the map. */
async function tagIds(db: Db, names: string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const rows = await db.all<{ id: number; name: string }>(
    sql`SELECT id, name FROM tags WHERE name IN (SELECT value FROM json_each(${JSON.stringify(names)}))`,
  );
  return new Map(rows.map((r) => [r.name, r.id]));
}

export function tagKey(raw: string): string {
  return normalizeTag(raw.trim().replace(/^#/, ""));
}

/**
 * Mastodon's TagFeed: public statuses (unlisted excluded, as in Mastodon 4) carrying the tag or any of
 * `any`, all of `all` and none of `none`, optionally local/remote/media only, minus what the viewer
 * blocks or mutes. Each tag is walked down status_tags_tag_id on its own and the walks are merged, so
 * the rows read stay at (tags × page size) whatever the tags' sizes.
 */
export async function tagTimeline(
  ctx: TimelineContext,
  hashtag: string,
  options: TagOptions,
  page: PageParams,
): Promise<TimelinePage> {
  const main = tagKey(hashtag);
  const anyNames = options.any.map(tagKey).slice(0, TAG_LIMIT);
  const allNames = options.all.map(tagKey).slice(0, TAG_LIMIT);
  const noneNames = options.none.map(tagKey).slice(0, TAG_LIMIT);
  const known = await tagIds(ctx.db, [...new Set([main, ...anyNames, ...allNames, ...noneNames])]);
  const walkIds = [...new Set([main, ...anyNames].flatMap((n) => known.get(n) ?? []))];
  // Mastodon answers an unknown hashtag with an empty list; an `all` tag nobody used matches nothing.
  if (!known.has(main) || allNames.some((n) => !known.has(n))) return { statuses: [], cursors: undefined };
  const allIds = allNames.map((n) => known.get(n) as number);
  const noneIds = noneNames.flatMap((n) => known.get(n) ?? []);

  const range = await collect(page, async (bounds, n) => {
    const r = rangeFilter(sql`status_id`, bounds);
    const walks = walkIds.map(
      (id) =>
        sql`SELECT status_id FROM (SELECT status_id FROM status_tags WHERE tag_id = ${id} ${r.where} ORDER BY ${r.order} LIMIT ${n})`,
    );
    const requireAll = allIds.map((id) => sql`AND EXISTS (SELECT 1 FROM status_tags WHERE status_id = s.id AND tag_id = ${id})`);
    const excludeNone =
      noneIds.length === 0
        ? sql``
        : sql`AND NOT EXISTS (SELECT 1 FROM status_tags WHERE status_id = s.id
            AND tag_id IN (SELECT value FROM json_each(${JSON.stringify(noneIds)})))`;
    const media = options.onlyMedia ? sql`AND s.media_count > 0` : sql``;
    const order = rangeFilter(sql`c.status_id`, bounds).order;
    const rows = await ctx.db.all<{ id: number; ok: number }>(sql`
      SELECT c.status_id AS id, (
        s.id IS NOT NULL AND s.visibility = 'public' AND s.reblog_of_id IS NULL
        ${originFilter(options, sql`s.local`)} ${media} ${sql.join(requireAll, sql` `)} ${excludeNone}
        ${languageFilter(ctx.languages)} ${viewerFilter(ctx.viewerId)}
      ) AS ok
      FROM (${sql.join(walks, sql` UNION `)} ORDER BY 1 ${bounds.minId !== undefined ? sql`ASC` : sql`DESC`} LIMIT ${n}) c
      LEFT JOIN statuses s ON s.id = c.status_id
      ORDER BY ${order}`);
    return roundOf(rows);
  });
  return hydratePage(ctx, range);
}
