/**
 * `/api/v1/announcements`: what the operator announced, per user with `read` and reactions. Scopes as
 * Mastodon: reading needs only a user token, dismissing `write:accounts`, reacting `write:favourites`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { activeAnnouncements, addReaction, d1Runner, dismissAnnouncement, removeReaction } from "../../../services/announcements";

export const announcementsRoutes = new Hono<AppEnv>();

announcementsRoutes.get("/api/v1/announcements", userRequired(), async (c) => {
  return c.json(await activeAnnouncements(d1Runner(c.env.DB), currentUser(c).account.id));
});

announcementsRoutes.post("/api/v1/announcements/:id/dismiss", userRequired("write:accounts"), async (c) => {
  await dismissAnnouncement(d1Runner(c.env.DB), currentUser(c).account.id, c.req.param("id"));
  return c.json({});
});

announcementsRoutes.put("/api/v1/announcements/:id/reactions/:name", userRequired("write:favourites"), async (c) => {
  await addReaction(d1Runner(c.env.DB), currentUser(c).account.id, c.req.param("id"), c.req.param("name"));
  return c.json({});
});

announcementsRoutes.delete("/api/v1/announcements/:id/reactions/:name", userRequired("write:favourites"), async (c) => {
  await removeReaction(d1Runner(c.env.DB), currentUser(c).account.id, c.req.param("id"), c.req.param("name"));
  return c.json({});
});
