/**
 * Filter groups, their keywords and statuses, as Mastodon's CustomFilter models validate and store
 * them (the v2 API). The v1 API's view of them is in filters-v1.ts; matching statuses against them is
 * in filters.ts.
 */
import { and, asc, eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../db/client";
import {
  type CustomFilter,
  type CustomFilterKeyword,
  type CustomFilterStatus,
  customFilterKeywords,
  customFilterStatuses,
  customFilters,
  type FilterAction,
  type FilterContext,
} from "../db/schema-client-surface";
import { ApiError, notFound, validationFailed } from "../errors";
import { newId, parseId } from "../ids";
import { findStatus, findVisibleStatus } from "./statuses/lookup";

export const FILTER_CONTEXTS: readonly FilterContext[] = ["home", "notifications", "public", "thread", "account"];
export const FILTER_ACTIONS: readonly FilterAction[] = ["warn", "hide", "blur"];
/** Mastodon's CustomFilterKeyword::KEYWORD_LENGTH_LIMIT. */
export const KEYWORD_MAX = 512;

export type FieldError = { field: string; message: string; code: string };

export interface FilterWithRules {
  filter: CustomFilter;
  keywords: CustomFilterKeyword[];
  statuses: CustomFilterStatus[];
}

/** One element of `keywords_attributes[]`, as Rails' nested attributes read it. */
export interface KeywordAttributes {
  id: string | undefined;
  keyword: string | undefined;
  wholeWord: boolean | undefined;
  destroy: boolean;
  /** Every attribute but `_destroy` blank: Rails (`reject_if: :all_blank`) ignores such a new keyword. */
  allBlank: boolean;
}

export interface FilterInput {
  title?: string | undefined;
  /** As given (not yet normalized); undefined when the request did not name `context`. */
  context?: string[] | undefined;
  action?: string | undefined;
  /** Seconds from now; null clears the expiry; undefined leaves it. */
  expiresIn?: number | null | undefined;
  keywords?: KeywordAttributes[] | undefined;
}

export interface FilterValues {
  title: string;
  context: FilterContext[];
  action: FilterAction;
  expiresAt: number | null;
}

/** Rails' `normalizes :context`: stripped, blanks dropped. */
function normalizeContext(context: readonly string[]): string[] {
  return context.map((c) => c.trim()).filter((c) => c !== "");
}

/**
 * Applies `input` over `base` and checks the result as CustomFilter does, in its order: title, context
 * presence, context values, action. Errors are returned so nested keyword errors can join them.
 */
export function filterValues(
  base: FilterValues,
  input: FilterInput,
  now: number,
): { values: FilterValues; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const title = input.title ?? base.title;
  if (title.trim() === "") errors.push({ field: "title", message: "can't be blank", code: "ERR_BLANK" });
  const context = input.context === undefined ? base.context : normalizeContext(input.context);
  if (context.length === 0) errors.push({ field: "context", message: "can't be blank", code: "ERR_BLANK" });
  const valid = context.filter((c): c is FilterContext => (FILTER_CONTEXTS as readonly string[]).includes(c));
  if (context.length === 0 || valid.length !== context.length) {
    errors.push({ field: "context", message: "None or invalid context supplied", code: "ERR_INVALID" });
  }
  const action = input.action === undefined ? base.action : FILTER_ACTIONS.find((a) => a === input.action);
  if (action === undefined) errors.push({ field: "action", message: "is not included in the list", code: "ERR_INCLUSION" });
  let expiresAt = base.expiresAt;
  if (input.expiresIn === null) expiresAt = null;
  else if (input.expiresIn !== undefined) expiresAt = now + input.expiresIn * 1000;
  return { values: { title, context: valid, action: action ?? "warn", expiresAt }, errors };
}

/** CustomFilterKeyword's validations; `nested` names the attribute as Rails does inside keywords_attributes. */
export function keywordErrors(keyword: string, nested = false): FieldError[] {
  const field = nested ? "keywords.keyword" : "keyword";
  if (keyword.trim() === "") return [{ field, message: "can't be blank", code: "ERR_BLANK" }];
  if ([...keyword].length > KEYWORD_MAX) {
    return [{ field, message: `is too long (maximum is ${KEYWORD_MAX} characters)`, code: "ERR_TOO_LONG" }];
  }
  return [];
}

export function throwIfAny(errors: FieldError[]): void {
  if (errors.length > 0) throw validationFailed(errors);
}

/** Every filter of the account with its keywords and statuses, in creation order. Three index reads, one round trip. */
export async function filtersOf(db: Db, accountId: number): Promise<FilterWithRules[]> {
  const [filters, keywords, statuses] = await db.batch([
    db.select().from(customFilters).where(eq(customFilters.accountId, accountId)).orderBy(asc(customFilters.id)),
    db
      .select()
      .from(customFilterKeywords)
      .where(eq(customFilterKeywords.accountId, accountId))
      .orderBy(asc(customFilterKeywords.id)),
    db
      .select()
      .from(customFilterStatuses)
      .where(eq(customFilterStatuses.accountId, accountId))
      .orderBy(asc(customFilterStatuses.id)),
  ]);
  return filters.map((filter) => ({
    filter,
    keywords: keywords.filter((k) => k.filterId === filter.id),
    statuses: statuses.filter((s) => s.filterId === filter.id),
  }));
}

/** One of the account's filters; another account's is "Record not found". */
export async function requireOwnFilter(db: Db, accountId: number, rawId: unknown): Promise<CustomFilter> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const [filter] = await db
    .select()
    .from(customFilters)
    .where(and(eq(customFilters.id, id), eq(customFilters.accountId, accountId)))
    .limit(1);
  if (!filter) throw notFound();
  return filter;
}

