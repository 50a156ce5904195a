/**
 * What deleting a status does to quotes, as statements for the deletion batch
 * (src/services/statuses/delete.ts): a quote's own row goes (and the quoted status's counter with
 * an accepted one), and the quotes OF the status become `deleted`, as Mastodon shows them.
 */
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import type { Status } from "../../db/schema";
import { runInBatch } from "../statuses/raw";

/** Quoting statuses whose copied state is rewritten at once; hydration shows any others as deleted from the missing row. */
const QUOTES_MARKED_MAX = 1000;

export function quoteDeletionStatements(
  db: Db,
  status: Pick<Status, "id" | "reblogOfId" | "quotedStatusId">,
): BatchItem<"sqlite">[] {
  if (status.reblogOfId !== null) return [];
  const id = status.id;
  const now = Date.now();
  const out: BatchItem<"sqlite">[] = [
    runInBatch(
      db,
      sql`UPDATE statuses SET quote_state = 'deleted'
      WHERE id IN (SELECT status_id FROM quotes WHERE quoted_status_id = ${id} AND state = 'accepted' LIMIT ${QUOTES_MARKED_MAX})`,
    ),
    runInBatch(
      db,
      sql`UPDATE quotes SET state = 'deleted', updated_at = ${now}
      WHERE id IN (SELECT id FROM quotes WHERE quoted_status_id = ${id} AND state = 'accepted' LIMIT ${QUOTES_MARKED_MAX})`,
    ),
  ];
  if (status.quotedStatusId !== null) {
    out.push(
      runInBatch(
        db,
        sql`UPDATE statuses SET quotes_count = max(quotes_count - 1, 0)
        WHERE id = (SELECT quoted_status_id FROM quotes WHERE status_id = ${id} AND state = 'accepted')`,
      ),
      runInBatch(db, sql`DELETE FROM quotes WHERE status_id = ${id}`),
    );
  }
  return out;
}
