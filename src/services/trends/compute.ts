/**
 * Trends, computed by the cron (src/scheduled.ts) at most every RECOMPUTE_EVERY and stored ranked in
 * the `trends` table, so serving one is a single short read of its primary key.
 *
 * All three kinds come from one window: the newest WINDOW_SCAN public, original, local statuses of
 * the last 7 days (a walk down the statuses_public_timeline partial index), by authors who are
 * neither suspended nor silenced.
 * - tags: per tag, the distinct accounts using it each day, summed with a halving per day of age
 *   (today counts 1, yesterday 1/2, ...); at least TAG_MIN_ACCOUNTS distinct accounts in the week.
 *   Mastodon's own scoring (expected vs observed uses, admin review) needs a larger instance than
 *   this window to be meaningful; this keeps its inputs (distinct accounts per day) and its effect.
 * - statuses: Mastodon's eligibility (author discoverable, not sensitive, no content warning, not a
 *   reply) and reblogs + favourites, halved for every day of age; at least one interaction.
 * - links: the preview cards (migrations/0009, preview_card_statuses) of those statuses, scored as
 *   tags are, by distinct accounts sharing them per day; cards without a title are left out.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { TrendKind } from "../../db/schema-tags";
import { idFloor } from "../../ids";
import { getOrSet, historyStart, type TagHistoryDay, tagHistories } from "../tags/history";

export const RECOMPUTE_EVERY = 15 * 60_000;
export const WINDOW_SCAN = 10_000;
/** Ranked items stored per kind; `offset` paging goes this deep. */
export const TRENDS_STORED = 40;
export const TAG_MIN_ACCOUNTS = 2;
const DAY = 86_400_000;
const SETTING_KEY = "trends_computed_at";

interface Ranked {
  itemId: number;
  score: number;
  history: TagHistoryDay[] | null;
}

interface WindowRow {
  id: number;
  account_id: number;
  created_at: number;
  reblogs: number;
  favourites: number;
  eligible: number;
  tag_ids: string | null;
  card_id: number | null;
}

const decay = (now: number, at: number) => 0.5 ** Math.floor(Math.max(now - at, 0) / DAY);

/** The window every kind is computed from: one bounded statement. */
async function loadWindow(db: Db, now: number): Promise<WindowRow[]> {
  const start = historyStart(now);
  return db.all<WindowRow>(sql`
    SELECT s.id, s.account_id, s.created_at, s.reblogs_count AS reblogs, s.favourites_count AS favourites,
      (a.discoverable = 1 AND s.sensitive = 0 AND s.spoiler_text = '' AND s.in_reply_to_id IS NULL) AS eligible,
      (SELECT group_concat(tag_id) FROM status_tags WHERE status_id = s.id) AS tag_ids,
      (SELECT c.id FROM preview_card_statuses pcs JOIN preview_cards c ON c.id = pcs.preview_card_id
        WHERE pcs.status_id = s.id AND c.title <> '') AS card_id
    FROM (
      SELECT id FROM statuses INDEXED BY statuses_public_timeline
      WHERE visibility = 'public' AND reblog_of_id IS NULL AND local = 1 AND id >= ${idFloor(start)}
      ORDER BY id DESC LIMIT ${WINDOW_SCAN}
    ) w
    JOIN statuses s ON s.id = w.id
    JOIN accounts a ON a.id = s.account_id
    WHERE a.suspended_at IS NULL AND a.silenced_at IS NULL`);
}

/** Distinct accounts per item per day, summed with decay; and the per-day history. */
function byAccountsPerDay(rows: Array<{ item: number; account: number; at: number }>, now: number, minAccounts: number) {
  const perItem = new Map<number, { days: Map<number, { uses: number; accounts: Set<number> }>; accounts: Set<number> }>();
  for (const r of rows) {
    const item = getOrSet(perItem, r.item, () => ({ days: new Map(), accounts: new Set() }));
    const day = Math.floor(r.at / DAY) * DAY;
    const cell = getOrSet(item.days, day, () => ({ uses: 0, accounts: new Set() }));
    cell.uses += 1;
    cell.accounts.add(r.account);
    item.accounts.add(r.account);
  }
  const ranked: Array<Ranked & { days: Map<number, { uses: number; accounts: Set<number> }> }> = [];
  for (const [itemId, item] of perItem) {
    if (item.accounts.size < minAccounts) continue;
    let score = 0;
    for (const [day, cell] of item.days) score += cell.accounts.size * decay(now, day);
    ranked.push({ itemId, score, history: null, days: item.days });
  }
  ranked.sort((a, b) => b.score - a.score || b.itemId - a.itemId);
  return ranked.slice(0, TRENDS_STORED);
}