export async function withRules(db: Db, filter: CustomFilter): Promise<FilterWithRules> {
  const [keywords, statuses] = await db.batch([
    db
      .select()
      .from(customFilterKeywords)
      .where(eq(customFilterKeywords.filterId, filter.id))
      .orderBy(asc(customFilterKeywords.id)),
    db
      .select()
      .from(customFilterStatuses)
      .where(eq(customFilterStatuses.filterId, filter.id))
      .orderBy(asc(customFilterStatuses.id)),
  ]);
  return { filter, keywords, statuses };
}

function newKeyword(filter: CustomFilter, keyword: string, wholeWord: boolean | undefined, now: number): CustomFilterKeyword {
  return {
    id: newId(now),
    filterId: filter.id,
    accountId: filter.accountId,
    keyword,
    wholeWord: wholeWord ?? true,
    createdAt: now,
    updatedAt: now,
  };
}

const EMPTY: FilterValues = { title: "", context: [], action: "warn", expiresAt: null };

/** `POST /api/v2/filters`: the group and its keywords in one batch, or nothing. */
export async function createFilter(db: Db, accountId: number, input: FilterInput, now = Date.now()): Promise<FilterWithRules> {
  const { values, errors } = filterValues(EMPTY, input, now);
  const attributes = input.keywords ?? [];
  // Naming an existing keyword while creating a group is Rails' RecordNotFound.
  if (attributes.some((k) => k.id !== undefined)) throw notFound();
  const wanted = attributes.filter((k) => !k.destroy && !k.allBlank);
  for (const k of wanted) errors.push(...keywordErrors(k.keyword ?? "", true));
  throwIfAny(errors);
  const filter: CustomFilter = { id: newId(now), accountId, ...values, createdAt: now, updatedAt: now };
  const keywords = wanted.map((k) => newKeyword(filter, k.keyword ?? "", k.wholeWord, now));
  const inserts: BatchItem<"sqlite">[] = keywords.map((k) => db.insert(customFilterKeywords).values(k));
  await db.batch([db.insert(customFilters).values(filter), ...inserts]);
  return { filter, keywords, statuses: [] };
}

/** `PUT /api/v2/filters/:id`: settings, plus keywords added, changed (`id`) or removed (`id` + `_destroy`). */
export async function updateFilter(db: Db, filter: CustomFilter, input: FilterInput, now = Date.now()): Promise<FilterWithRules> {
  const current = await withRules(db, filter);
  const { values, errors } = filterValues(filter, input, now);
  const added: CustomFilterKeyword[] = [];
  const changed = new Map<number, CustomFilterKeyword>();
  const removed = new Set<number>();
  for (const attr of input.keywords ?? []) {
    if (attr.id === undefined) {
      if (attr.destroy || attr.allBlank) continue;
      errors.push(...keywordErrors(attr.keyword ?? "", true));
      added.push(newKeyword(filter, attr.keyword ?? "", attr.wholeWord, now));
      continue;
    }
    const existing = current.keywords.find((k) => String(k.id) === attr.id);
    if (!existing) throw notFound();
    if (attr.destroy) {
      removed.add(existing.id);
      continue;
    }
    const next = {
      ...existing,
      keyword: attr.keyword ?? existing.keyword,
      wholeWord: attr.wholeWord ?? existing.wholeWord,
      updatedAt: now,
    };
    errors.push(...keywordErrors(next.keyword, true));
    changed.set(existing.id, next);
  }
  throwIfAny(errors);
  const updated: CustomFilter = { ...filter, ...values, updatedAt: now };
  const writes: BatchItem<"sqlite">[] = [
    ...added.map((k) => db.insert(customFilterKeywords).values(k)),
    ...[...changed.values()].map((k) =>
      db
        .update(customFilterKeywords)
        .set({ keyword: k.keyword, wholeWord: k.wholeWord, updatedAt: now })
        .where(eq(customFilterKeywords.id, k.id)),
    ),
  ];
  if (removed.size > 0) writes.push(db.delete(customFilterKeywords).where(inArray(customFilterKeywords.id, [...removed])));
  await db.batch([
    db
      .update(customFilters)
      .set({ ...values, updatedAt: now })
      .where(eq(customFilters.id, filter.id)),
    ...writes,
  ]);
  const keywords = [...current.keywords.filter((k) => !removed.has(k.id)).map((k) => changed.get(k.id) ?? k), ...added];
  return { filter: updated, keywords, statuses: current.statuses };
}

