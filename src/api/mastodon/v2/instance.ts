/** `GET /api/v2/instance`: no token needed (Ice Cubes fetches it before sign-in). */
import { Hono } from "hono";
import { serializeInstance } from "../../../entities/instance";
import type { AppEnv } from "../../../env";
import { vapidPublicKey } from "../../../push/vapid";
import { instanceSummary } from "../../../services/instance-stats";

export const instanceV2Routes = new Hono<AppEnv>();

/** Mastodon caches instance information for three minutes. */
const CACHE = { "Cache-Control": "public, max-age=180" };

instanceV2Routes.get("/api/v2/instance", async (c) => {
  const db = c.get("db");
  const summary = await instanceSummary(db);
  const vapid = await vapidPublicKey(db, c.get("config"));
  return c.json(serializeInstance(c.get("config"), { ...summary, vapidPublicKey: vapid }), 200, CACHE);
});
