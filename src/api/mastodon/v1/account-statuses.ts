/** `GET /api/v1/accounts/:id/statuses`: an account's statuses as the viewer may see them. */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { parseId } from "../../../ids";
import { tokenOptional } from "../../../oauth/middleware";
import { accountStatuses } from "../../../services/statuses/account-statuses";
import { linkHeaderForIds, readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";
import { readStatusesIfToken, viewerOf } from "./statuses";

export const accountStatusesRoutes = new Hono<AppEnv>();

accountStatusesRoutes.get("/api/v1/accounts/:id/statuses", tokenOptional, readStatusesIfToken, async (c) => {
  const params = await readParams(c);
  const tagged = params.string("tagged")?.trim();
  const result = await accountStatuses(c.get("db"), c.get("config"), viewerOf(c), parseId(c.req.param("id")), {
    pinned: params.bool("pinned") ?? false,
    excludeReplies: params.bool("exclude_replies") ?? false,
    excludeReblogs: params.bool("exclude_reblogs") ?? false,
    onlyMedia: params.bool("only_media") ?? false,
    tagged: tagged || undefined,
    page: readPageParams(params),
  });
  if (result.cursorIds) {
    const link = linkHeaderForIds(c.get("config"), c.req.url, result.cursorIds);
    if (link) c.header("Link", link);
  }
  return c.json(result.statuses);
});