function historyOf(days: Map<number, { uses: number; accounts: Set<number> }>, now: number): TagHistoryDay[] {
  const today = Math.floor(now / DAY) * DAY;
  return Array.from({ length: 7 }, (_, i) => {
    const cell = days.get(today - i * DAY);
    return { day: String((today - i * DAY) / 1000), uses: String(cell?.uses ?? 0), accounts: String(cell?.accounts.size ?? 0) };
  });
}

export interface ComputedTrends {
  tags: Ranked[];
  statuses: Ranked[];
  links: Ranked[];
}

export async function computeTrends(db: Db, now = Date.now()): Promise<ComputedTrends> {
  const window = await loadWindow(db, now);
  const tagUses = window.flatMap((s) =>
    (s.tag_ids ?? "")
      .split(",")
      .filter(Boolean)
      .map((t) => ({ item: Number(t), account: s.account_id, at: s.created_at })),
  );
  const rankedTags = byAccountsPerDay(tagUses, now, TAG_MIN_ACCOUNTS);
  // The Tag entity's history is the same everywhere (src/services/tags/history.ts), trends included.
  const histories = await tagHistories(
    db,
    rankedTags.map((t) => t.itemId),
    now,
  );
  const tags = rankedTags.map((t) => ({ itemId: t.itemId, score: t.score, history: histories.get(t.itemId) ?? null }));

  const statuses = window
    .filter((s) => s.eligible === 1 && s.reblogs + s.favourites > 0)
    .map((s) => ({ itemId: s.id, score: (s.reblogs + s.favourites) * decay(now, s.created_at), history: null }))
    .sort((a, b) => b.score - a.score || b.itemId - a.itemId)
    .slice(0, TRENDS_STORED);

  const cardUses = window.flatMap((s) =>
    s.card_id === null ? [] : [{ item: s.card_id, account: s.account_id, at: s.created_at }],
  );
  const links = byAccountsPerDay(cardUses, now, 1).map((l) => ({
    itemId: l.itemId,
    score: l.score,
    history: historyOf(l.days, now),
  }));
  return { tags, statuses, links };
}

/** Replaces the stored trends of every kind in one atomic batch. */
export async function storeTrends(db: Db, computed: ComputedTrends, now = Date.now()): Promise<void> {
  const client = db.$client;
  const statements: D1PreparedStatement[] = [];
  for (const kind of ["tags", "statuses", "links"] as const satisfies readonly TrendKind[]) {
    statements.push(client.prepare("DELETE FROM trends WHERE kind = ?").bind(kind));
    computed[kind].forEach((item, rank) => {
      statements.push(
        client
          .prepare("INSERT INTO trends (kind, rank, item_id, score, history, computed_at) VALUES (?, ?, ?, ?, ?, ?)")
          .bind(kind, rank, item.itemId, item.score, item.history ? JSON.stringify(item.history) : null, now),
      );
    });
  }
  statements.push(
    client
      .prepare(
        "INSERT INTO instance_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      )
      .bind(SETTING_KEY, String(now), now),
  );
  await client.batch(statements);
}

/** The cron job: recomputes when the stored trends are RECOMPUTE_EVERY old (or missing). */
export async function refreshTrends(
  db: Db,
  now = Date.now(),
  options: { force?: boolean; intervalMs?: number } = {},
): Promise<boolean> {
  if (!options.force) {
    const rows = await db.all<{ value: string }>(sql`SELECT value FROM instance_settings WHERE key = ${SETTING_KEY}`);
    const last = Number(rows[0]?.value ?? 0);
    if (now - last < (options.intervalMs ?? RECOMPUTE_EVERY)) return false;
  }
  await storeTrends(db, await computeTrends(db, now), now);
  return true;
}
