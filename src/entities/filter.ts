/** Filter, FilterKeyword, FilterStatus, FilterResult and V1::Filter entities: the only place their JSON is built. */
import type {
  CustomFilter,
  CustomFilterKeyword,
  CustomFilterStatus,
  FilterAction,
  FilterContext,
} from "../db/schema-client-surface";
import { isoDate } from "../util/time";

export interface MastodonFilterKeyword {
  id: string;
  keyword: string;
  whole_word: boolean;
}

export interface MastodonFilterStatus {
  id: string;
  status_id: string;
}

export interface MastodonFilter {
  id: string;
  title: string;
  context: FilterContext[];
  expires_at: string | null;
  filter_action: FilterAction;
  /** Present when the rules were asked for (the filters API), absent inside a FilterResult. */
  keywords?: MastodonFilterKeyword[];
  statuses?: MastodonFilterStatus[];
}

export interface MastodonFilterResult {
  filter: MastodonFilter;
  keyword_matches: string[] | null;
  status_matches: string[] | null;
}

export interface MastodonV1Filter {
  id: string;
  phrase: string;
  context: FilterContext[];
  whole_word: boolean;
  expires_at: string | null;
  irreversible: boolean;
}

export function serializeFilterKeyword(
  keyword: Pick<CustomFilterKeyword, "id" | "keyword" | "wholeWord">,
): MastodonFilterKeyword {
  return { id: String(keyword.id), keyword: keyword.keyword, whole_word: keyword.wholeWord };
}

export function serializeFilterStatus(row: Pick<CustomFilterStatus, "id" | "statusId">): MastodonFilterStatus {
  return { id: String(row.id), status_id: String(row.statusId) };
}

type FilterFields = Pick<CustomFilter, "id" | "title" | "context" | "expiresAt" | "action">;

/** The filter without its rules, as FilterResult carries it. */
export function serializeFilterSummary(filter: FilterFields): MastodonFilter {
  return {
    id: String(filter.id),
    title: filter.title,
    context: filter.context,
    expires_at: filter.expiresAt === null ? null : isoDate(filter.expiresAt),
    filter_action: filter.action,
  };
}

export function serializeFilter(
  filter: FilterFields,
  keywords: ReadonlyArray<Pick<CustomFilterKeyword, "id" | "keyword" | "wholeWord">>,
  statuses: ReadonlyArray<Pick<CustomFilterStatus, "id" | "statusId">>,
): MastodonFilter {
  return {
    ...serializeFilterSummary(filter),
    keywords: keywords.map(serializeFilterKeyword),
    statuses: statuses.map(serializeFilterStatus),
  };
}

/** A v1 filter is one keyword of a v2 filter group: the keyword's id and phrase, the group's settings. */
export function serializeV1Filter(
  keyword: Pick<CustomFilterKeyword, "id" | "keyword" | "wholeWord">,
  filter: Pick<CustomFilter, "context" | "expiresAt" | "action">,
): MastodonV1Filter {
  return {
    id: String(keyword.id),
    phrase: keyword.keyword,
    context: filter.context,
    whole_word: keyword.wholeWord,
    expires_at: filter.expiresAt === null ? null : isoDate(filter.expiresAt),
    irreversible: filter.action === "hide",
  };
}
