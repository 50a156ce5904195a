/**
 * Serving the stored trends (src/services/trends/compute.ts): one read of the `trends` primary key
 * per request, `offset`/`limit` over the ranks, then the entities in bulk. Statuses whose authors the
 * viewer blocks, mutes, is blocked by or whose domain the viewer blocks are left out, as Mastodon's
 * `filtered_for`.
 */
import { eq, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { previewCards } from "../../db/schema-surface";
import { trends } from "../../db/schema-tags";
import type { MastodonStatus } from "../../entities/status";
import type { MastodonTag } from "../../entities/tag";
import { type MastodonTrendsLink, serializeTrendsLink } from "../../entities/trends-link";
import { hydrateStatuses } from "../hydrate";
import { notExcludedFor } from "../relationships/common";
import type { TagHistoryDay } from "../tags/history";
import { findTagsByIds } from "../tags/names";
import { renderTags } from "../tags/render";

export interface Window {
  offset: number;
  limit: number;
}

interface TrendRow {
  item_id: number;
  history: string | null;
}

function parseHistory(raw: string | null): TagHistoryDay[] | undefined {
  if (raw === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? (parsed as TagHistoryDay[]) : undefined;
  } catch {
    return undefined;
  }
}

export async function trendingTags(db: Db, config: Config, viewerId: number | undefined, w: Window): Promise<MastodonTag[]> {
  const rows = await db.all<TrendRow>(sql`
    SELECT item_id, history FROM trends WHERE kind = 'tags' ORDER BY rank LIMIT ${w.limit} OFFSET ${w.offset}`);
  const tags = await findTagsByIds(
    db,
    rows.map((r) => r.item_id),
  );
  const histories = new Map<number, TagHistoryDay[]>();
  for (const r of rows) {
    const h = parseHistory(r.history);
    if (h) histories.set(r.item_id, h);
  }
  const present = rows.flatMap((r) => {
    const t = tags.get(r.item_id);
    return t ? [t] : [];
  });
  return renderTags(db, config, viewerId, present, { histories });
}

export async function trendingStatuses(
  db: Db,
  config: Config,
  viewerId: number | undefined,
  w: Window,
): Promise<MastodonStatus[]> {
  const now = Date.now();
  const exclusions = viewerId === undefined ? sql`` : sql`AND ${notExcludedFor("a", viewerId, now)}`;
  const rows = await db.all<{ item_id: number }>(sql`
    SELECT t.item_id FROM trends t
    JOIN statuses s ON s.id = t.item_id JOIN accounts a ON a.id = s.account_id
    WHERE t.kind = 'statuses' AND a.suspended_at IS NULL ${exclusions}
    ORDER BY t.rank LIMIT ${w.limit} OFFSET ${w.offset}`);
  return hydrateStatuses(
    db,
    config,
    viewerId ?? null,
    rows.map((r) => r.item_id),
    { now },
  );
}

export async function trendingLinks(db: Db, w: Window): Promise<MastodonTrendsLink[]> {
  const rows = await db
    .select({ card: previewCards, history: trends.history })
    .from(trends)
    .innerJoin(previewCards, eq(previewCards.id, trends.itemId))
    .where(eq(trends.kind, "links"))
    .orderBy(trends.rank)
    .limit(w.limit)
    .offset(w.offset);
  return rows.map((r) => serializeTrendsLink(r.card, r.history ?? []));
}
