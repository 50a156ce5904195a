/**
 * Data import (Mastodon's Settings → Import and export → Import): an uploaded CSV file becomes an
 * unconfirmed import holding its rows; the account confirms it (or cancels it); confirmed, it is
 * applied in the background a page at a time (./process.ts) and its progress and failures are shown.
 * Unconfirmed imports are dropped after an hour and all imports after a week (`vacuumImports`).
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type BulkImport, bulkImportRows, bulkImports } from "../../db/schema-imports";
import { ApiError } from "../../errors";
import { newId } from "../../ids";
import { enqueueFanout } from "../../queue/messages";
import { csvLine } from "../exports";
import { batchSql } from "../relationships/common";
import { FILE_SIZE_LIMIT, failuresHeader, type ImportRowData, type ImportType, isImportType, parseImport, rowToCsv } from "./csv";

/** Rows written per INSERT (one JSON parameter each; a D1 string parameter stays well under its limit). */
const INSERT_CHUNK = 1000;
/** Imports shown on the settings page. */
export const RECENT_IMPORTS = 20;

export type CreateResult = { ok: true; import: BulkImport } | { ok: false; errors: string[] };

export interface ImportUpload {
  type: unknown;
  mode: unknown;
  file: File | undefined;
}

/** Validates the upload as Mastodon's Form::Import does, then stores the import, unconfirmed, with its rows. */
export async function createImport(
  db: Db,
  config: Config,
  accountId: number,
  upload: ImportUpload,
  now = Date.now(),
): Promise<CreateResult> {
  const errors: string[] = [];
  if (!isImportType(upload.type)) errors.push("Import type is not included in the list");
  if (!upload.file || upload.file.size === 0) errors.push("Data file can't be blank");
  if (errors.length > 0 || !upload.file || !isImportType(upload.type)) return { ok: false, errors };
  if (upload.file.size > FILE_SIZE_LIMIT) return { ok: false, errors: ["Data file is too large"] };
  const type = upload.type;
  const filename = upload.file.name || "import.csv";
  const parsed = parseImport(config, type, await upload.file.text(), filename);
  if (!parsed.ok) return { ok: false, errors: [parsed.error.startsWith("Invalid") ? parsed.error : `Data ${parsed.error}`] };
  const row: BulkImport = {
    id: newId(now),
    accountId,
    type,
    overwrite: upload.mode === "overwrite",
    state: "unconfirmed",
    originalFilename: filename.slice(0, 255),
    likelyMismatched: parsed.likelyMismatched,
    totalItems: parsed.rows.length,
    processedItems: 0,
    importedItems: 0,
    createdAt: now,
    finishedAt: null,
  };
  const statements = [db.insert(bulkImports).values(row).getSQL()];
  for (let i = 0; i < parsed.rows.length; i += INSERT_CHUNK) {
    const chunk = parsed.rows.slice(i, i + INSERT_CHUNK).map((r) => [r.key, JSON.stringify(r.data)]);
    statements.push(sql`INSERT INTO bulk_import_rows (import_id, key, data)
      SELECT ${row.id}, value ->> 0, value ->> 1 FROM json_each(${JSON.stringify(chunk)})`);
  }
  // One batch: the import and all its rows, or nothing.
  await batchSql(db, statements);
  return { ok: true, import: row };
}

/** The account's import `id`, or undefined. */
export async function findImport(db: Db, accountId: number, id: number): Promise<BulkImport | undefined> {
  const rows = await db
    .select()
    .from(bulkImports)
    .where(and(eq(bulkImports.id, id), eq(bulkImports.accountId, accountId)))
    .limit(1);
  return rows[0];
}

export async function recentImports(db: Db, accountId: number): Promise<BulkImport[]> {
  return db
    .select()
    .from(bulkImports)
    .where(eq(bulkImports.accountId, accountId))
    .orderBy(desc(bulkImports.id))
    .limit(RECENT_IMPORTS);
}

