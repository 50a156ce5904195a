/**
 * Relationships between accounts: follow, block, mute, notes, follow requests, domain blocks, and the
 * lists they make (followers, following, blocks, mutes). Mounted before the accounts routes so that
 * `/api/v1/accounts/relationships`, `/search` and `/familiar_followers` reach these handlers.
 * Lists keyed by relationship rows page by those rows' ids, through the `Link` header only.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { Config } from "../../../config";
import { serializeAccount } from "../../../entities/account";
import { serializeRelationship } from "../../../entities/relationship";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { remoteResolver } from "../../../federation/resolve-remote";
import { parseId } from "../../../ids";
import { currentUser, tokenOptional, userRequired } from "../../../oauth/middleware";
import { scopeSatisfies } from "../../../oauth/scopes";
import { parseAcct, type VisibleAccount } from "../../../services/accounts";
import { blockAccount, listBlocks, unblockAccount } from "../../../services/relationships/block";
import { listFollowCollection, listFollowRequests, listsContaining } from "../../../services/relationships/collections";
import { type RowPage, requireTargetAccount } from "../../../services/relationships/common";
import { blockDomain, listDomainBlocks, previewDomainBlock, unblockDomain } from "../../../services/relationships/domain-blocks";
import {
  authorizeFollowRequest,
  followAccount,
  normalizeLanguages,
  rejectFollowRequest,
  removeFromFollowers,
  SELF_FOLLOW_ERROR,
  unfollowAccount,
} from "../../../services/relationships/follow";
import { listMutes, muteAccount, unmuteAccount } from "../../../services/relationships/mute";
import { setAccountNote } from "../../../services/relationships/notes";
import { loadRelationship, loadRelationships } from "../../../services/relationships/relationship-map";
import { familiarFollowers, searchAccounts } from "../../../services/relationships/search";
import { isHandleQuery } from "../../../services/search/resolve";
import { linkHeader, readPageParams } from "../../../util/pagination";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";
import { isoDate } from "../../../util/time";

export const relationshipsRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

/** Public reads still check the scope of a token when one is sent (Mastodon's `authorize_if_got_token!`). */
const readAccountsIfToken = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (auth && !scopeSatisfies(auth.scopes, "read:accounts"))
    throw new ApiError(403, "This action is outside the authorized scopes");
  await next();
});

const accountJson = (config: Config, found: VisibleAccount) => serializeAccount(config, found.account, { role: found.role });

/** The account named by the `:id` (or `:account_id`) path parameter, or 404. */
function target(c: C, name = "id") {
  return requireTargetAccount(c.get("db"), parseId(c.req.param(name)));
}

/** The signed-in user's relationship with `accountId`, as the JSON response. */
async function relationshipJson(c: C, accountId: number) {
  const { account } = currentUser(c);
  return c.json(serializeRelationship(await loadRelationship(c.get("db"), account.id, accountId)));
}

/** Sends `items` with the page's Link header (none on an empty page). */
function paged<T, R>(c: C, page: RowPage<T>, render: (item: T) => R) {
  const link = linkHeader(c.get("config"), c.req.url, { next: page.next, prev: page.prev });
  if (link) c.header("Link", link);
  return c.json(page.items.map(render));
}

/** Rails' `to_i`: leading digits or 0. */
function looseInt(params: Params, name: string): number {
  const raw = params.raw[name];
  if (typeof raw === "number") return Number.isFinite(raw) ? Math.trunc(raw) : 0;
  if (typeof raw !== "string") return 0;
  const m = /^\s*([+-]?\d+)/.exec(raw);
  return m ? Number(m[1]) : 0;
}

function ids(params: Params): number[] {
  return params
    .strings("id")
    .map(parseId)
    .filter((id): id is number => id !== undefined);
}

// --- Relationships, search, familiar followers ------------------------------------------------------

