/**
 * GET /api/v1/timelines/home | public | tag/:hashtag | list/:list_id, with Mastodon's paging
 * (max_id, since_id, min_id, limit 20 by default and 40 at most, Link header, none on an empty page).
 * Every response carries Server-Timing (in-Worker time, D1 time and rows read, AccountHub time).
 */
import { type Context, Hono } from "hono";
import { d1Metrics, requestMeter } from "../../../db/metrics";
import type { AppEnv } from "../../../env";
import { notFound } from "../../../errors";
import { parseId } from "../../../ids";
import { currentUser, tokenOptional, userRequired } from "../../../oauth/middleware";
import { chosenLanguages } from "../../../services/chosen-languages";
import {
  homeTimeline,
  listTimeline,
  publicTimeline,
  type TimelineContext,
  type TimelinePage,
  tagTimeline,
} from "../../../services/timelines";
import { linkHeader, readPageParams } from "../../../util/pagination";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";

export const timelinesRoutes = new Hono<AppEnv>();

timelinesRoutes.use("/api/v1/timelines/*", d1Metrics);

function context(c: Context<AppEnv>, viewerId: number | null): TimelineContext {
  return {
    db: c.get("db"),
    config: c.get("config"),
    viewerId,
    languages: chosenLanguages(c.get("auth")?.user?.settings),
    mark: (name, ms) => requestMeter(c)?.mark(name, ms),
  };
}

function respond(c: Context<AppEnv>, page: TimelinePage): Response {
  const link = page.cursors ? linkHeader(c.get("config"), c.req.url, page.cursors) : undefined;
  if (link) c.header("Link", link);
  return c.json(page.statuses);
}

function originOptions(params: Params) {
  return {
    local: params.bool("local") ?? false,
    remote: params.bool("remote") ?? false,
    onlyMedia: params.bool("only_media") ?? false,
  };
}

timelinesRoutes.get("/api/v1/timelines/home", userRequired("read:statuses"), async (c) => {
  const { account } = currentUser(c);
  const page = readPageParams(await readParams(c));
  return respond(c, await homeTimeline(c.env, context(c, account.id), page));
});

timelinesRoutes.get("/api/v1/timelines/list/:list_id", userRequired("read:lists"), async (c) => {
  const { account } = currentUser(c);
  const page = readPageParams(await readParams(c));
  const listId = parseId(c.req.param("list_id"));
  if (listId === undefined) throw notFound();
  const owned = await c.env.DB.prepare("SELECT 1 AS ok FROM lists WHERE id = ? AND account_id = ?")
    .bind(listId, account.id)
    .all();
  if (owned.results.length === 0) throw notFound();
  return respond(c, await listTimeline(c.env, context(c, account.id), listId, page));
});

timelinesRoutes.get("/api/v1/timelines/public", tokenOptional, async (c) => {
  const params = await readParams(c);
  const page = readPageParams(params);
  const viewer = c.get("auth")?.account?.id ?? null;
  return respond(c, await publicTimeline(context(c, viewer), originOptions(params), page));
});

timelinesRoutes.get("/api/v1/timelines/tag/:hashtag", tokenOptional, async (c) => {
  const params = await readParams(c);
  const page = readPageParams(params);
  const viewer = c.get("auth")?.account?.id ?? null;
  const options = {
    ...originOptions(params),
    any: params.strings("any"),
    all: params.strings("all"),
    none: params.strings("none"),
  };
  return respond(c, await tagTimeline(context(c, viewer), c.req.param("hashtag"), options, page));
});
