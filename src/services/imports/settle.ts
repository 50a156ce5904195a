/**
 * The end of an import page: its rows settled and the import's counters moved, in one transaction.
 * The counters count only the rows still pending, so a page delivered twice (the queue delivers at
 * least once, and two deliveries can run at once) counts each row once.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { batchSql } from "../relationships/common";

/** `imported` rows are deleted; `failed` ones are kept, marked, for the failures file. */
export async function settleRows(
  db: Db,
  importId: number,
  imported: readonly number[],
  failed: readonly number[],
): Promise<void> {
  if (imported.length === 0 && failed.length === 0) return;
  const ok = JSON.stringify(imported);
  const all = JSON.stringify([...imported, ...failed]);
  const pending = (ids: string) =>
    sql`(SELECT count(*) FROM bulk_import_rows WHERE failed = 0 AND id IN (SELECT value FROM json_each(${ids})))`;
  await batchSql(db, [
    sql`UPDATE bulk_imports SET processed_items = processed_items + ${pending(all)},
      imported_items = imported_items + ${pending(ok)} WHERE id = ${importId}`,
    sql`DELETE FROM bulk_import_rows WHERE failed = 0 AND id IN (SELECT value FROM json_each(${ok}))`,
    sql`UPDATE bulk_import_rows SET failed = 1 WHERE failed = 0 AND id IN (SELECT value FROM json_each(${all}))`,
  ]);
}
