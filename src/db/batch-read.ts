import { type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";

/**
 * A raw SELECT as a statement for drizzle's `batch()`, which cannot bind a raw `db.all(sql)`: the
 * query becomes the source of a select of its `columns`, whose batch result is its rows as objects.
 */
export function batchRead<const K extends string>(db: Db, query: SQL, columns: readonly K[]) {
  const fields = Object.fromEntries(columns.map((c) => [c, sql.raw(`"${c}"`)])) as Record<K, SQL>;
  return db.select(fields).from(sql`(${query})`);
}
