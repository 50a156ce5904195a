/**
 * `GET /api/v1/bookmarks` and `GET /api/v1/favourites`: the viewer's own bookmark or favourite rows,
 * newest first, paged by the row's id as Mastodon does (its Link headers carry those ids, not status
 * ids), then hydrated. A status the viewer can no longer see is left out of the page, but the page's
 * cursors still come from the rows, so paging never stalls on it.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { MastodonStatus } from "../entities/status";
import type { PageParams } from "../util/pagination";
import { hydrateStatuses } from "./hydrate";
import { finishRowPage, type RowPage, rowIdRange } from "./relationships/common";

export type SavedKind = "bookmarks" | "favourites";

export async function listSavedStatuses(
  db: Db,
  config: Config,
  viewerId: number,
  kind: SavedKind,
  page: PageParams,
): Promise<RowPage<MastodonStatus>> {
  const range = rowIdRange("id", page);
  // Walks bookmarks_account_page / favourites_account_page: (account_id, id).
  const table = sql.raw(kind === "bookmarks" ? "bookmarks" : "favourites");
  const raw = await db.all<{ id: number; status_id: number }>(sql`
    SELECT id, status_id FROM ${table} WHERE account_id = ${viewerId} AND ${range.where}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  const rows = finishRowPage(
    raw.map((r) => ({ rowId: r.id, statusId: r.status_id })),
    page,
    range.ascending,
  );
  const statuses = await hydrateStatuses(
    db,
    config,
    viewerId,
    rows.items.map((r) => r.statusId),
  );
  return { ...rows, items: statuses };
}
