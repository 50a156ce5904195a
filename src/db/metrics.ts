/**
 * Per-request D1 accounting: a wrapper around the D1 binding that sums what D1 reports for every
 * query (rows read and written, and the time the query held the database), and a middleware that
 * installs it and reports the totals in a `Server-Timing` header:
 *
 *   Server-Timing: app;dur=3.1, d1;dur=0.42;desc="rows=85 written=0 queries=3", hub;dur=1.2
 *
 * `app` is the time spent in the Worker for the request, `d1` the summed SQL time inside D1 (the
 * single writer is held for exactly that long), other entries are marks routes add (`hub`: the
 * AccountHub call). The numbers are cheap to collect and are what the benchmarks read.
 *
 * D1's `first()` and `raw()` do not return the query's meta; `first()` is served through `all()`
 * (D1 runs the whole query for both), and `raw()` asks the binding's session for the same response it
 * builds `raw()` from, when it can; otherwise it falls back to plain `raw()` and counts the query as
 * unmetered (`desc` then says `unmetered=N`).
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { queueEvents } from "../events";
import { createDb } from "./client";

export interface TracedStatement {
  sql: string;
  params: unknown[];
  rowsRead?: number;
  durationMs?: number;
}

export class D1Meter {
  queries = 0;
  rowsRead = 0;
  rowsWritten = 0;
  durationMs = 0;
  unmetered = 0;
  readonly marks: Array<{ name: string; durationMs: number }> = [];
  /** The statements run, when tracing (development only): the benchmark replays them on raw SQLite. */
  readonly trace: TracedStatement[] | undefined;

  constructor(options: { trace?: boolean } = {}) {
    this.trace = options.trace ? [] : undefined;
  }

  record(meta: Partial<D1Meta> | undefined, statement: TracedStatement | undefined): void {
    this.queries += 1;
    if (meta) {
      this.rowsRead += meta.rows_read ?? 0;
      this.rowsWritten += meta.rows_written ?? 0;
      this.durationMs += meta.timings?.sql_duration_ms ?? meta.duration ?? 0;
    } else {
      this.unmetered += 1;
    }
    if (this.trace && statement) {
      this.trace.push({ ...statement, rowsRead: meta?.rows_read, durationMs: meta?.timings?.sql_duration_ms ?? meta?.duration });
    }
  }

  mark(name: string, durationMs: number): void {
    this.marks.push({ name, durationMs });
  }

  serverTiming(appMs: number): string {
    const unmetered = this.unmetered > 0 ? ` unmetered=${this.unmetered}` : "";
    const parts = [
      `app;dur=${appMs.toFixed(2)}`,
      `d1;dur=${this.durationMs.toFixed(3)};desc="rows=${this.rowsRead} written=${this.rowsWritten} queries=${this.queries}${unmetered}"`,
    ];
    for (const m of this.marks) parts.push(`${m.name};dur=${m.durationMs.toFixed(2)}`);
    return parts.join(", ");
  }
}

/** The shape of workerd's D1 statement internals that `raw()` is built from (checked before use). */
interface D1Internals {
  dbSession?: { _sendOrThrow?: unknown };
  statement?: unknown;
  params?: unknown;
}

type SendOrThrow = (endpoint: string, query: string, params: unknown[], format: string, span: unknown) => Promise<unknown>;

interface RawResponse {
  meta?: D1Meta;
  results?: { columns: string[]; rows: unknown[][] } | Array<Record<string, unknown>>;
}

const NO_SPAN = { setAttribute: (): void => {} };

class MeteredStatement implements D1PreparedStatement {
  constructor(
    readonly inner: D1PreparedStatement,
    private readonly meter: D1Meter,
    private readonly sql: string,
    private readonly params: unknown[] = [],
  ) {}

  bind(...values: unknown[]): D1PreparedStatement {
    return new MeteredStatement(this.inner.bind(...values), this.meter, this.sql, values);
  }

