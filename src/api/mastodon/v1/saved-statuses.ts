/**
 * GET /api/v1/bookmarks (read:bookmarks) and GET /api/v1/favourites (read:favourites): the viewer's
 * saved statuses, paged only through the Link header (max_id/min_id are bookmark/favourite row ids).
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { listSavedStatuses, type SavedKind } from "../../../services/saved-statuses";
import { linkHeader, readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";

export const savedStatusesRoutes = new Hono<AppEnv>();

async function respond(c: Context<AppEnv>, kind: SavedKind): Promise<Response> {
  const { account } = currentUser(c);
  const page = readPageParams(await readParams(c));
  const result = await listSavedStatuses(c.get("db"), c.get("config"), account.id, kind, page);
  const link = linkHeader(c.get("config"), c.req.url, { next: result.next, prev: result.prev });
  if (link) c.header("Link", link);
  return c.json(result.items);
}

savedStatusesRoutes.get("/api/v1/bookmarks", userRequired("read:bookmarks"), (c) => respond(c, "bookmarks"));
savedStatusesRoutes.get("/api/v1/favourites", userRequired("read:favourites"), (c) => respond(c, "favourites"));
