/** GET/HEAD /media/proxy/<kind>/<id>/<tag>: remote media through the cache (cache.ts); GET /emojis/:id. */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { parseId } from "../../ids";
import { emojiObject } from "../../services/custom-emojis";
import { serveRemoteMedia } from "./cache";
import { PROXY_KINDS, type ProxyKind } from "./urls";

export const remoteMediaRoutes = new Hono<AppEnv>();

remoteMediaRoutes.on(["GET", "HEAD"], "/media/proxy/:kind/:id/:tag?", async (c) => {
  const kind = c.req.param("kind") as ProxyKind;
  const id = parseId(c.req.param("id"));
  if (!PROXY_KINDS.includes(kind) || id === undefined) return c.notFound();
  const ctx = {
    db: c.get("db"),
    config: c.get("config"),
    bucket: c.env.MEDIA,
    fetcher: (input: RequestInfo | URL, init?: RequestInit) => fetch(input, init),
  };
  return (await serveRemoteMedia(ctx, c.req.raw, kind, id)) ?? c.notFound();
});

/** GET /emojis/:id: a local emoji as an ActivityPub `Emoji` object (the id its tags carry). */
remoteMediaRoutes.get("/emojis/:id{[0-9]+}", async (c) => {
  const id = parseId(c.req.param("id"));
  const emoji = id === undefined ? undefined : await emojiObject(c.get("db"), c.get("config"), id);
  if (!emoji) return c.notFound();
  const doc = {
    "@context": ["https://www.w3.org/ns/activitystreams", { toot: "http://joinmastodon.org/ns#", Emoji: "toot:Emoji" }],
    ...emoji,
  };
  return c.body(JSON.stringify(doc), 200, {
    "Content-Type": "application/activity+json; charset=utf-8",
    "Cache-Control": "public, max-age=3600",
  });
});
