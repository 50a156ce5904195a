/**
 * Applying an account's filters to the statuses it is shown, as Mastodon does for `Status.filtered`.
 *
 * Callers (timelines, notifications, context, account statuses) do, once per request:
 *   const filters = await loadActiveFilters(db, viewerId, "home", Date.now());
 *   const shown = applyFilters(statuses, filters, "home");
 * The load is one D1 round trip (three index reads by account); each filter's keywords are compiled
 * into one regular expression at load, so applying costs one regex test per filter and status.
 *
 * Matching follows CustomFilter.apply_cached_filters: keywords are searched in the status's (or the
 * boosted status's) text — content without HTML, content warning, poll options, media descriptions —
 * case-insensitively; whole-word keywords need a word boundary where they begin or end with a word
 * character, with Unicode word characters (letters, marks, digits, connector punctuation) as Ruby's
 * `\b` has them, where JavaScript's `\b` knows only ASCII. Status filters match the status or the
 * status it boosts. A match adds a FilterResult to `filtered` (of the status and of its boosted
 * status); a match with a `hide` filter drops the status, except for the viewer's own statuses.
 */
import { getTableName } from "drizzle-orm";
import type { Db } from "../db/client";
import { rowReader } from "../db/row-reader";
import {
  customFilterKeywords,
  customFilterStatuses,
  customFilters,
  type FilterAction,
  type FilterContext,
} from "../db/schema-client-surface";
import { type MastodonFilter, type MastodonFilterResult, serializeFilterSummary } from "../entities/filter";
import type { MastodonStatus } from "../entities/status";

export type { FilterContext };

interface CompiledFilter {
  summary: MastodonFilter;
  action: FilterAction;
  context: ReadonlySet<FilterContext>;
  expiresAt: number | null;
  /** All keywords of the filter as one expression; null when it has none. */
  keywords: RegExp | null;
  statusIds: ReadonlySet<string>;
}

/** An account's unexpired filters, compiled; build it with `loadActiveFilters` once per request. */
export interface ActiveFilters {
  accountId: number;
  now: number;
  filters: readonly CompiledFilter[];
}

const WORD_CHAR = "[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]";
const STARTS_WITH_WORD = new RegExp(`^${WORD_CHAR}`, "u");
const ENDS_WITH_WORD = new RegExp(`${WORD_CHAR}$`, "u");

/** Escapes what is syntax in a `u`-flag expression (where escaping anything else is an error). */
function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

/** One keyword as an expression source, as CustomFilterKeyword#to_regex builds it. */
export function keywordPattern(keyword: string, wholeWord: boolean): string {
  const escaped = escapeRegExp(keyword);
  if (!wholeWord) return escaped;
  const start = STARTS_WITH_WORD.test(keyword) ? `(?<!${WORD_CHAR})` : "";
  const end = ENDS_WITH_WORD.test(keyword) ? `(?!${WORD_CHAR})` : "";
  return `${start}${escaped}${end}`;
}

export function compileKeywords(keywords: ReadonlyArray<{ keyword: string; wholeWord: boolean }>): RegExp | null {
  if (keywords.length === 0) return null;
  return new RegExp(keywords.map((k) => `(?:${keywordPattern(k.keyword, k.wholeWord)})`).join("|"), "iu");
}

/**
 * The account's filters for `context` that have not expired at `now`. Expired ones stay in D1 (the
 * filters API lists them) but are never applied.
 */
const filterRow = rowReader(customFilters, "f");
// Every home, list, public, thread and notification page runs these three: plain strings, bound once.
const FILTERS_SQL = `SELECT ${filterRow.columns} FROM ${getTableName(customFilters)} f
  WHERE f.account_id = ? AND (f.expires_at IS NULL OR f.expires_at > ?)`;
const KEYWORDS_SQL = `SELECT filter_id AS filterId, keyword, whole_word AS wholeWord
  FROM ${getTableName(customFilterKeywords)} WHERE account_id = ?`;
const STATUSES_SQL = `SELECT filter_id AS filterId, status_id AS statusId
  FROM ${getTableName(customFilterStatuses)} WHERE account_id = ?`;

