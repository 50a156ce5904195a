/**
 * `/api/v2/filters` (filter groups, their keywords and statuses) and the deprecated `/api/v1/filters`
 * (one keyword each), both over the same tables. Read routes need `read:filters`, the rest
 * `write:filters`; another account's filter, keyword or status filter is "Record not found".
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { serializeFilter, serializeFilterKeyword, serializeFilterStatus, serializeV1Filter } from "../../../entities/filter";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import {
  addFilterStatus,
  addKeyword,
  createFilter,
  deleteFilter,
  deleteFilterStatus,
  deleteKeyword,
  type FilterInput,
  type FilterWithRules,
  filtersOf,
  type KeywordAttributes,
  requireOwnFilter,
  requireOwnFilterStatus,
  requireOwnKeyword,
  updateFilter,
  updateKeyword,
  withRules,
} from "../../../services/filter-store";
import { createV1Filter, updateV1Filter, type V1FilterInput, v1FiltersOf } from "../../../services/filters-v1";
import { coerceBool, Params, type ParamValue } from "../../../util/params";
import { readParams } from "../../../util/request";

export const filtersRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

/**
 * After every successful change to filters, keywords or filtered statuses, the account's open clients
 * are told to refetch them (streaming `filters_changed`), as Mastodon's CustomFilter callbacks do.
 */
const raiseFiltersChanged = createMiddleware<AppEnv>(async (c, next) => {
  await next();
  if (c.req.method === "GET" || c.req.method === "HEAD" || c.res.status >= 300) return;
  const accountId = c.get("auth")?.account?.id;
  if (accountId === undefined) return;
  try {
    await c.get("db").$events?.filtersChanged(accountId);
  } catch (err) {
    // The change is stored; a lost refresh hint must not turn it into an error the client would retry.
    console.error(`filters: could not raise filters_changed for account ${accountId}`, err);
  }
});
// `/*` also matches the collection path itself.
filtersRoutes.use("/api/v1/filters/*", raiseFiltersChanged);
filtersRoutes.use("/api/v2/filters/*", raiseFiltersChanged);

const read = userRequired("read:filters");
const write = userRequired("write:filters");
const ownerId = (c: C) => currentUser(c).account.id;
const filterJson = (f: FilterWithRules) => serializeFilter(f.filter, f.keywords, f.statuses);

// --- Parameters ------------------------------------------------------------------------------------

/** `context[]` when the request names it at all (an empty list is then an error, not "unchanged"). */
function contextParam(params: Params): string[] | undefined {
  if (params.raw.context === undefined && params.raw["context[]"] === undefined) return undefined;
  return params.strings("context");
}

/** `expires_in` in seconds: absent leaves the expiry, empty or null clears it. */
function expiresInParam(params: Params): number | null | undefined {
  const raw = params.raw.expires_in;
  if (raw === undefined) return undefined;
  if (raw === null || raw === "") return null;
  return params.int("expires_in") ?? null;
}

/** Rails' `blank?` for a nested attribute value. */
function blank(value: ParamValue | undefined): boolean {
  return value === undefined || value === null || value === false || (typeof value === "string" && value.trim() === "");
}

/** `keywords_attributes` as a JSON array, `keywords_attributes[][keyword]=` or `keywords_attributes[0][keyword]=`. */
function keywordsParam(params: Params): KeywordAttributes[] | undefined {
  const raw = params.raw.keywords_attributes ?? params.raw["keywords_attributes[]"];
  if (raw === undefined || raw === null) return undefined;
  const items = Array.isArray(raw) ? raw : typeof raw === "object" && !(raw instanceof File) ? Object.values(raw) : [];
  const out: KeywordAttributes[] = [];
  for (const item of items) {
    if (typeof item !== "object" || item === null || Array.isArray(item) || item instanceof File) continue;
    const attrs = new Params(item);
    const id = attrs.string("id")?.trim();
    out.push({
      id: id === undefined || id === "" ? undefined : id,
      keyword: attrs.string("keyword"),
      wholeWord: attrs.bool("whole_word"),
      destroy: coerceBool(item._destroy) === true,
      allBlank: Object.entries(item).every(([key, value]) => key === "_destroy" || blank(value)),
    });
  }
  return out;
}

function filterInput(params: Params): FilterInput {
  return {
    title: params.string("title"),
    context: contextParam(params),
    action: params.string("filter_action"),
    expiresIn: expiresInParam(params),
    keywords: keywordsParam(params),
  };
}

function v1Input(params: Params): V1FilterInput {
  return {
    phrase: params.string("phrase"),
    context: contextParam(params),
    irreversible: params.bool("irreversible"),
    wholeWord: params.bool("whole_word"),
    expiresIn: expiresInParam(params),
  };
}

// --- v2: filter groups ---------------------------------------------------------------------------

filtersRoutes.get("/api/v2/filters", read, async (c) => c.json((await filtersOf(c.get("db"), ownerId(c))).map(filterJson)));

filtersRoutes.post("/api/v2/filters", write, async (c) => {
  const created = await createFilter(c.get("db"), ownerId(c), filterInput(await readParams(c)));
  return c.json(filterJson(created));
});

