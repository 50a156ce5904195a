/**
 * `/api/v1/featured_tags` (the signed-in account's, with suggestions) and
 * `/api/v1/accounts/:id/featured_tags` (anyone's, public). Mounted before the accounts routes.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { serializeFeaturedTag } from "../../../entities/tag";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { parseId } from "../../../ids";
import { currentUser, tokenOptional, userRequired } from "../../../oauth/middleware";
import { scopeSatisfies } from "../../../oauth/scopes";
import { requireTargetAccount } from "../../../services/relationships/common";
import {
  createFeaturedTag,
  deleteFeaturedTag,
  type FeaturedTagRow,
  featuredTagSuggestions,
  listFeaturedTags,
} from "../../../services/tags/featured";
import { renderTags } from "../../../services/tags/render";
import { readParams } from "../../../util/request";

export const featuredTagsRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

/** Public reads still check the scope of a token when one is sent (Mastodon's `authorize_if_got_token!`). */
export const readAccountsIfToken = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (auth && !scopeSatisfies(auth.scopes, "read:accounts"))
    throw new ApiError(403, "This action is outside the authorized scopes");
  await next();
});

function featuredJson(c: C, username: string, rows: FeaturedTagRow[]) {
  const config = c.get("config");
  return rows.map((r) =>
    serializeFeaturedTag(config, {
      id: r.id,
      tagName: r.tag.name,
      tagDisplayName: r.tag.displayName,
      username,
      statusesCount: r.statusesCount,
      lastStatusAt: r.lastStatusAt,
    }),
  );
}

featuredTagsRoutes.get("/api/v1/featured_tags", userRequired("read:accounts"), async (c) => {
  const { account } = currentUser(c);
  return c.json(featuredJson(c, account.username, await listFeaturedTags(c.get("db"), account.id)));
});

featuredTagsRoutes.post("/api/v1/featured_tags", userRequired("write:accounts"), async (c) => {
  const { account } = currentUser(c);
  const params = await readParams(c);
  const created = await createFeaturedTag(c.get("db"), account.id, params.string("name"));
  const [json] = featuredJson(c, account.username, [created]);
  return c.json(json);
});

featuredTagsRoutes.get("/api/v1/featured_tags/suggestions", userRequired("read:accounts"), async (c) => {
  const { account } = currentUser(c);
  const tags = await featuredTagSuggestions(c.get("db"), account.id);
  return c.json(await renderTags(c.get("db"), c.get("config"), account.id, tags));
});

featuredTagsRoutes.delete("/api/v1/featured_tags/:id", userRequired("write:accounts"), async (c) => {
  await deleteFeaturedTag(c.get("db"), currentUser(c).account.id, parseId(c.req.param("id")));
  return c.json({});
});

featuredTagsRoutes.get("/api/v1/accounts/:id/featured_tags", tokenOptional, readAccountsIfToken, async (c) => {
  const owner = await requireTargetAccount(c.get("db"), parseId(c.req.param("id")));
  // Only local accounts feature tags here; a remote account's featured collection is not fetched yet.
  return c.json(featuredJson(c, owner.username, await listFeaturedTags(c.get("db"), owner.id)));
});