relationshipsRoutes.get("/api/v1/accounts/relationships", userRequired("read:follows"), async (c) => {
  const params = await readParams(c);
  const { account } = currentUser(c);
  const states = await loadRelationships(c.get("db"), account.id, ids(params), {
    withSuspended: params.bool("with_suspended") ?? false,
  });
  return c.json(states.map(serializeRelationship));
});

relationshipsRoutes.get("/api/v1/accounts/search", userRequired("read:accounts"), async (c) => {
  const params = await readParams(c);
  const { account } = currentUser(c);
  const { limit } = readPageParams(params, { defaultLimit: 40, maxLimit: 80 });
  const q = params.string("q") ?? "";
  // `resolve=true` looks an unknown `user@domain` up through WebFinger first (Mastodon's AccountSearchService).
  if (params.bool("resolve") && isHandleQuery(q.trim())) {
    const parsed = parseAcct(c.get("config"), q.trim());
    if (parsed?.domain) await remoteResolver(c.env, c.get("db"), c.get("config")).handle(parsed.username, parsed.domain);
  }
  const found = await searchAccounts(c.get("db"), c.get("config"), account.id, {
    q,
    limit,
    offset: Math.max(looseInt(params, "offset"), 0),
    following: params.bool("following") ?? false,
  });
  return c.json(found.map((f) => accountJson(c.get("config"), f)));
});

relationshipsRoutes.get("/api/v1/accounts/familiar_followers", userRequired("read:follows"), async (c) => {
  const { account } = currentUser(c);
  const result = await familiarFollowers(c.get("db"), account.id, ids(await readParams(c)));
  const config = c.get("config");
  return c.json(result.map((r) => ({ id: String(r.id), accounts: r.accounts.map((a) => accountJson(config, a)) })));
});

// --- Actions on one account ------------------------------------------------------------------------

relationshipsRoutes.post("/api/v1/accounts/:id/follow", userRequired("write:follows"), async (c) => {
  const { account } = currentUser(c);
  const other = await target(c);
  if (other.id === account.id) throw new ApiError(403, SELF_FOLLOW_ERROR);
  const params = await readParams(c);
  const hasLanguages = params.has("languages") || params.has("languages[]");
  await followAccount(c.env, c.get("db"), account, other, {
    reblogs: params.bool("reblogs"),
    notify: params.bool("notify"),
    languages: hasLanguages ? normalizeLanguages(params.strings("languages")) : undefined,
  });
  return relationshipJson(c, other.id);
});

relationshipsRoutes.post("/api/v1/accounts/:id/unfollow", userRequired("write:follows"), async (c) => {
  const other = await target(c);
  await unfollowAccount(c.env, c.get("db"), currentUser(c).account, other);
  return relationshipJson(c, other.id);
});

relationshipsRoutes.post("/api/v1/accounts/:id/remove_from_followers", userRequired("write:follows"), async (c) => {
  const other = await target(c);
  await removeFromFollowers(c.env, c.get("db"), currentUser(c).account, other);
  return relationshipJson(c, other.id);
});

relationshipsRoutes.post("/api/v1/accounts/:id/block", userRequired("write:blocks"), async (c) => {
  const other = await target(c);
  await blockAccount(c.env, c.get("db"), currentUser(c).account, other);
  return relationshipJson(c, other.id);
});

relationshipsRoutes.post("/api/v1/accounts/:id/unblock", userRequired("write:blocks"), async (c) => {
  const other = await target(c);
  await unblockAccount(c.get("db"), currentUser(c).account, other, c.env);
  return relationshipJson(c, other.id);
});

relationshipsRoutes.post("/api/v1/accounts/:id/mute", userRequired("write:mutes"), async (c) => {
  const other = await target(c);
  const params = await readParams(c);
  await muteAccount(c.env, c.get("db"), currentUser(c).account, other, {
    notifications: params.bool("notifications"),
    duration: Math.max(looseInt(params, "duration"), 0),
  });
  return relationshipJson(c, other.id);
});

relationshipsRoutes.post("/api/v1/accounts/:id/unmute", userRequired("write:mutes"), async (c) => {
  const other = await target(c);
  await unmuteAccount(c.env, c.get("db"), currentUser(c).account, other);
  return relationshipJson(c, other.id);
});

