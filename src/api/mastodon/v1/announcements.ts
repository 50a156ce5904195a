/**
 * `/api/v1/announcements`: what the operator announced, per user with `read` and reactions. Scopes as
 * Mastodon: reading needs only a user token, dismissing `write:accounts`, reacting `write:favourites`.
 * A reaction added or removed is streamed to every `user` stream after the write (announcement-events.ts).
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { streamReaction } from "../../../services/announcement-events";
import { activeAnnouncements, addReaction, d1Runner, dismissAnnouncement, removeReaction } from "../../../services/announcements";

export const announcementsRoutes = new Hono<AppEnv>();

/** Streams after the response when the runtime allows (streamReaction never rejects). */
async function streamAfter(c: Context<AppEnv>, announcementId: number, name: string): Promise<void> {
  const work = streamReaction(c.env, announcementId, name);
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (the app driven directly): stream before answering instead.
    await work;
  }
}

announcementsRoutes.get("/api/v1/announcements", userRequired(), async (c) => {
  return c.json(await activeAnnouncements(d1Runner(c.env.DB), currentUser(c).account.id));
});

announcementsRoutes.post("/api/v1/announcements/:id/dismiss", userRequired("write:accounts"), async (c) => {
  await dismissAnnouncement(d1Runner(c.env.DB), currentUser(c).account.id, c.req.param("id"));
  return c.json({});
});

announcementsRoutes.put("/api/v1/announcements/:id/reactions/:name", userRequired("write:favourites"), async (c) => {
  const name = c.req.param("name");
  const added = await addReaction(d1Runner(c.env.DB), currentUser(c).account.id, c.req.param("id"), name);
  if (added !== null) await streamAfter(c, added, name);
  return c.json({});
});

announcementsRoutes.delete("/api/v1/announcements/:id/reactions/:name", userRequired("write:favourites"), async (c) => {
  const name = c.req.param("name");
  const removed = await removeReaction(d1Runner(c.env.DB), currentUser(c).account.id, c.req.param("id"), name);
  await streamAfter(c, removed, name);
  return c.json({});
});
