/**
 * `GET /api/v2/search` (and the legacy v1 shape) as Mastodon's SearchService decides it:
 * - with `resolve` and a URL, only what the URL names (an account or a status), nothing else;
 * - otherwise accounts (not for `#tag` queries, nor `@` queries with spaces), statuses (signed-in
 *   viewers only; not for a single `#tag` or `@handle` word) and hashtags (not for `@` queries);
 * - `type` narrows to one of them; any other `type` finds nothing (Mastodon answers 200 and empty);
 * - `offset` counts only when `type` is given.
 */
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type MastodonAccount, serializeAccount } from "../../entities/account";
import type { MastodonStatus } from "../../entities/status";
import type { MastodonTag } from "../../entities/tag";
import type { RemoteResolver } from "../../federation/resolve-remote";
import type { VisibleAccount } from "../accounts";
import { hydrateStatuses } from "../hydrate";
import { searchAccounts } from "../relationships/search";
import { searchHashtags } from "./hashtags";
import { isHandleQuery, isUrlQuery, resolveQuery } from "./resolve";
import { searchStatuses } from "./statuses";

/** Longest query accepted (characters); longer ones are refused with 400 by the route. */
export const SEARCH_QUERY_MAX = 1000;

export interface SearchInput {
  q: string;
  type: string | undefined;
  resolve: boolean;
  following: boolean;
  excludeUnreviewed: boolean;
  accountId: number | undefined;
  minId: number | undefined;
  maxId: number | undefined;
  limit: number;
  offset: number;
}

export interface SearchResults {
  accounts: MastodonAccount[];
  statuses: MastodonStatus[];
  hashtags: MastodonTag[];
}

export interface SearchContext {
  db: Db;
  config: Config;
  viewerId: number | null;
  /** Fetches unknown handles and URLs when `resolve` is asked for (signed-in viewers only). */
  remote?: RemoteResolver | undefined;
}

export async function search(ctx: SearchContext, input: SearchInput): Promise<SearchResults> {
  const results: SearchResults = { accounts: [], statuses: [], hashtags: [] };
  const query = input.q.trim();
  const type = input.type === undefined || input.type === "" ? undefined : input.type;
  const offset = type === undefined ? 0 : input.offset;
  if (query === "" || input.limit === 0) return results;

  if (input.resolve && isUrlQuery(query)) {
    const found = await resolveQuery(resolving(ctx), query);
    if (!found || offset > 0) return results;
    if (found.kind === "account" && (type === undefined || type === "accounts")) {
      results.accounts = [accountJson(ctx.config, found.account)];
    } else if (found.kind === "status" && (type === undefined || type === "statuses")) {
      results.statuses = await hydrateStatuses(ctx.db, ctx.config, ctx.viewerId, [found.statusId]);
    }
    return results;
  }

  const wants = (kind: string) => type === undefined || type === kind;
  const hasSpace = /\s/.test(query);
  if (wants("accounts") && !(query.startsWith("#") || (query.includes("@") && hasSpace))) {
    results.accounts = await accounts(ctx, query, input, offset);
  }
  if (wants("statuses") && ctx.viewerId !== null && !((query.startsWith("#") || query.includes("@")) && !hasSpace)) {
    results.statuses = await searchStatuses(ctx.db, ctx.config, ctx.viewerId, {
      query,
      limit: input.limit,
      offset,
      accountId: input.accountId,
      minId: input.minId,
      maxId: input.maxId,
    });
  }
  if (wants("hashtags") && !query.includes("@")) {
    results.hashtags = await searchHashtags(ctx.db, ctx.config, ctx.viewerId, {
      query,
      limit: input.limit,
      offset,
      excludeUnreviewed: input.excludeUnreviewed,
    });
  }
  return results;
}

function accountJson(config: Config, found: VisibleAccount): MastodonAccount {
  return serializeAccount(config, found.account, { role: found.role });
}

/**
 * Handle and display-name matches. With `resolve`, a handle is resolved first so that an account the
 * server learns about then (once federation resolves remote handles in `resolveQuery`) is found too.
 */
async function accounts(ctx: SearchContext, query: string, input: SearchInput, offset: number): Promise<MastodonAccount[]> {
  if (input.resolve && isHandleQuery(query)) await resolveQuery(resolving(ctx), query);
  const found = await searchAccounts(ctx.db, ctx.config, ctx.viewerId ?? 0, {
    q: query,
    limit: input.limit,
    offset,
    following: input.following && ctx.viewerId !== null,
  });
  return found.map((f) => accountJson(ctx.config, f));
}

/** Remote lookups only for signed-in viewers (the route refuses `resolve` without a token anyway). */
function resolving(ctx: SearchContext): SearchContext {
  return ctx.viewerId === null ? { ...ctx, remote: undefined } : ctx;
}
