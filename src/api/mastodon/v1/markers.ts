/** `/api/v1/markers`: reading positions in the home and notifications timelines. */
import { Hono } from "hono";
import { MARKER_TIMELINES, type MarkerTimeline, serializeMarkers } from "../../../entities/marker";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { parseId } from "../../../ids";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { readMarkers, saveMarkers } from "../../../services/markers";
import { readParams } from "../../../util/request";

export const markersRoutes = new Hono<AppEnv>();

const isTimeline = (t: string): t is MarkerTimeline => (MARKER_TIMELINES as readonly string[]).includes(t);

markersRoutes.get("/api/v1/markers", userRequired("read:statuses"), async (c) => {
  const timelines = (await readParams(c)).strings("timeline").filter(isTimeline);
  const found = await readMarkers(c.get("db"), currentUser(c).account.id, [...new Set(timelines)]);
  return c.json(serializeMarkers(found));
});

markersRoutes.post("/api/v1/markers", userRequired("write:statuses"), async (c) => {
  const params = await readParams(c);
  const positions: Array<{ timeline: MarkerTimeline; lastReadId: string }> = [];
  for (const timeline of MARKER_TIMELINES) {
    const given = params.object(timeline);
    if (!given) continue;
    const raw = given.string("last_read_id")?.trim() ?? "";
    if (raw === "") throw new ApiError(422, "Validation failed: Last read can't be blank");
    const id = parseId(raw);
    if (id === undefined) throw new ApiError(422, "Validation failed: Last read is not a number");
    positions.push({ timeline, lastReadId: String(id) });
  }
  const saved = await saveMarkers(c.get("db"), currentUser(c).account.id, positions);
  return c.json(serializeMarkers(saved));
});
