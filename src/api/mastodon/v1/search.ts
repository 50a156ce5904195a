/**
 * GET /api/v1/search: removed from Mastodon in 3.0 (it answers 404 there), but older clients still
 * fall back to it. Petrel keeps its last shape (Mastodon 2.x): a signed-in user with `read:search`,
 * the v2 parameters, and `hashtags` as plain names instead of Tag entities.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { userRequired } from "../../../oauth/middleware";
import { runSearch } from "../v2/search";

export const searchV1Routes = new Hono<AppEnv>();

searchV1Routes.get("/api/v1/search", userRequired("read:search"), async (c) => {
  const results = await runSearch(c);
  return c.json({ ...results, hashtags: results.hashtags.map((t) => t.name) });
});
