/**
 * Whole-table rows on the hottest paths (token checks, status hydration) without drizzle's query
 * builder. Profiled on the home timeline, building each statement from drizzle's chunks and mapping
 * each result row column by column (after D1's batch had already made objects of them) took about
 * half of the Worker's JavaScript time. A reader builds its column list once per table and alias,
 * names every column after its schema key, and decodes only the columns whose drizzle mode needs it
 * (booleans, JSON, timestamps), with the column's own decoder, so rows come out exactly as drizzle's.
 */
import { type Column, entityKind, getTableColumns, type InferSelectModel, type Table } from "drizzle-orm";

/** drizzle column kinds whose driver value is already the model value. */
const IDENTITY = new Set(["SQLiteInteger", "SQLiteText", "SQLiteReal"]);

interface ColumnPlan {
  /** The key in the result row: prefix + schema key. */
  alias: string;
  key: string;
  decode: ((value: unknown) => unknown) | undefined;
}

export interface RowReader<T> {
  /** `"a"."id" AS "pid", …`: the select list, to splice into a statement. */
  readonly columns: string;
  /** The column that is NULL exactly when a LEFT JOIN found no row. */
  readonly idAlias: string;
  /** How many columns `columns` selects. */
  readonly width: number;
  /** The model row from a result row; `undefined` when a LEFT JOIN found none. */
  read(row: Record<string, unknown>): T | undefined;
  /**
   * The same from a `.raw()` row, whose cells `offset…offset + width` are this reader's columns.
   * Raw rows skip D1's conversion of each result row into an object, the larger part of its
   * client's cost on wide rows.
   */
  readAt(row: readonly unknown[], offset: number): T | undefined;
}

function kindOf(column: Column): string {
  return (column.constructor as unknown as Record<symbol, string>)[entityKind] ?? "";
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * A reader of `table`'s rows selected as `alias`, with result keys prefixed by `prefix`. Columns in
 * `skip` are not read (selected as NULL): for large values the path never uses, such as an account's
 * keys on every author of a timeline page (the signing code loads keys itself, src/federation/keys.ts).
 */
export function rowReader<T extends Table>(
  table: T,
  alias: string,
  prefix = "",
  skip: ReadonlyArray<keyof InferSelectModel<T>> = [],
): RowReader<InferSelectModel<T>> {
  const plans: ColumnPlan[] = [];
  const parts: string[] = [];
  let idAlias = "";
  for (const [key, column] of Object.entries(getTableColumns(table)) as Array<[string, Column]>) {
    const as = `${prefix}${key}`;
    const source = (skip as readonly string[]).includes(key) ? "NULL" : `${quote(alias)}.${quote(column.name)}`;
    parts.push(`${source} AS ${quote(as)}`);
    const decode = IDENTITY.has(kindOf(column)) ? undefined : (value: unknown) => column.mapFromDriverValue(value);
    plans.push({ alias: as, key, decode });
    if (column.primary || (key === "id" && idAlias === "")) idAlias = as;
  }
  if (idAlias === "") throw new Error("rowReader needs a table with a primary key column");
  const idIndex = plans.findIndex((p) => p.alias === idAlias);
  const decodeCell = (p: ColumnPlan, value: unknown): unknown =>
    value === null || value === undefined || p.decode === undefined ? (value ?? null) : p.decode(value);
  return {
    columns: parts.join(", "),
    idAlias,
    width: plans.length,
    readAt(row, offset) {
      if (row[offset + idIndex] === null || row[offset + idIndex] === undefined) return undefined;
      const out: Record<string, unknown> = {};
      for (let i = 0; i < plans.length; i++) {
        const p = plans[i] as ColumnPlan;
        out[p.key] = decodeCell(p, row[offset + i]);
      }
      return out as InferSelectModel<T>;
    },
    read(row) {
      if (row[idAlias] === null || row[idAlias] === undefined) return undefined;
      const out: Record<string, unknown> = {};
      for (const p of plans) out[p.key] = decodeCell(p, row[p.alias]);
      return out as InferSelectModel<T>;
    },
  };
}
