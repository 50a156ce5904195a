/**
 * The small SQL surface the operator CLI needs, with two executors: the local D1 binding (through
 * wrangler's getPlatformProxy, see local-d1.ts) and `wrangler d1 execute` (remote-d1.ts). Statements
 * use `?` placeholders in both; the wrangler executor inlines the values as SQL literals.
 */
export type SqlValue = string | number | boolean | null;

export interface SqlStatement {
  sql: string;
  params?: SqlValue[];
}

export interface SqlExecutor {
  /** Where the statements run, for messages: "local D1 in <dir>" or "remote D1 petrel". */
  readonly description: string;
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** Runs the statements atomically: all of them or none. */
  batch(statements: SqlStatement[]): Promise<void>;
  close(): Promise<void>;
}

/** One SQL literal for `value`. Strings are single-quoted with quotes doubled; NUL is refused. */
export function sqlLiteral(value: SqlValue): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`cannot inline the number ${value} in SQL`);
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) throw new Error(`integer ${value} is beyond 2^53`);
    return String(value);
  }
  if (value.includes("\0")) throw new Error("cannot inline a string containing NUL in SQL");
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Replaces each `?` placeholder outside quoted text ('...', "...", `...`) and comments with the next
 * value as a literal. The number of placeholders must match the number of values.
 */
export function inlineParams(sql: string, params: SqlValue[] = []): string {
  let out = "";
  let next = 0;
  let i = 0;
  while (i < sql.length) {
    const ch = sql[i] as string;
    if (ch === "'" || ch === '"' || ch === "`") {
      const end = findClosingQuote(sql, i, ch);
      out += sql.slice(i, end + 1);
      i = end + 1;
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (ch === "?") {
      if (next >= params.length) throw new Error(`SQL has more placeholders than the ${params.length} values given: ${sql}`);
      out += sqlLiteral(params[next] as SqlValue);
      next += 1;
      i += 1;
    } else {
      out += ch;
      i += 1;
    }
  }
  if (next !== params.length) throw new Error(`SQL has ${next} placeholders but ${params.length} values were given: ${sql}`);
  return out;
}

function findClosingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i;
    }
    i += 1;
  }
  throw new Error(`unterminated ${quote} in SQL: ${sql}`);
}