/** Starts an unconfirmed import: scheduled, and its first page queued. Confirming twice does nothing. */
export async function confirmImport(db: Db, fanout: Queue, item: BulkImport): Promise<void> {
  if (item.state !== "unconfirmed") return;
  const started = await db
    .update(bulkImports)
    .set({ state: "scheduled" })
    .where(and(eq(bulkImports.id, item.id), eq(bulkImports.state, "unconfirmed")))
    .returning({ id: bulkImports.id });
  if (started.length === 0) return;
  try {
    await enqueueFanout(fanout, {
      type: "import.rows",
      v: 1,
      importId: item.id,
      phase: item.overwrite ? "overwrite" : "rows",
      after: 0,
    });
  } catch (err) {
    // Not queued: back to unconfirmed, so the account can confirm again.
    console.error(`import ${item.id}: not queued`, err);
    await db.update(bulkImports).set({ state: "unconfirmed" }).where(eq(bulkImports.id, item.id));
    throw new ApiError(503, "The import could not be started; try again in a moment");
  }
}

/** Removes an import that has not started (Mastodon's "Cancel" on the confirmation page). */
export async function cancelImport(db: Db, item: BulkImport): Promise<boolean> {
  if (item.state !== "unconfirmed") return false;
  await db.batch([
    db.delete(bulkImportRows).where(eq(bulkImportRows.importId, item.id)),
    db.delete(bulkImports).where(and(eq(bulkImports.id, item.id), eq(bulkImports.state, "unconfirmed"))),
  ]);
  return true;
}

/** The rows that could not be imported, in the file's format. */
export async function* failuresCsv(db: Db, item: BulkImport, pageSize = 1000): AsyncGenerator<string> {
  const type = item.type as ImportType;
  const header = failuresHeader(type);
  let after = 0;
  let first = true;
  for (;;) {
    const rows = await db.all<{ id: number; data: string }>(sql`
      SELECT id, data FROM bulk_import_rows
      WHERE import_id = ${item.id} AND failed = 1 AND id > ${after} ORDER BY id LIMIT ${pageSize}`);
    const text = rows.map((r) => csvLine(rowToCsvFields(type, r.data))).join("");
    yield first && header ? csvLine(header) + text : text;
    first = false;
    const last = rows[rows.length - 1];
    if (rows.length < pageSize || !last) return;
    after = last.id;
  }
}

function rowToCsvFields(type: ImportType, data: string): string[] {
  return rowToCsv(type, JSON.parse(data) as ImportRowData);
}

/**
 * Housekeeping: unconfirmed imports after an hour, finished ones after a week (Mastodon's ImportsVacuum
 * drops every import after a week; one still running here is left to finish), bounded per run.
 */
export async function vacuumImports(db: Db, now: number, limit = 20, rowsPerStatement = 5000): Promise<number> {
  const stale = await db.all<{ id: number }>(sql`
    SELECT id FROM bulk_imports WHERE state = 'unconfirmed' AND created_at < ${now - 3_600_000}
    UNION ALL
    SELECT id FROM bulk_imports WHERE state = 'finished' AND created_at < ${now - 7 * 86_400_000}
    LIMIT ${limit}`);
  let removed = 0;
  for (const { id } of stale) {
    const [, left] = await batchSql(db, [
      sql`DELETE FROM bulk_import_rows WHERE id IN (
        SELECT id FROM bulk_import_rows WHERE import_id = ${id} LIMIT ${rowsPerStatement})`,
      sql`SELECT count(*) AS n FROM (SELECT 1 FROM bulk_import_rows WHERE import_id = ${id} LIMIT 1)`,
    ]);
    // A very large import loses its rows over several runs; the import itself goes with the last of them.
    if (left?.[0]?.n === 0) {
      await db.delete(bulkImports).where(eq(bulkImports.id, id));
      removed += 1;
    }
  }
  return removed;
}
