/**
 * The raw-SQLite floor: the very statements a request ran in D1 (captured with the
 * `x-petrel-trace-sql` trace, see src/db/metrics.ts), replayed with better-sqlite3 on the same
 * database file, prepared once, in a loop. Writes are replayed inside a transaction that is rolled
 * back, so the file is left as it was.
 */
import Database from "better-sqlite3";
import { percentile } from "./stats";

export interface TracedStatement {
  sql: string;
  params: unknown[];
  rowsRead?: number;
  durationMs?: number;
}

export interface TraceLine {
  method: string;
  path: string;
  statements: TracedStatement[];
}

/** Parses a `petrel-sql {...}` log line. */
export function parseTrace(line: string): TraceLine {
  const json = line.slice(line.indexOf("petrel-sql ") + "petrel-sql ".length);
  return JSON.parse(json) as TraceLine;
}

type Bindable = number | string | bigint | Buffer | null;

function bindable(value: unknown): Bindable {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value === undefined) return null;
  if (typeof value === "number" || typeof value === "string" || typeof value === "bigint" || value === null) return value;
  return JSON.stringify(value);
}

export interface FloorResult {
  p50Ms: number;
  p99Ms: number;
  statements: number;
}

/**
 * Times `statements` on `file`. With writes, each iteration runs in a transaction that is rolled
 * back, after `undo` (untimed: SQL that removes what the traced request created, so its inserts can
 * run again).
 */
export function replayFloor(
  file: string,
  statements: TracedStatement[],
  options: { iterations?: number; undo?: string[] } = {},
): FloorResult {
  const iterations = options.iterations ?? 2_000;
  const writes = statements.some((s) => !/^\s*(select|with)\b/i.test(s.sql));
  const db = new Database(file, { readonly: !writes, fileMustExist: true });
  try {
    const prepared = statements.map((s) => ({ stmt: db.prepare(s.sql), params: s.params.map(bindable) }));
    const once = () => {
      for (const { stmt, params } of prepared) {
        if (stmt.reader) stmt.all(...params);
        else stmt.run(...params);
      }
    };
    const timed = (): number => {
      if (writes) {
        db.exec("BEGIN");
        for (const sql of options.undo ?? []) db.exec(sql);
      }
      const t0 = process.hrtime.bigint();
      try {
        once();
        return Number(process.hrtime.bigint() - t0) / 1e6;
      } finally {
        if (writes) db.exec("ROLLBACK");
      }
    };
    for (let i = 0; i < 50; i++) timed();
    const times: number[] = [];
    for (let i = 0; i < iterations; i++) times.push(timed());
    return { p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), statements: statements.length };
  } finally {
    db.close();
  }
}