export async function deleteFilter(db: Db, filter: CustomFilter): Promise<void> {
  await db.batch([
    db.delete(customFilterKeywords).where(eq(customFilterKeywords.filterId, filter.id)),
    db.delete(customFilterStatuses).where(eq(customFilterStatuses.filterId, filter.id)),
    db.delete(customFilters).where(eq(customFilters.id, filter.id)),
  ]);
}

// --- Keywords ---------------------------------------------------------------------------------------

export async function addKeyword(
  db: Db,
  filter: CustomFilter,
  input: { keyword: string; wholeWord: boolean | undefined },
  now = Date.now(),
): Promise<CustomFilterKeyword> {
  throwIfAny(keywordErrors(input.keyword));
  const keyword = newKeyword(filter, input.keyword, input.wholeWord, now);
  await db.batch([
    db.insert(customFilterKeywords).values(keyword),
    db.update(customFilters).set({ updatedAt: now }).where(eq(customFilters.id, filter.id)),
  ]);
  return keyword;
}

/** One of the account's keywords, with its filter; another account's is "Record not found". */
export async function requireOwnKeyword(
  db: Db,
  accountId: number,
  rawId: unknown,
): Promise<{ keyword: CustomFilterKeyword; filter: CustomFilter }> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const [row] = await db
    .select({ keyword: customFilterKeywords, filter: customFilters })
    .from(customFilterKeywords)
    .innerJoin(customFilters, eq(customFilters.id, customFilterKeywords.filterId))
    .where(and(eq(customFilterKeywords.id, id), eq(customFilterKeywords.accountId, accountId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

export async function updateKeyword(
  db: Db,
  keyword: CustomFilterKeyword,
  input: { keyword?: string | undefined; wholeWord?: boolean | undefined },
  now = Date.now(),
): Promise<CustomFilterKeyword> {
  const next = {
    ...keyword,
    keyword: input.keyword ?? keyword.keyword,
    wholeWord: input.wholeWord ?? keyword.wholeWord,
    updatedAt: now,
  };
  throwIfAny(keywordErrors(next.keyword));
  await db
    .update(customFilterKeywords)
    .set({ keyword: next.keyword, wholeWord: next.wholeWord, updatedAt: now })
    .where(eq(customFilterKeywords.id, keyword.id));
  return next;
}

export async function deleteKeyword(db: Db, keyword: CustomFilterKeyword): Promise<void> {
  await db.delete(customFilterKeywords).where(eq(customFilterKeywords.id, keyword.id));
}

// --- Statuses ---------------------------------------------------------------------------------------

/**
 * `POST /api/v2/filters/:id/statuses`, with CustomFilterStatus's errors: an unknown status "must
 * exist", a status already in the group "has already been taken", one the owner cannot see "is invalid".
 */
export async function addFilterStatus(
  db: Db,
  filter: CustomFilter,
  rawStatusId: unknown,
  now = Date.now(),
): Promise<CustomFilterStatus> {
  const statusId = parseId(rawStatusId);
  const status = statusId === undefined ? undefined : await findStatus(db, statusId);
  if (statusId === undefined || !status) throw validationFailed([{ field: "status", message: "must exist", code: "ERR_BLANK" }]);
  const errors: FieldError[] = [];
  const [taken] = await db
    .select({ id: customFilterStatuses.id })
    .from(customFilterStatuses)
    .where(and(eq(customFilterStatuses.filterId, filter.id), eq(customFilterStatuses.statusId, statusId)))
    .limit(1);
  if (taken) errors.push({ field: "status", message: "has already been taken", code: "ERR_TAKEN" });
  if (!(await findVisibleStatus(db, filter.accountId, statusId))) {
    errors.push({ field: "status", message: "is invalid", code: "ERR_INVALID" });
  }
  throwIfAny(errors);
  const row: CustomFilterStatus = { id: newId(now), filterId: filter.id, accountId: filter.accountId, statusId, createdAt: now };
  try {
    await db.insert(customFilterStatuses).values(row);
  } catch (err) {
    // Two requests raced past the check; the unique index kept one.
    if (String(err).includes("UNIQUE constraint failed"))
      throw new ApiError(422, "Validation failed: Status has already been taken");
    throw err;
  }
  return row;
}

export async function requireOwnFilterStatus(db: Db, accountId: number, rawId: unknown): Promise<CustomFilterStatus> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const [row] = await db
    .select()
    .from(customFilterStatuses)
    .where(and(eq(customFilterStatuses.id, id), eq(customFilterStatuses.accountId, accountId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

export async function deleteFilterStatus(db: Db, row: CustomFilterStatus): Promise<void> {
  await db.delete(customFilterStatuses).where(eq(customFilterStatuses.id, row.id));
}
