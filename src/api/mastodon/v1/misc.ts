/** `GET /api/v1/preferences` and `GET /api/v1/custom_emojis`: small resources clients fetch at start-up. */
import { Hono } from "hono";
import { type MastodonCustomEmoji, serializePreferences } from "../../../entities/instance";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";

export const miscV1Routes = new Hono<AppEnv>();

// Ivory crashes when this 404s (gotosocial#1339), so it exists from the start.
miscV1Routes.get("/api/v1/preferences", userRequired("read:accounts"), (c) => {
  const { user } = currentUser(c);
  return c.json(serializePreferences(user.settings));
});

// Custom emoji arrive with the media issue; clients (Elk's composer, Tusky) accept an empty list.
miscV1Routes.get("/api/v1/custom_emojis", (c) =>
  c.json([] satisfies MastodonCustomEmoji[], 200, { "Cache-Control": "public, max-age=180" }),
);
