/**
 * `GET /api/v1/trends/tags` (and its old alias `/api/v1/trends`), `/trends/statuses`, `/trends/links`
 * and `GET /api/v1/timelines/link?url=`. Trends are precomputed by the cron
 * (src/services/trends/compute.ts); these routes page through them with `offset`/`limit` and Link
 * headers built as Mastodon's: `next` after a full page, `prev` once the offset passes one page.
 */

import { sql } from "drizzle-orm";
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../../env";
import { ApiError, notFound } from "../../../errors";
import { tokenOptional } from "../../../oauth/middleware";
import { scopeSatisfies } from "../../../oauth/scopes";
import { hydrateStatuses } from "../../../services/hydrate";
import { notExcludedFor, rowIdRange } from "../../../services/relationships/common";
import { trendingLinks, trendingStatuses, trendingTags } from "../../../services/trends/read";
import { linkHeader, readPageParams } from "../../../util/pagination";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";

export const trendsRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

/** Rails' `params[:offset].to_i`, never negative. */
export function offsetParam(params: Params): number {
  const raw = params.raw.offset;
  if (typeof raw === "number") return Number.isFinite(raw) ? Math.max(Math.trunc(raw), 0) : 0;
  if (typeof raw !== "string") return 0;
  const m = /^\s*([+-]?\d+)/.exec(raw);
  return m ? Math.min(Math.max(Number(m[1]), 0), 1_000_000) : 0;
}

/** The path a page of `kind` links to (the alias links to `/trends/tags`, as Mastodon's url helper does). */
function trendsLinks(c: C, path: string, offset: number, limit: number, count: number): void {
  const config = c.get("config");
  const url = new URL(c.req.url);
  const build = (o: number) => {
    const q = new URLSearchParams();
    const rawLimit = url.searchParams.get("limit");
    if (rawLimit !== null) q.set("limit", rawLimit);
    q.set("offset", String(o));
    return `${config.baseUrl}${path}?${q.toString()}`;
  };
  const parts: string[] = [];
  if (count === limit) parts.push(`<${build(offset + limit)}>; rel="next"`);
  if (offset > limit) parts.push(`<${build(offset - limit)}>; rel="prev"`);
  if (parts.length > 0) c.header("Link", parts.join(", "));
}

async function window(c: C, defaultLimit: number) {
  const params = await readParams(c);
  const { limit } = readPageParams(params, { defaultLimit, maxLimit: defaultLimit * 2 });
  return { offset: offsetParam(params), limit };
}

const viewer = (c: C) => c.get("auth")?.account?.id;

async function tagsHandler(c: C) {
  const w = await window(c, 10);
  const tags = await trendingTags(c.get("db"), c.get("config"), viewer(c), w);
  trendsLinks(c, "/api/v1/trends/tags", w.offset, w.limit, tags.length);
  return c.json(tags);
}

trendsRoutes.get("/api/v1/trends/tags", tokenOptional, tagsHandler);
// The pre-3.5 path, still called by some clients.
trendsRoutes.get("/api/v1/trends", tokenOptional, tagsHandler);

trendsRoutes.get("/api/v1/trends/statuses", tokenOptional, async (c) => {
  const w = await window(c, 20);
  const statuses = await trendingStatuses(c.get("db"), c.get("config"), viewer(c), w);
  trendsLinks(c, "/api/v1/trends/statuses", w.offset, w.limit, statuses.length);
  return c.json(statuses);
});

trendsRoutes.get("/api/v1/trends/links", tokenOptional, async (c) => {
  const w = await window(c, 10);
  const links = await trendingLinks(c.get("db"), w);
  trendsLinks(c, "/api/v1/trends/links", w.offset, w.limit, links.length);
  return c.json(links);
});

const readStatusesIfToken = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (auth && !scopeSatisfies(auth.scopes, "read:statuses"))
    throw new ApiError(403, "This action is outside the authorized scopes");
  await next();
});

/**
 * Mastodon's link timeline: public statuses sharing a trending link's card, newest first. A URL that
 * is not a trending link is "Record not found". Walks preview_card_statuses_preview_card_id, whose
 * entries are ordered by status id.
 */
trendsRoutes.get("/api/v1/timelines/link", tokenOptional, readStatusesIfToken, async (c) => {
  const params = await readParams(c);
  const url = params.string("url") ?? "";
  const db = c.get("db");
  const cards = await db.all<{ id: number }>(sql`
    SELECT c.id FROM preview_cards c
    WHERE c.url = ${url} AND EXISTS (SELECT 1 FROM trends WHERE kind = 'links' AND item_id = c.id)`);
  const card = cards[0];
  if (!card) throw notFound();
  const page = readPageParams(params);
  const range = rowIdRange("pcs.status_id", page);
  const viewerId = viewer(c);
  const exclusions = viewerId === undefined ? sql`` : sql`AND ${notExcludedFor("a", viewerId, Date.now())}`;
  const rows = await db.all<{ id: number }>(sql`
    SELECT pcs.status_id AS id FROM preview_card_statuses pcs
    JOIN statuses s ON s.id = pcs.status_id JOIN accounts a ON a.id = s.account_id
    WHERE pcs.preview_card_id = ${card.id} AND ${range.where}
      AND s.visibility = 'public' AND s.reblog_of_id IS NULL AND a.suspended_at IS NULL ${exclusions}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  const ids = range.ascending ? rows.map((r) => r.id).reverse() : rows.map((r) => r.id);
  const statuses = await hydrateStatuses(db, c.get("config"), viewerId ?? null, ids);
  if (ids.length > 0) {
    const link = linkHeader(c.get("config"), c.req.url, { next: ids[ids.length - 1], prev: ids[0] });
    if (link) c.header("Link", link);
  }
  return c.json(statuses);
});
