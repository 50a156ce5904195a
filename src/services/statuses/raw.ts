/**
 * Raw SQL inside a drizzle D1 batch. drizzle-orm 0.45 binds a batch item's parameters on its prepared
 * `stmt`, which raw `db.all(sql)` / `db.run(sql)` items don't have, so a raw statement with
 * parameters fails ("reading 'bind'"). `inBatch` gives the item the D1 statement it lacks; results
 * come back as drizzle maps raw rows (plain objects with SQL column names).
 */
import type { SQL } from "drizzle-orm";
import type { Db } from "../../db/client";

function d1(db: Db): D1Database {
  // `drizzle()` sets `$client` on the instance; the Db type just doesn't declare it.
  return (db as Db & { $client: D1Database }).$client;
}

/** `db.all<T>(query)`, usable as a batch item. */
export function allInBatch<T>(db: Db, query: SQL) {
  const raw = db.all<T>(query);
  return Object.assign(raw, { stmt: d1(db).prepare(raw.getQuery().sql) });
}

/** `db.run(query)`, usable as a batch item. */
export function runInBatch(db: Db, query: SQL) {
  const raw = db.run(query);
  return Object.assign(raw, { stmt: d1(db).prepare(raw.getQuery().sql) });
}
