/**
 * The deprecated v1 filters API over v2 filter groups, as Mastodon 4 maps them: each v1 filter is one
 * keyword (its id is the keyword's id, `phrase` the keyword); `context`, `expires_at` and
 * `irreversible` (action `hide`) belong to the keyword's group. Creating one makes a group holding
 * that single keyword; deleting one removes the keyword only.
 */
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { type CustomFilter, type CustomFilterKeyword, customFilterKeywords, customFilters } from "../db/schema-client-surface";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { type FilterInput, filterValues, keywordErrors, throwIfAny } from "./filter-store";

export interface V1Filter {
  keyword: CustomFilterKeyword;
  filter: CustomFilter;
}

export interface V1FilterInput {
  phrase?: string | undefined;
  context?: string[] | undefined;
  irreversible?: boolean | undefined;
  wholeWord?: boolean | undefined;
  /** Seconds; null clears; undefined leaves. */
  expiresIn?: number | null | undefined;
}

/** Mastodon's `filters.errors.deprecated_api_multiple_keywords`, rendered bare (a Mastodon::ValidationError). */
export const MULTIPLE_KEYWORDS_MESSAGE =
  "These parameters cannot be changed from this application because they apply to more than one filter keyword. Use a more recent application or the web interface.";

function groupInput(input: V1FilterInput): FilterInput {
  return {
    title: input.phrase,
    context: input.context,
    action: input.irreversible === undefined ? undefined : input.irreversible ? "hide" : "warn",
    expiresIn: input.expiresIn,
  };
}

/** Every keyword of every group of the account, oldest first. */
export async function v1FiltersOf(db: Db, accountId: number): Promise<V1Filter[]> {
  return db
    .select({ keyword: customFilterKeywords, filter: customFilters })
    .from(customFilterKeywords)
    .innerJoin(customFilters, eq(customFilters.id, customFilterKeywords.filterId))
    .where(eq(customFilterKeywords.accountId, accountId))
    .orderBy(asc(customFilterKeywords.id));
}

/** `POST /api/v1/filters`: a group titled after the phrase, holding the phrase as its one keyword. */
export async function createV1Filter(db: Db, accountId: number, input: V1FilterInput, now = Date.now()): Promise<V1Filter> {
  const { values, errors } = filterValues({ title: "", context: [], action: "warn", expiresAt: null }, groupInput(input), now);
  // Mastodon creates the group first and stops at its errors; the keyword is checked after.
  throwIfAny(errors);
  const phrase = input.phrase ?? "";
  throwIfAny(keywordErrors(phrase));
  const filter: CustomFilter = { id: newId(now), accountId, ...values, createdAt: now, updatedAt: now };
  const keyword: CustomFilterKeyword = {
    id: newId(now),
    filterId: filter.id,
    accountId,
    keyword: phrase,
    // Mastodon leaves an absent whole_word to the column default, which is true.
    wholeWord: input.wholeWord ?? true,
    createdAt: now,
    updatedAt: now,
  };
  await db.batch([db.insert(customFilters).values(filter), db.insert(customFilterKeywords).values(keyword)]);
  return { keyword, filter };
}

/**
 * `PUT /api/v1/filters/:id`. The phrase and whole_word are the keyword's and always change. The
 * group's settings change only when the keyword is alone in it: for a group with several keywords a
 * `context`, `irreversible` or `expires_in` that would apply (Rails' `present?`) is refused with
 * Mastodon's message, and the group keeps its title (renaming it after one of its keywords would
 * mislabel the others).
 */
export async function updateV1Filter(db: Db, current: V1Filter, input: V1FilterInput, now = Date.now()): Promise<V1Filter> {
  const siblings = await db
    .select({ id: customFilterKeywords.id })
    .from(customFilterKeywords)
    .where(eq(customFilterKeywords.filterId, current.filter.id))
    .limit(2);
  const shared = siblings.length > 1;
  if (shared && ((input.context?.length ?? 0) > 0 || input.irreversible === true || (input.expiresIn ?? null) !== null)) {
    throw new ApiError(422, MULTIPLE_KEYWORDS_MESSAGE);
  }
  const { values, errors } = shared
    ? { values: current.filter, errors: [] }
    : filterValues(current.filter, groupInput(input), now);
  throwIfAny(errors);
  const phrase = input.phrase ?? current.keyword.keyword;
  throwIfAny(keywordErrors(phrase));
  const keyword = {
    ...current.keyword,
    keyword: phrase,
    wholeWord: input.wholeWord ?? current.keyword.wholeWord,
    updatedAt: now,
  };
  const filter: CustomFilter = {
    ...current.filter,
    title: values.title,
    context: values.context,
    action: values.action,
    expiresAt: values.expiresAt,
    updatedAt: now,
  };
  await db.batch([
    db
      .update(customFilterKeywords)
      .set({ keyword: keyword.keyword, wholeWord: keyword.wholeWord, updatedAt: now })
      .where(eq(customFilterKeywords.id, keyword.id)),
    db
      .update(customFilters)
      .set({ title: filter.title, context: filter.context, action: filter.action, expiresAt: filter.expiresAt, updatedAt: now })
      .where(eq(customFilters.id, filter.id)),
  ]);
  return { keyword, filter };
}