  traced(): TracedStatement {
    return { sql: this.sql, params: this.params };
  }

  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  async first<T>(colName?: string): Promise<T | null> {
    const result = await this.all<Record<string, unknown>>();
    const row = result.results[0];
    if (!row) return null;
    if (colName === undefined) return row as T;
    if (!(colName in row)) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${colName})`);
    return row[colName] as T;
  }

  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const result = await this.inner.run<T>();
    this.meter.record(result.meta, this.traced());
    return result;
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    const result = await this.inner.all<T>();
    this.meter.record(result.meta, this.traced());
    return result;
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<[string[], ...T[]] | T[]> {
    const { columns, rows } = await this.rawWithMeta();
    return (options?.columnNames ? [columns, ...rows] : rows) as [string[], ...T[]] | T[];
  }

  /** Rows as arrays, with the meta `raw()` drops; each metering layer records it once. */
  async rawWithMeta(): Promise<{ columns: string[]; rows: unknown[][]; meta: D1Meta | undefined }> {
    const result = this.inner instanceof MeteredStatement ? await this.inner.rawWithMeta() : await rawFromD1(this.inner);
    this.meter.record(result.meta, this.traced());
    return result;
  }
}

/**
 * `raw()` of a workerd D1 statement with its meta: the session request `raw()` itself makes. When the
 * binding does not look as expected, plain `raw()` (no meta: the query counts as unmetered).
 */
async function rawFromD1(
  statement: D1PreparedStatement,
): Promise<{ columns: string[]; rows: unknown[][]; meta: D1Meta | undefined }> {
  const internals = statement as unknown as D1Internals;
  const send = internals.dbSession?._sendOrThrow;
  if (typeof send !== "function" || typeof internals.statement !== "string" || !Array.isArray(internals.params)) {
    const [columns = [], ...rows] = await statement.raw<unknown[]>({ columnNames: true });
    return { columns, rows, meta: undefined };
  }
  const answer = await (send as SendOrThrow).call(
    internals.dbSession,
    "/query",
    internals.statement,
    internals.params,
    "ROWS_AND_COLUMNS",
    NO_SPAN,
  );
  const response = (Array.isArray(answer) ? answer[0] : answer) as RawResponse;
  const results = response.results;
  if (results === undefined) return { columns: [], rows: [], meta: response.meta };
  if (Array.isArray(results)) {
    return { columns: Object.keys(results[0] ?? {}), rows: results.map((row) => Object.values(row)), meta: response.meta };
  }
  return { columns: results.columns, rows: results.rows, meta: response.meta };
}

function unwrap(statement: D1PreparedStatement): D1PreparedStatement {
  return statement instanceof MeteredStatement ? statement.inner : statement;
}

async function meteredBatch<T>(
  run: (statements: D1PreparedStatement[]) => Promise<D1Result<T>[]>,
  meter: D1Meter,
  statements: D1PreparedStatement[],
): Promise<D1Result<T>[]> {
  const results = await run(statements.map(unwrap));
  results.forEach((result, i) => {
    const s = statements[i];
    meter.record(result.meta, s instanceof MeteredStatement ? s.traced() : undefined);
  });
  return results;
}

class MeteredSession implements D1DatabaseSession {
  constructor(
    private readonly inner: D1DatabaseSession,
    private readonly meter: D1Meter,
  ) {}
  prepare(query: string): D1PreparedStatement {
    return new MeteredStatement(this.inner.prepare(query), this.meter, query);
  }
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return meteredBatch((s) => this.inner.batch<T>(s), this.meter, statements);
  }
  getBookmark(): D1SessionBookmark | null {
    return this.inner.getBookmark();
  }
}

class MeteredD1 implements D1Database {
  constructor(
    private readonly inner: D1Database,
    private readonly meter: D1Meter,
  ) {}
  prepare(query: string): D1PreparedStatement {
    return new MeteredStatement(this.inner.prepare(query), this.meter, query);
  }
  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return meteredBatch((s) => this.inner.batch<T>(s), this.meter, statements);
  }
  async exec(query: string): Promise<D1ExecResult> {
    const result = await this.inner.exec(query);
    this.meter.record({ duration: result.duration }, { sql: query, params: [] });
    return result;
  }
  withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession {
    return new MeteredSession(this.inner.withSession(constraintOrBookmark), this.meter);
  }
  dump(): Promise<ArrayBuffer> {
    return this.inner.dump();
  }
}

/** `d1` with every query's meta added to `meter`. */
export function meteredD1(d1: D1Database, meter: D1Meter): D1Database {
  return new MeteredD1(d1, meter);
}

const METERS = new WeakMap<Request, D1Meter>();

/** The meter of a request that went through `d1Metrics`, for routes that add their own marks. */
export function requestMeter(c: Context<AppEnv>): D1Meter | undefined {
  return METERS.get(c.req.raw);
}

/**
 * Installs the metered D1 for the rest of the request (as `c.env.DB` and `c.get("db")`) and adds the
 * Server-Timing header. Mount it after the middleware that sets `config` and `db`. Mounting it twice
 * on one path (app-wide and on a route group) is harmless: the second does nothing.
 * With `ENVIRONMENT=development` and a request header `x-petrel-trace-sql: 1`, the statements are
 * also logged as one `petrel-sql {...}` line, for the benchmark to replay on raw SQLite.
 */
export const d1Metrics = createMiddleware<AppEnv>(async (c, next) => {
  if (METERS.has(c.req.raw)) {
    await next();
    return;
  }
  const started = performance.now();
  const trace = c.get("config")?.development === true && c.req.header("x-petrel-trace-sql") === "1";
  const meter = new D1Meter({ trace });
  METERS.set(c.req.raw, meter);
  const db = meteredD1(c.env.DB, meter);
  // A copy of env: the original object is shared by every request this isolate serves.
  c.env = { ...c.env, DB: db };
  c.set("db", createDb(db, queueEvents(c.env)));
  await next();
  try {
    c.res.headers.append("Server-Timing", meter.serverTiming(performance.now() - started));
  } catch {
    // An immutable response (a proxied fetch) keeps its headers; the figures are only lost for it.
  }
  if (meter.trace)
    console.log(`petrel-sql ${JSON.stringify({ method: c.req.method, path: c.req.path, statements: meter.trace })}`);
});
