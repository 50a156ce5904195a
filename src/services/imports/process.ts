/**
 * A confirmed import, applied by the FANOUT consumer one page per message (`import.rows`): first the
 * overwrite pass when the mode asks for it (./overwrite.ts), then the file's rows in file order,
 * ROWS_PAGE at a time, ROW_CONCURRENCY in flight (most of a row's time is WebFinger and actor
 * fetches on other servers). A row applied is deleted; one that fails is kept, marked, for the
 * failures file (./settle.ts), so a page tried again (a thrown D1 error, a message delivered twice)
 * skips what is done and counts nothing twice. Each page queues the next before it returns, so an
 * import is never left half-way without a message carrying it on.
 */
import { eq, sql } from "drizzle-orm";
import { loadConfig } from "../../config";
import { envDb } from "../../db/client";
import { type BulkImport, bulkImports } from "../../db/schema-imports";
import type { Bindings } from "../../env";
import type { Fetcher } from "../../federation/fetch";
import { remoteResolver } from "../../federation/resolve-remote";
import type { FanoutResult } from "../../queue/fanout-common";
import { enqueueFanout, type FanoutMessage } from "../../queue/messages";
import { findAccountById } from "../accounts";
import { runBounded } from "../feeds";
import { applyRow, type RowContext } from "./apply-row";
import type { ImportRowData, ImportType } from "./csv";
import { OVERWRITE_PAGE, overwritePage } from "./overwrite";
import { settleRows } from "./settle";

export const ROWS_PAGE = 10;
const ROW_CONCURRENCY = 4;

type ImportMessage = Extract<FanoutMessage, { type: "import.rows" }>;

export interface ImportDeps {
  /** The network, for tests (WebFinger, actors and posts on other servers). */
  fetcher?: Fetcher;
  rowsPage?: number;
  overwritePage?: number;
}

export async function processImport(env: Bindings, message: ImportMessage, deps: ImportDeps = {}): Promise<FanoutResult> {
  const db = envDb(env);
  const [item] = await db.select().from(bulkImports).where(eq(bulkImports.id, message.importId)).limit(1);
  // Cancelled, vacuumed or already done: nothing to carry on.
  if (!item || item.state === "finished" || item.state === "unconfirmed") return "done";
  const account = await findAccountById(db, item.accountId);
  if (!account || account.suspendedAt !== null) {
    await finish(env, item);
    return "done";
  }
  if (item.state === "scheduled") await db.update(bulkImports).set({ state: "in_progress" }).where(eq(bulkImports.id, item.id));
  const config = loadConfig(env);
  const ctx: RowContext = {
    env,
    db,
    config,
    account,
    type: item.type as ImportType,
    remote: remoteResolver(env, db, config, deps.fetcher ? { fetcher: deps.fetcher } : {}),
  };
  if (message.phase === "overwrite") {
    const next = await overwritePage(ctx, item.id, message.after, deps.overwritePage ?? OVERWRITE_PAGE);
    await enqueueFanout(env.FANOUT, { ...message, phase: next === null ? "rows" : "overwrite", after: next ?? 0 });
    return "continued";
  }
  const limit = deps.rowsPage ?? ROWS_PAGE;
  const rows = await db.all<{ id: number; data: string }>(sql`
    SELECT id, data FROM bulk_import_rows
    WHERE import_id = ${item.id} AND failed = 0 AND id > ${message.after} ORDER BY id LIMIT ${limit}`);
  const imported = new Set<number>();
  // Lists rows one at a time: two rows naming a new list must not both create it.
  await runBounded(rows, ctx.type === "lists" ? 1 : ROW_CONCURRENCY, async (row) => {
    if (await applyRow(ctx, JSON.parse(row.data) as ImportRowData)) imported.add(row.id);
  });
  await settleRows(
    db,
    item.id,
    [...imported],
    rows.flatMap((r) => (imported.has(r.id) ? [] : [r.id])),
  );
  const last = rows[rows.length - 1];
  if (rows.length === limit && last) {
    await enqueueFanout(env.FANOUT, { ...message, after: last.id });
    return "continued";
  }
  await finish(env, item);
  return "done";
}

async function finish(env: Bindings, item: BulkImport): Promise<void> {
  await envDb(env).update(bulkImports).set({ state: "finished", finishedAt: Date.now() }).where(eq(bulkImports.id, item.id));
}
