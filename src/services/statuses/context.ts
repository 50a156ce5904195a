/**
 * A status's thread (`GET /api/v1/statuses/:id/context`): ancestors root first, descendants depth
 * first with siblings oldest first, as Mastodon orders them. Both walks are recursive CTEs over the
 * primary key and the in_reply_to_id index, bounded in depth and rows, run in one batch; then one
 * hydration drops what the viewer may not see and statuses by accounts the viewer mutes.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import type { MastodonStatus } from "../../entities/status";
import { applyViewerFilters } from "../filters";
import { hydrateStatuses } from "../hydrate";
import { idList } from "../visibility";
import { CONTEXT_ANCESTORS_MAX, CONTEXT_DESCENDANTS_DEPTH, CONTEXT_DESCENDANTS_MAX } from "./limits";
import { requireVisibleStatus } from "./lookup";
import { allInBatch } from "./raw";

/** Mastodon's smaller bounds for anonymous readers (DESCENDANTS_LIMIT, DESCENDANTS_DEPTH_LIMIT). */
const ANONYMOUS_DESCENDANTS_MAX = 60;
const ANONYMOUS_DESCENDANTS_DEPTH = 20;

export interface MastodonContext {
  ancestors: MastodonStatus[];
  descendants: MastodonStatus[];
}

export async function statusContext(db: Db, config: Config, viewerId: number | null, rawId: string): Promise<MastodonContext> {
  const status = await requireVisibleStatus(db, viewerId, rawId);
  const maxRows = viewerId === null ? ANONYMOUS_DESCENDANTS_MAX : CONTEXT_DESCENDANTS_MAX;
  const maxDepth = viewerId === null ? ANONYMOUS_DESCENDANTS_DEPTH : CONTEXT_DESCENDANTS_DEPTH;
  const [ancestors, descendants] = await db.batch([
    allInBatch<{ id: number }>(
      db,
      sql`
      WITH RECURSIVE up(id, parent, depth) AS (
        SELECT id, in_reply_to_id, 0 FROM statuses WHERE id = ${status.id}
        UNION ALL
        SELECT s.id, s.in_reply_to_id, up.depth + 1 FROM up JOIN statuses s ON s.id = up.parent
        WHERE up.depth < ${CONTEXT_ANCESTORS_MAX}
      )
      SELECT id FROM up WHERE depth > 0 ORDER BY depth DESC`,
    ),
    // Paths of zero-padded ids sort depth-first with siblings in id (= time) order.
    allInBatch<{ id: number }>(
      db,
      sql`
      WITH RECURSIVE down(id, path, depth) AS (
        SELECT id, printf('%016d', id), 1 FROM statuses WHERE in_reply_to_id = ${status.id}
        UNION ALL
        SELECT s.id, down.path || '/' || printf('%016d', s.id), down.depth + 1
        FROM down JOIN statuses s ON s.in_reply_to_id = down.id
        WHERE down.depth < ${maxDepth}
        LIMIT ${maxRows}
      )
      SELECT id FROM down ORDER BY path`,
    ),
  ]);
  const ancestorIds = ancestors.map((r) => r.id);
  const descendantIds = descendants.map((r) => r.id);
  const all = [...ancestorIds, ...descendantIds];
  if (all.length === 0) return { ancestors: [], descendants: [] };

  const muted = viewerId === null ? new Set<number>() : await mutedAuthors(db, viewerId, all);
  const hydrated = await applyViewerFilters(db, viewerId, "thread", await hydrateStatuses(db, config, viewerId, all));
  const byId = new Map<string, MastodonStatus>();
  for (const s of hydrated) {
    if (s.account.id === String(viewerId) || !muted.has(Number(s.account.id))) byId.set(s.id, s);
  }
  const pick = (ids: number[]) => ids.flatMap((id) => byId.get(String(id)) ?? []);
  return { ancestors: pick(ancestorIds), descendants: pick(descendantIds) };
}

/** Authors of `statusIds` that the viewer mutes (Mastodon's StatusFilter drops them from threads). */
async function mutedAuthors(db: Db, viewerId: number, statusIds: number[]): Promise<Set<number>> {
  const rows = await db.all<{ id: number }>(sql`
    SELECT target_account_id AS id FROM mutes
    WHERE account_id = ${viewerId} AND (expires_at IS NULL OR expires_at > ${Date.now()})
      AND target_account_id IN (SELECT account_id FROM statuses WHERE id IN ${idList(statusIds)})`);
  return new Set(rows.map((r) => r.id));
}
