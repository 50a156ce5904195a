/**
 * The 7-day usage history of hashtags (Tag entity `history`): per UTC day, how many public or unlisted
 * statuses in our database carried the tag (`uses`) and how many distinct accounts wrote them
 * (`accounts`), newest day first, as Mastodon's TagHistory. Mastodon keeps these counters in Redis;
 * here they are read from status_tags: each tag's walk down status_tags_tag_id is LIMIT'ed, so a
 * request reads at most HISTORY_ROW_BUDGET rows whatever the tags' sizes. A tag used more often than
 * its share within the week shows the newest uses only (older days undercounted).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { idFloor } from "../../ids";

export interface TagHistoryDay {
  day: string;
  uses: string;
  accounts: string;
}

export const HISTORY_DAYS = 7;
/** Rows one history read may touch across all the tags it covers. */
export const HISTORY_ROW_BUDGET = 4000;
/** Each tag's share never drops below this, however many tags are asked for. */
const MIN_PER_TAG = 50;
const DAY = 86_400_000;

/** The value under `key`, created by `make` when absent. */
export function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

export function historyStart(now: number): number {
  return Math.floor(now / DAY) * DAY - (HISTORY_DAYS - 1) * DAY;
}

/** Days (midnight UTC, ms) newest first. */
function days(now: number): number[] {
  const today = Math.floor(now / DAY) * DAY;
  return Array.from({ length: HISTORY_DAYS }, (_, i) => today - i * DAY);
}

export function emptyHistory(now = Date.now()): TagHistoryDay[] {
  return days(now).map((d) => ({ day: String(d / 1000), uses: "0", accounts: "0" }));
}

interface UseRow {
  tag_id: number;
  account_id: number;
  created_at: number;
}

export async function tagHistories(db: Db, tagIds: readonly number[], now = Date.now()): Promise<Map<number, TagHistoryDay[]>> {
  const out = new Map<number, TagHistoryDay[]>();
  const unique = [...new Set(tagIds)];
  if (unique.length === 0) return out;
  const perTag = Math.max(MIN_PER_TAG, Math.floor(HISTORY_ROW_BUDGET / unique.length));
  const start = historyStart(now);
  const rows = await db.all<UseRow>(sql`
    -- CROSS JOIN keeps this order: each tag's LIMIT'ed walk first, then statuses by primary key.
    SELECT t.value AS tag_id, s.account_id, s.created_at
    FROM json_each(${JSON.stringify(unique)}) t
    CROSS JOIN status_tags st ON st.tag_id = t.value AND st.status_id IN (
      SELECT status_id FROM status_tags WHERE tag_id = t.value AND status_id >= ${idFloor(start)}
      ORDER BY status_id DESC LIMIT ${perTag})
    CROSS JOIN statuses s ON s.id = st.status_id
    WHERE s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL AND s.created_at >= ${start}`);
  const counts = new Map<number, Map<number, { uses: number; accounts: Set<number> }>>();
  for (const row of rows) {
    const day = Math.floor(row.created_at / DAY) * DAY;
    const perDay = getOrSet(counts, row.tag_id, () => new Map<number, { uses: number; accounts: Set<number> }>());
    const cell = getOrSet(perDay, day, () => ({ uses: 0, accounts: new Set() }));
    cell.uses += 1;
    cell.accounts.add(row.account_id);
  }
  const list = days(now);
  for (const id of unique) {
    const perDay = counts.get(id);
    out.set(
      id,
      list.map((d) => {
        const cell = perDay?.get(d);
        return { day: String(d / 1000), uses: String(cell?.uses ?? 0), accounts: String(cell?.accounts.size ?? 0) };
      }),
    );
  }
  return out;
}