export async function loadActiveFilters(db: Db, accountId: number, context: FilterContext, now: number): Promise<ActiveFilters> {
  const d1 = db.$client;
  const [f, k, st] = await d1.batch<Record<string, unknown>>([
    d1.prepare(FILTERS_SQL).bind(accountId, now),
    d1.prepare(KEYWORDS_SQL).bind(accountId),
    d1.prepare(STATUSES_SQL).bind(accountId),
  ]);
  const filters = (f?.results ?? []).flatMap((row) => filterRow.read(row) ?? []);
  const keywords = (k?.results ?? []).map((row) => ({
    filterId: row.filterId as number,
    keyword: row.keyword as string,
    wholeWord: row.wholeWord === 1,
  }));
  const statuses = (st?.results ?? []).map((row) => ({ filterId: row.filterId as number, statusId: row.statusId as number }));
  const compiled: CompiledFilter[] = [];
  for (const filter of filters) {
    if (!filter.context.includes(context)) continue;
    const own = keywords.filter((k) => k.filterId === filter.id);
    const ids = statuses.filter((s) => s.filterId === filter.id).map((s) => String(s.statusId));
    // A group with neither keywords nor statuses can match nothing.
    if (own.length === 0 && ids.length === 0) continue;
    compiled.push({
      summary: serializeFilterSummary(filter),
      action: filter.action,
      context: new Set(filter.context),
      expiresAt: filter.expiresAt,
      keywords: compileKeywords(own),
      statusIds: new Set(ids),
    });
  }
  return { accountId, now, filters: compiled };
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** Status HTML as the plain text Mastodon searches: line breaks kept, tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/p>\s*<p[^>]*>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === "#") {
        const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
        return Number.isInteger(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      return ENTITIES[name.toLowerCase()] ?? whole;
    });
}

function mediaDescription(media: unknown): string | undefined {
  if (typeof media !== "object" || media === null || !("description" in media)) return undefined;
  const description = (media as { description: unknown }).description;
  return typeof description === "string" && description !== "" ? description : undefined;
}

/** Status#searchable_text: content warning, text, poll options, media descriptions. */
export function searchableText(status: MastodonStatus): string {
  const parts = [status.spoiler_text, htmlToText(status.content)];
  if (status.poll) parts.push(status.poll.options.map((o) => o.title).join("\n\n"));
  const descriptions = status.media_attachments.map(mediaDescription).filter((d): d is string => d !== undefined);
  if (descriptions.length > 0) parts.push(descriptions.join("\n\n"));
  return parts.join("\n\n");
}

interface Match {
  result: MastodonFilterResult;
  action: FilterAction;
}

function matchesFor(status: MastodonStatus, filters: readonly CompiledFilter[]): Match[] {
  const proper = status.reblog ?? status;
  let text: string | undefined;
  const matches: Match[] = [];
  for (const filter of filters) {
    let keywordMatches: string[] | null = null;
    if (filter.keywords) {
      text ??= searchableText(proper);
      const found = filter.keywords.exec(text);
      if (found) keywordMatches = [found[0]];
    }
    let statusMatches: string[] | null = null;
    if (filter.statusIds.size > 0) {
      const hits = [status.id, status.reblog?.id].filter((id): id is string => id !== undefined && filter.statusIds.has(id));
      if (hits.length > 0) statusMatches = hits;
    }
    if (keywordMatches === null && statusMatches === null) continue;
    matches.push({
      result: { filter: filter.summary, keyword_matches: keywordMatches, status_matches: statusMatches },
      action: filter.action,
    });
  }
  return matches;
}

function applicable(filters: ActiveFilters, context: FilterContext): CompiledFilter[] {
  return filters.filters.filter((f) => f.context.has(context) && (f.expiresAt === null || f.expiresAt > filters.now));
}

/** The FilterResults of one status (for callers that wrap statuses, like notifications). */
export function matchFilters(status: MastodonStatus, filters: ActiveFilters, context: FilterContext): MastodonFilterResult[] {
  return matchesFor(status, applicable(filters, context)).map((m) => m.result);
}

/**
 * `statuses` with `filtered` set on the matching ones (and their boosted statuses), without those a
 * `hide` filter matches. Statuses are copied, never changed in place; with no applicable filter the
 * same array comes back. The viewer's own statuses are annotated but never dropped: Mastodon keeps
 * your own posts in your feeds.
 */
export function applyFilters(statuses: MastodonStatus[], filters: ActiveFilters, context: FilterContext): MastodonStatus[] {
  const active = applicable(filters, context);
  if (active.length === 0) return statuses;
  const viewer = String(filters.accountId);
  const out: MastodonStatus[] = [];
  for (const status of statuses) {
    const matches = matchesFor(status, active);
    if (matches.length === 0) {
      out.push(status);
      continue;
    }
    if (status.account.id !== viewer && matches.some((m) => m.action === "hide")) continue;
    const filtered = matches.map((m) => m.result);
    out.push({ ...status, filtered, reblog: status.reblog ? { ...status.reblog, filtered } : null });
  }
  return out;
}

/** Loads the viewer's active filters for `context` (one D1 round trip) and applies them; anonymous viewers have none. */
export async function applyViewerFilters(
  db: Db,
  viewerId: number | null,
  context: FilterContext,
  statuses: MastodonStatus[],
): Promise<MastodonStatus[]> {
  if (viewerId === null || statuses.length === 0) return statuses;
  return applyFilters(statuses, await loadActiveFilters(db, viewerId, context, Date.now()), context);
}
