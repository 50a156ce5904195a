/**
 * What a socket hub needs to decide, per viewer, whether a status reaches them and how: keyword and
 * status filters (loaded in bulk for every uncached viewer in one D1 batch, cached in memory until
 * `filters_changed`), and blocks, mutes and domain blocks (checked in bulk per event, so a block made
 * a second ago already applies). Mastodon's streaming server does the same two checks per event.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { FilterAction, FilterContext } from "../db/schema-client-surface";
import { serializeFilterSummary } from "../entities/filter";
import type { MastodonStatus } from "../entities/status";
import { type ActiveFilters, applyFilters, compileKeywords } from "../services/filters";

type CompiledFilter = ActiveFilters["filters"][number];

interface FilterRow {
  id: number;
  account_id: number;
  title: string;
  context: string;
  action: FilterAction;
  expires_at: number | null;
}

/** Every unexpired filter of each of `accountIds` (all contexts; applyFilters picks by context). */
export async function loadFiltersBulk(db: Db, accountIds: readonly number[], now: number): Promise<Map<number, ActiveFilters>> {
  const out = new Map<number, ActiveFilters>();
  if (accountIds.length === 0) return out;
  const ids = JSON.stringify([...new Set(accountIds)]);
  const [filters, keywords, statuses] = await Promise.all([
    db.all<FilterRow>(sql`SELECT id, account_id, title, context, action, expires_at FROM custom_filters
      WHERE account_id IN (SELECT value FROM json_each(${ids})) AND (expires_at IS NULL OR expires_at > ${now})`),
    db.all<{ filter_id: number; keyword: string; whole_word: number }>(sql`SELECT filter_id, keyword, whole_word
      FROM custom_filter_keywords WHERE account_id IN (SELECT value FROM json_each(${ids}))`),
    db.all<{ filter_id: number; status_id: number }>(sql`SELECT filter_id, status_id
      FROM custom_filter_statuses WHERE account_id IN (SELECT value FROM json_each(${ids}))`),
  ]);
  for (const id of accountIds) out.set(id, { accountId: id, now, filters: [] });
  for (const f of filters) {
    const own = keywords.filter((k) => k.filter_id === f.id).map((k) => ({ keyword: k.keyword, wholeWord: k.whole_word === 1 }));
    const statusIds = statuses.filter((s) => s.filter_id === f.id).map((s) => String(s.status_id));
    if (own.length === 0 && statusIds.length === 0) continue;
    const context = JSON.parse(f.context) as FilterContext[];
    const compiled: CompiledFilter = {
      summary: serializeFilterSummary({ id: f.id, title: f.title, context, action: f.action, expiresAt: f.expires_at }),
      action: f.action,
      context: new Set(context),
      expiresAt: f.expires_at,
      keywords: compileKeywords(own),
      statusIds: new Set(statusIds),
    };
    const entry = out.get(f.account_id);
    if (entry) (entry.filters as CompiledFilter[]).push(compiled);
  }
  return out;
}

/**
 * The status as `viewerId` gets it: the viewer fields an authenticated Status carries (a status that
 * was just posted or edited has none of them set by the viewer; see docs/architecture.md), then the
 * viewer's filters for `context`: undefined when a `hide` filter removes it.
 */
export function forViewer(
  base: MastodonStatus,
  viewerId: number | null,
  filters: ActiveFilters | undefined,
  context: FilterContext,
): MastodonStatus | undefined {
  if (viewerId === null) return base;
  const withFlags = (s: MastodonStatus): MastodonStatus => ({
    ...s,
    filtered: s.filtered ?? [],
    favourited: s.favourited ?? false,
    reblogged: s.reblogged ?? false,
    muted: s.muted ?? false,
    bookmarked: s.bookmarked ?? false,
    ...(s.account.id === String(viewerId) ? { pinned: s.pinned ?? false } : {}),
  });
  const status = withFlags({ ...base, reblog: base.reblog ? withFlags(base.reblog) : null });
  if (!filters || filters.filters.length === 0) return status;
  return applyFilters([status], { ...filters, now: Date.now() }, context)[0];
}

/**
 * Of `viewerIds`, those who must not get `status`: they block the author or a mentioned account, the
 * author blocks them, they mute the author or a mentioned account, or they block the author's domain.
 * One D1 query for any number of viewers; each check is an index probe.
 */
export async function excludedViewers(db: Db, viewerIds: readonly number[], status: MastodonStatus): Promise<Set<number>> {
  if (viewerIds.length === 0) return new Set();
  const author = Number(status.account.id);
  const targets = JSON.stringify([author, ...status.mentions.map((m) => Number(m.id))]);
  const domain = status.account.acct.includes("@") ? (status.account.acct.split("@")[1] ?? null) : null;
  const now = Date.now();
  const domainCheck =
    domain === null
      ? sql``
      : sql`OR EXISTS (SELECT 1 FROM account_domain_blocks WHERE account_id = v.value AND domain = ${domain})`;
  const rows = await db.all<{ id: number }>(sql`
    SELECT v.value AS id FROM json_each(${JSON.stringify([...new Set(viewerIds)])}) v
    WHERE EXISTS (SELECT 1 FROM blocks WHERE account_id = v.value AND target_account_id IN (SELECT value FROM json_each(${targets})))
      OR EXISTS (SELECT 1 FROM blocks WHERE account_id = ${author} AND target_account_id = v.value)
      OR EXISTS (SELECT 1 FROM mutes WHERE account_id = v.value AND target_account_id IN (SELECT value FROM json_each(${targets}))
        AND (expires_at IS NULL OR expires_at > ${now}))
      ${domainCheck}`);
  return new Set(rows.map((r) => Number(r.id)));
}
