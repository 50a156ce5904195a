/**
 * GET /api/v2/search, as Mastodon's Api::V2::SearchController: a token is optional but, when sent,
 * must hold `read:search`; `q` is required (400 when missing or blank); without a signed-in user,
 * `offset` and `resolve` are refused with 401; negative `limit`/`offset` are 400; `limit` defaults to
 * 20 per type and is capped at 40. Petrel also refuses queries over SEARCH_QUERY_MAX characters.
 */
import { type Context, Hono } from "hono";
import { d1Metrics } from "../../../db/metrics";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { remoteResolver } from "../../../federation/resolve-remote";
import { parseId } from "../../../ids";
import { tokenOptional } from "../../../oauth/middleware";
import { scopeSatisfies } from "../../../oauth/scopes";
import { SEARCH_QUERY_MAX, type SearchInput, type SearchResults, search } from "../../../services/search/search";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";

export const searchV2Routes = new Hono<AppEnv>();

const RESULTS_LIMIT = 20;

/** Rails' `to_i`: leading digits (with a sign) or 0. */
function railsInt(params: Params, name: string): number | undefined {
  const raw = params.raw[name];
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw === "number") return Number.isFinite(raw) ? Math.trunc(raw) : 0;
  if (typeof raw !== "string") return 0;
  const m = /^\s*([+-]?\d+)/.exec(raw);
  return m ? Number(m[1]) : 0;
}

function optionalId(params: Params, name: string): number | undefined {
  const raw = params.string(name);
  if (raw === undefined || raw === "") return undefined;
  // Mastodon filters on whatever was given; an id that cannot exist matches nothing.
  return parseId(raw) ?? -1;
}

/** Reads and checks the search parameters; `signedIn` is Mastodon's `user_signed_in?`. */
export async function readSearchInput(c: Context<AppEnv>, signedIn: boolean): Promise<SearchInput> {
  const params = await readParams(c);
  const q = params.raw.q;
  if (typeof q !== "string" || q.trim() === "") throw new ApiError(400, "param is missing or the value is empty: q");
  if (q.length > SEARCH_QUERY_MAX) {
    throw new ApiError(400, `The search query is too long (maximum is ${SEARCH_QUERY_MAX} characters)`);
  }
  const resolve = params.bool("resolve") ?? false;
  const offset = railsInt(params, "offset");
  if (!signedIn) {
    if (offset !== undefined) throw new ApiError(401, "Search queries pagination is not supported without authentication");
    if (resolve) throw new ApiError(401, "Search queries that resolve remote resources are not supported without authentication");
  }
  const limit = railsInt(params, "limit");
  if ((offset ?? 0) < 0 || (limit ?? 0) < 0) {
    throw new ApiError(400, "Pagination values for `offset` and `limit` must be positive");
  }
  return {
    q,
    type: params.string("type"),
    resolve,
    following: params.bool("following") ?? false,
    excludeUnreviewed: params.bool("exclude_unreviewed") ?? false,
    accountId: optionalId(params, "account_id"),
    minId: optionalId(params, "min_id"),
    maxId: optionalId(params, "max_id"),
    limit: limit === undefined ? RESULTS_LIMIT : Math.min(Math.abs(limit), RESULTS_LIMIT * 2),
    offset: offset ?? 0,
  };
}

/** Runs a search for the request's viewer (Mastodon's `authorize_if_got_token! :read, :'read:search'`). */
export async function runSearch(c: Context<AppEnv>): Promise<SearchResults> {
  const auth = c.get("auth");
  if (auth && !scopeSatisfies(auth.scopes, "read:search")) {
    throw new ApiError(403, "This action is outside the authorized scopes");
  }
  const viewerId = auth?.user && auth.account ? auth.account.id : null;
  const input = await readSearchInput(c, viewerId !== null);
  const db = c.get("db");
  const config = c.get("config");
  const remote = input.resolve && viewerId !== null ? remoteResolver(c.env, db, config) : undefined;
  return search({ db, config, viewerId, remote }, input);
}

// Server-Timing reports D1 rows read per search, so the bound on them can be watched (and is tested).
searchV2Routes.use("/api/v2/search", d1Metrics);
searchV2Routes.get("/api/v2/search", tokenOptional, async (c) => c.json(await runSearch(c)));
