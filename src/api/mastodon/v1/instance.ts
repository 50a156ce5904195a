/**
 * `GET /api/v1/instance` and its sub-resources, plus the instance thumbnail image. None needs a token.
 */
import { Hono } from "hono";
import { serializeActivity, serializeExtendedDescription, serializeRules, serializeV1Instance } from "../../../entities/instance";
import type { AppEnv } from "../../../env";
import { publicDomainBlocks } from "../../../services/domain-blocks";
import { instanceStatsWithContact, knownPeers, weeklyActivity } from "../../../services/instance-stats";
import { thumbnailPng } from "../../../web/instance-thumbnail";

export const instanceV1Routes = new Hono<AppEnv>();

/** Mastodon caches instance information for three minutes. */
const CACHE = { "Cache-Control": "public, max-age=180" };

instanceV1Routes.get("/api/v1/instance", async (c) => {
  const data = await instanceStatsWithContact(c.get("db"));
  return c.json(serializeV1Instance(c.get("config"), data), 200, CACHE);
});

instanceV1Routes.get("/api/v1/instance/rules", (c) => c.json(serializeRules(c.get("config")), 200, CACHE));

instanceV1Routes.get("/api/v1/instance/peers", async (c) => c.json(await knownPeers(c.get("db")), 200, CACHE));

instanceV1Routes.get("/api/v1/instance/activity", async (c) =>
  c.json(serializeActivity(await weeklyActivity(c.get("db"))), 200, CACHE),
);

instanceV1Routes.get("/api/v1/instance/extended_description", (c) =>
  c.json(serializeExtendedDescription(c.get("config"), Date.now()), 200, CACHE),
);

instanceV1Routes.get("/api/v1/instance/domain_blocks", async (c) => c.json(await publicDomainBlocks(c.get("db")), 200, CACHE));

// Translation is disabled (configuration.translation.enabled = false): no language pairs.
instanceV1Routes.get("/api/v1/instance/translation_languages", (c) => c.json({}, 200, CACHE));

instanceV1Routes.get("/instance/thumbnail.png", (c) =>
  c.body(thumbnailPng(), 200, { "Content-Type": "image/png", "Cache-Control": "public, max-age=86400" }),
);