relationshipsRoutes.post("/api/v1/accounts/:id/note", userRequired("write:accounts"), async (c) => {
  const other = await target(c);
  const params = await readParams(c);
  await setAccountNote(c.get("db"), currentUser(c).account, other, params.string("comment"));
  return relationshipJson(c, other.id);
});

// --- Lists of accounts -----------------------------------------------------------------------------

for (const direction of ["followers", "following"] as const) {
  relationshipsRoutes.get(`/api/v1/accounts/:id/${direction}`, tokenOptional, readAccountsIfToken, async (c) => {
    const owner = await target(c);
    const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
    const viewerId = c.get("auth")?.account?.id;
    const result = await listFollowCollection(c.get("db"), direction, owner, viewerId, page);
    return paged(c, result, (item) => accountJson(c.get("config"), item.account));
  });
}

relationshipsRoutes.get("/api/v1/accounts/:id/lists", userRequired("read:lists"), async (c) => {
  const other = await target(c);
  const rows = await listsContaining(c.get("db"), currentUser(c).account.id, other.id);
  return c.json(
    rows.map((l) => ({ id: String(l.id), title: l.title, replies_policy: l.repliesPolicy, exclusive: l.exclusive === 1 })),
  );
});

relationshipsRoutes.get("/api/v1/follow_requests", userRequired("read:follows"), async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const result = await listFollowRequests(c.get("db"), currentUser(c).account.id, page);
  return paged(c, result, (item) => accountJson(c.get("config"), item.account));
});

relationshipsRoutes.post("/api/v1/follow_requests/:account_id/authorize", userRequired("write:follows"), async (c) => {
  const requester = await target(c, "account_id");
  await authorizeFollowRequest(c.env, c.get("db"), currentUser(c).account, requester);
  return relationshipJson(c, requester.id);
});

relationshipsRoutes.post("/api/v1/follow_requests/:account_id/reject", userRequired("write:follows"), async (c) => {
  const requester = await target(c, "account_id");
  await rejectFollowRequest(c.get("db"), currentUser(c).account, requester, c.env);
  return relationshipJson(c, requester.id);
});

relationshipsRoutes.get("/api/v1/blocks", userRequired("read:blocks"), async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const result = await listBlocks(c.get("db"), currentUser(c).account.id, page);
  return paged(c, result, (item) => accountJson(c.get("config"), item.account));
});

relationshipsRoutes.get("/api/v1/mutes", userRequired("read:mutes"), async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const result = await listMutes(c.get("db"), currentUser(c).account.id, page);
  return paged(c, result, (item) => ({
    ...accountJson(c.get("config"), item.account),
    mute_expires_at: item.expiresAt === null ? null : isoDate(item.expiresAt),
  }));
});

// --- Domain blocks ---------------------------------------------------------------------------------

relationshipsRoutes.get("/api/v1/domain_blocks", userRequired("read:blocks"), async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 100, maxLimit: 200 });
  const result = await listDomainBlocks(c.get("db"), currentUser(c).account.id, page);
  return paged(c, result, (item) => item.domain);
});

// Mastodon asks for a write scope here: the preview is the first step of blocking.
relationshipsRoutes.get("/api/v1/domain_blocks/preview", userRequired("write:blocks"), async (c) => {
  const params = await readParams(c);
  return c.json(await previewDomainBlock(c.get("db"), currentUser(c).account.id, params.string("domain")));
});

relationshipsRoutes.post("/api/v1/domain_blocks", userRequired("write:blocks"), async (c) => {
  const params = await readParams(c);
  await blockDomain(c.env, c.get("db"), currentUser(c).account.id, params.string("domain"));
  return c.json({});
});

relationshipsRoutes.delete("/api/v1/domain_blocks", userRequired("write:blocks"), async (c) => {
  const params = await readParams(c);
  await unblockDomain(c.get("db"), currentUser(c).account.id, params.string("domain"));
  return c.json({});
});
