/** Finding statuses for the routes: by id, visible to the viewer, or 404 "Record not found". */
import { eq } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type Status, statuses } from "../../db/schema";
import type { MastodonStatus } from "../../entities/status";
import { notFound } from "../../errors";
import { parseId } from "../../ids";
import { hydrateStatuses, type LoadOptions } from "../hydrate";
import { loadVisibleStatuses } from "../visibility";

export async function findStatus(db: Db, id: number): Promise<Status | undefined> {
  const rows = await db.select().from(statuses).where(eq(statuses.id, id)).limit(1);
  return rows[0];
}

/** The status `rawId` names if the viewer may see it, else undefined. */
export async function findVisibleStatus(db: Db, viewerId: number | null, rawId: unknown): Promise<Status | undefined> {
  const id = parseId(rawId);
  if (id === undefined) return undefined;
  const { visible, rows } = await loadVisibleStatuses(db, viewerId, [id]);
  return visible.has(id) ? rows.get(id) : undefined;
}

/** The status `rawId` names, visible to the viewer, or 404. */
export async function requireVisibleStatus(db: Db, viewerId: number | null, rawId: unknown): Promise<Status> {
  const status = await findVisibleStatus(db, viewerId, rawId);
  if (!status) throw notFound();
  return status;
}

/**
 * Like `requireVisibleStatus`, but a boost resolves to the status it boosts: favourites, bookmarks,
 * boosts, pins and mutes act on the original, as Mastodon's models do.
 */
export async function requireVisibleOriginal(db: Db, viewerId: number | null, rawId: unknown): Promise<Status> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const { visible, rows } = await loadVisibleStatuses(db, viewerId, [id]);
  const status = visible.has(id) ? rows.get(id) : undefined;
  if (!status) throw notFound();
  if (status.reblogOfId === null) return status;
  const original = rows.get(status.reblogOfId);
  if (!original) throw notFound();
  return original;
}

/** One status as the viewer sees it, or 404. */
export async function statusJson(
  db: Db,
  config: Config,
  viewerId: number | null,
  id: number,
  options: LoadOptions & { source?: boolean } = {},
): Promise<MastodonStatus> {
  const [json] = await hydrateStatuses(db, config, viewerId, [id], options);
  if (!json) throw notFound();
  return json;
}