// Before `/api/v2/filters/:id`-shaped routes only for readability: the paths do not overlap.
filtersRoutes.get("/api/v2/filters/keywords/:id", read, async (c) => {
  const { keyword } = await requireOwnKeyword(c.get("db"), ownerId(c), c.req.param("id"));
  return c.json(serializeFilterKeyword(keyword));
});

filtersRoutes.on(["PUT", "PATCH"], "/api/v2/filters/keywords/:id", write, async (c) => {
  const { keyword } = await requireOwnKeyword(c.get("db"), ownerId(c), c.req.param("id"));
  const params = await readParams(c);
  const updated = await updateKeyword(c.get("db"), keyword, {
    keyword: params.string("keyword"),
    wholeWord: params.bool("whole_word"),
  });
  return c.json(serializeFilterKeyword(updated));
});

filtersRoutes.delete("/api/v2/filters/keywords/:id", write, async (c) => {
  const { keyword } = await requireOwnKeyword(c.get("db"), ownerId(c), c.req.param("id"));
  await deleteKeyword(c.get("db"), keyword);
  return c.json({});
});

filtersRoutes.get("/api/v2/filters/statuses/:id", read, async (c) => {
  return c.json(serializeFilterStatus(await requireOwnFilterStatus(c.get("db"), ownerId(c), c.req.param("id"))));
});

filtersRoutes.delete("/api/v2/filters/statuses/:id", write, async (c) => {
  await deleteFilterStatus(c.get("db"), await requireOwnFilterStatus(c.get("db"), ownerId(c), c.req.param("id")));
  return c.json({});
});

filtersRoutes.get("/api/v2/filters/:id", read, async (c) => {
  const filter = await requireOwnFilter(c.get("db"), ownerId(c), c.req.param("id"));
  return c.json(filterJson(await withRules(c.get("db"), filter)));
});

filtersRoutes.on(["PUT", "PATCH"], "/api/v2/filters/:id", write, async (c) => {
  const filter = await requireOwnFilter(c.get("db"), ownerId(c), c.req.param("id"));
  const updated = await updateFilter(c.get("db"), filter, filterInput(await readParams(c)));
  return c.json(filterJson(updated));
});

filtersRoutes.delete("/api/v2/filters/:id", write, async (c) => {
  await deleteFilter(c.get("db"), await requireOwnFilter(c.get("db"), ownerId(c), c.req.param("id")));
  return c.json({});
});

// --- v2: keywords and statuses of a group ----------------------------------------------------------

filtersRoutes.get("/api/v2/filters/:filter_id/keywords", read, async (c) => {
  const filter = await requireOwnFilter(c.get("db"), ownerId(c), c.req.param("filter_id"));
  return c.json((await withRules(c.get("db"), filter)).keywords.map(serializeFilterKeyword));
});

filtersRoutes.post("/api/v2/filters/:filter_id/keywords", write, async (c) => {
  const filter = await requireOwnFilter(c.get("db"), ownerId(c), c.req.param("filter_id"));
  const params = await readParams(c);
  const keyword = await addKeyword(c.get("db"), filter, {
    keyword: params.string("keyword") ?? "",
    wholeWord: params.bool("whole_word"),
  });
  return c.json(serializeFilterKeyword(keyword));
});

filtersRoutes.get("/api/v2/filters/:filter_id/statuses", read, async (c) => {
  const filter = await requireOwnFilter(c.get("db"), ownerId(c), c.req.param("filter_id"));
  return c.json((await withRules(c.get("db"), filter)).statuses.map(serializeFilterStatus));
});

filtersRoutes.post("/api/v2/filters/:filter_id/statuses", write, async (c) => {
  const filter = await requireOwnFilter(c.get("db"), ownerId(c), c.req.param("filter_id"));
  const row = await addFilterStatus(c.get("db"), filter, (await readParams(c)).string("status_id"));
  return c.json(serializeFilterStatus(row));
});

// --- v1 --------------------------------------------------------------------------------------------

filtersRoutes.get("/api/v1/filters", read, async (c) => {
  const rows = await v1FiltersOf(c.get("db"), ownerId(c));
  return c.json(rows.map((r) => serializeV1Filter(r.keyword, r.filter)));
});

filtersRoutes.post("/api/v1/filters", write, async (c) => {
  const created = await createV1Filter(c.get("db"), ownerId(c), v1Input(await readParams(c)));
  return c.json(serializeV1Filter(created.keyword, created.filter));
});

filtersRoutes.get("/api/v1/filters/:id", read, async (c) => {
  const found = await requireOwnKeyword(c.get("db"), ownerId(c), c.req.param("id"));
  return c.json(serializeV1Filter(found.keyword, found.filter));
});

filtersRoutes.on(["PUT", "PATCH"], "/api/v1/filters/:id", write, async (c) => {
  const found = await requireOwnKeyword(c.get("db"), ownerId(c), c.req.param("id"));
  const updated = await updateV1Filter(c.get("db"), found, v1Input(await readParams(c)));
  return c.json(serializeV1Filter(updated.keyword, updated.filter));
});

// Removes the keyword only; its (possibly now empty) group stays, as in Mastodon.
filtersRoutes.delete("/api/v1/filters/:id", write, async (c) => {
  const found = await requireOwnKeyword(c.get("db"), ownerId(c), c.req.param("id"));
  await deleteKeyword(c.get("db"), found.keyword);
  return c.json({});
});
