/** The Marker entity: a saved reading position in the home or notifications timeline. */
import { isoDate } from "../util/time";

export type MarkerTimeline = "home" | "notifications";

export const MARKER_TIMELINES: readonly MarkerTimeline[] = ["home", "notifications"];

export interface MastodonMarker {
  last_read_id: string;
  version: number;
  updated_at: string;
}

export function serializeMarker(marker: { lastReadId: string; version: number; updatedAt: number }): MastodonMarker {
  return { last_read_id: marker.lastReadId, version: marker.version, updated_at: isoDate(marker.updatedAt) };
}

/** `{home: Marker, notifications: Marker}` with only the timelines present. */
export function serializeMarkers(
  markers: ReadonlyArray<{ timeline: MarkerTimeline; lastReadId: string; version: number; updatedAt: number }>,
): Partial<Record<MarkerTimeline, MastodonMarker>> {
  const out: Partial<Record<MarkerTimeline, MastodonMarker>> = {};
  for (const m of markers) out[m.timeline] = serializeMarker(m);
  return out;
}
