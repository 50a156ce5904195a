/** `GET /api/v2/instance`: no token needed (Ice Cubes fetches it before sign-in). */
import { Hono } from "hono";
import { serializeInstance } from "../../../entities/instance";
import type { AppEnv } from "../../../env";
import { instanceSummary } from "../../../services/instance-stats";

export const instanceV2Routes = new Hono<AppEnv>();

/** Mastodon caches instance information for three minutes. */
const CACHE = { "Cache-Control": "public, max-age=180" };

instanceV2Routes.get("/api/v2/instance", async (c) => {
  const summary = await instanceSummary(c.get("db"));
  return c.json(serializeInstance(c.get("config"), summary), 200, CACHE);
});
