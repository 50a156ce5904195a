/**
 * Collections (Mastodon 4.6): `/api/v1/collections` and its items, plus the account-scoped
 * `/api/v1/accounts/:id/collections` and `/in_collections` (mounted before the accounts routes).
 * Reads take a token optionally (`read:collections` when given), writes need a user with
 * `write:collections`. Lists are wrapped (`{"collections": [...]}`) and paged by offset, as Mastodon.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { serializeAccount } from "../../../entities/account";
import {
  type CollectionView,
  serializeCollection,
  serializeCollectionItem,
  serializeCollectionWithAccounts,
} from "../../../entities/collection";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { parseId } from "../../../ids";
import { currentUser, tokenOptional, userRequired } from "../../../oauth/middleware";
import { scopeSatisfies } from "../../../oauth/scopes";
import {
  addCollectionItem,
  createCollection,
  deleteCollection,
  readCollectionInput,
  removeCollectionItem,
  revokeCollectionItem,
  updateCollection,
} from "../../../services/collection-edits";
import {
  COLLECTIONS_DEFAULT_LIMIT,
  COLLECTIONS_MAX_LIMIT,
  type CollectionPage,
  collectionView,
  listAccountCollections,
  listInCollections,
  notAllowed,
  type OffsetPage,
  requireCollection,
  requireOwner,
  showCollection,
} from "../../../services/collections";
import { requireTargetAccount } from "../../../services/relationships/common";
import { readPageParams } from "../../../util/pagination";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";
import { offsetParam } from "./trends";

export const collectionsRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

/** Mastodon's `authorize_if_got_token! :read, :'read:collections'`. */
const readCollectionsIfToken = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (auth && !scopeSatisfies(auth.scopes, "read:collections"))
    throw new ApiError(403, "This action is outside the authorized scopes");
  await next();
});

const writeCollections = userRequired("write:collections");

function offsetPage(params: Params): OffsetPage {
  const { limit } = readPageParams(params, { defaultLimit: COLLECTIONS_DEFAULT_LIMIT, maxLimit: COLLECTIONS_MAX_LIMIT });
  return { offset: offsetParam(params), limit };
}

/** `next` when rows follow, `prev` unless at the start, keeping the other query parameters. */
function offsetLink(c: C, page: OffsetPage, more: boolean): string | undefined {
  const url = new URL(c.req.url);
  const build = (offset: number) => {
    const q = new URLSearchParams(url.search);
    q.set("limit", String(page.limit));
    q.set("offset", String(offset));
    return `${c.get("config").baseUrl}${url.pathname}?${q.toString()}`;
  };
  const parts: string[] = [];
  if (more) parts.push(`<${build(page.offset + page.limit)}>; rel="next"`);
  if (page.offset > 0) parts.push(`<${build(Math.max(page.offset - page.limit, 0))}>; rel="prev"`);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

function collectionsJson(c: C, page: OffsetPage, result: CollectionPage) {
  const link = offsetLink(c, page, result.more);
  if (link) c.header("Link", link);
  const config = c.get("config");
  return c.json({ collections: result.items.map((v) => serializeCollection(config, v)) });
}

function wrapped(c: C, view: CollectionView) {
  return c.json({ collection: serializeCollection(c.get("config"), view) });
}

function collectionId(c: C, name: "id" | "collection_id"): number | undefined {
  return parseId(c.req.param(name));
}

collectionsRoutes.get("/api/v1/accounts/:id/collections", tokenOptional, readCollectionsIfToken, async (c) => {
  const owner = await requireTargetAccount(c.get("db"), parseId(c.req.param("id")));
  const page = offsetPage(await readParams(c));
  const viewerId = c.get("auth")?.account?.id;
  return collectionsJson(c, page, await listAccountCollections(c.get("db"), owner.id, viewerId, page));
});

// Mastodon's `require_user!` (422 without a user) and `index_featured_in_collections?` (only your own).
collectionsRoutes.get("/api/v1/accounts/:id/in_collections", tokenOptional, readCollectionsIfToken, async (c) => {
  const viewer = c.get("auth")?.account;
  if (!c.get("auth")?.user || !viewer) throw new ApiError(422, "This method requires an authenticated user");
  const account = await requireTargetAccount(c.get("db"), parseId(c.req.param("id")));
  if (account.id !== viewer.id) throw notAllowed();
  const page = offsetPage(await readParams(c));
  return collectionsJson(c, page, await listInCollections(c.get("db"), account.id, page));
});

collectionsRoutes.post("/api/v1/collections", writeCollections, async (c) => {
  const { account } = currentUser(c);
  const params = await readParams(c);
  const db = c.get("db");
  const id = await createCollection(db, account, readCollectionInput(params), params.strings("account_ids"));
  return wrapped(c, await collectionView(db, id, account.id));
});

collectionsRoutes.get("/api/v1/collections/:id", tokenOptional, readCollectionsIfToken, async (c) => {
  const { view, accounts } = await showCollection(c.get("db"), collectionId(c, "id"), c.get("auth")?.account?.id);
  const config = c.get("config");
  const json = accounts.map((a) => serializeAccount(config, a.account, { role: a.role }));
  return c.json(serializeCollectionWithAccounts(config, view, json));
});

collectionsRoutes.on(["PATCH", "PUT"], "/api/v1/collections/:id", writeCollections, async (c) => {
  const { account } = currentUser(c);
  const db = c.get("db");
  const collection = await requireCollection(db, collectionId(c, "id"));
  requireOwner(collection, account.id);
  await updateCollection(db, collection, readCollectionInput(await readParams(c)));
  return wrapped(c, await collectionView(db, collection.id, account.id));
});

collectionsRoutes.delete("/api/v1/collections/:id", writeCollections, async (c) => {
  const { account } = currentUser(c);
  const db = c.get("db");
  const collection = await requireCollection(db, collectionId(c, "id"));
  requireOwner(collection, account.id);
  await deleteCollection(db, collection);
  // Mastodon answers `head 200`: no body.
  return c.body(null, 200);
});

collectionsRoutes.post("/api/v1/collections/:collection_id/items", writeCollections, async (c) => {
  const { account } = currentUser(c);
  const db = c.get("db");
  const collection = await requireCollection(db, collectionId(c, "collection_id"));
  const rawAccountId = (await readParams(c)).string("account_id");
  if (!rawAccountId?.trim()) throw new ApiError(422, "`account_id` parameter is missing");
  const target = await requireTargetAccount(db, parseId(rawAccountId.trim()));
  requireOwner(collection, account.id);
  const item = await addCollectionItem(db, collection, account, target);
  return c.json({ collection_item: serializeCollectionItem(item) });
});

collectionsRoutes.delete("/api/v1/collections/:collection_id/items/:id", writeCollections, async (c) => {
  const { account } = currentUser(c);
  const db = c.get("db");
  const collection = await requireCollection(db, collectionId(c, "collection_id"));
  await removeCollectionItem(db, collection, c.req.param("id"), account.id);
  return c.body(null, 200);
});

collectionsRoutes.post("/api/v1/collections/:collection_id/items/:id/revoke", writeCollections, async (c) => {
  const { account } = currentUser(c);
  const db = c.get("db");
  const collection = await requireCollection(db, collectionId(c, "collection_id"));
  await revokeCollectionItem(db, collection, c.req.param("id"), account.id);
  return c.body(null, 200);
});
