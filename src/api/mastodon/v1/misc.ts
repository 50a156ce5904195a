/** `GET /api/v1/preferences` and `GET /api/v1/custom_emojis`: small resources clients fetch at start-up. */
import { Hono } from "hono";
import { type MastodonCustomEmoji, serializePreferences } from "../../../entities/instance";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { listCustomEmojis } from "../../../services/custom-emojis";

export const miscV1Routes = new Hono<AppEnv>();

// Ivory crashes when this 404s (gotosocial#1339), so it exists from the start.
miscV1Routes.get("/api/v1/preferences", userRequired("read:accounts"), (c) => {
  const { user } = currentUser(c);
  return c.json(serializePreferences(user.settings));
});

// Public and the same for everyone: cacheable (Mastodon caches it for three minutes too).
miscV1Routes.get("/api/v1/custom_emojis", async (c) =>
  c.json((await listCustomEmojis(c.get("db"), c.get("config"))) satisfies MastodonCustomEmoji[], 200, {
    "Cache-Control": "public, max-age=180",
  }),
);
