/**
 * Timeline markers (`/api/v1/markers`), as Mastodon keeps them: one row per user and timeline whose
 * `version` (Rails' lock_version) goes up by one each time the position actually changes.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { markers } from "../db/schema";
import type { MarkerTimeline } from "../entities/marker";
import { batchSql } from "./relationships/common";

export interface MarkerRow {
  timeline: MarkerTimeline;
  lastReadId: string;
  version: number;
  updatedAt: number;
}

export async function readMarkers(db: Db, accountId: number, timelines: readonly MarkerTimeline[]): Promise<MarkerRow[]> {
  if (timelines.length === 0) return [];
  return db
    .select({
      timeline: markers.timeline,
      lastReadId: markers.lastReadId,
      version: markers.version,
      updatedAt: markers.updatedAt,
    })
    .from(markers)
    .where(and(eq(markers.accountId, accountId), inArray(markers.timeline, [...timelines])));
}

/** Saves positions (all or none) and returns the saved markers. */
export async function saveMarkers(
  db: Db,
  accountId: number,
  positions: ReadonlyArray<{ timeline: MarkerTimeline; lastReadId: string }>,
  now = Date.now(),
): Promise<MarkerRow[]> {
  if (positions.length === 0) return [];
  await batchSql(
    db,
    positions.map(
      (p) => sql`INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)
        VALUES (${accountId}, ${p.timeline}, ${p.lastReadId}, 0, ${now})
        ON CONFLICT (account_id, timeline) DO UPDATE SET
          last_read_id = excluded.last_read_id, version = markers.version + 1, updated_at = excluded.updated_at
        WHERE markers.last_read_id != excluded.last_read_id`,
    ),
  );
  return readMarkers(
    db,
    accountId,
    positions.map((p) => p.timeline),
  );
}
