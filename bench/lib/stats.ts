/** Percentiles, Server-Timing parsing and the report table. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface Timing {
  appMs: number;
  d1Ms: number;
  rowsRead: number;
  rowsWritten: number;
  queries: number;
  hubMs: number;
  hydrateMs: number;
}

/** Reads `app;dur=…, d1;dur=…;desc="rows=… written=… queries=…", hub;dur=…` (src/db/metrics.ts). */
export function parseServerTiming(header: string | null): Timing {
  const text = header ?? "";
  const num = (re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : Number.NaN;
  };
  const sum = (name: string) => {
    let total = 0;
    for (const m of text.matchAll(new RegExp(`${name};dur=([\\d.]+)`, "g"))) total += Number(m[1]);
    return total;
  };
  return {
    appMs: num(/app;dur=([\d.]+)/),
    d1Ms: num(/d1;dur=([\d.]+)/),
    rowsRead: num(/d1;[^,]*rows=(\d+)/),
    rowsWritten: num(/d1;[^,]*written=(\d+)/),
    queries: num(/d1;[^,]*queries=(\d+)/),
    hubMs: sum("hub"),
    hydrateMs: sum("hydrate"),
  };
}

export interface Row {
  figure: string;
  value: number;
  unit: string;
  floor?: number;
  floorName?: string;
  goal?: string;
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return "n/a";
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/** Prints each figure beside its floor and the ratio. */
export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const header = ["figure", "measured", "floor", "ratio", "goal"];
  const lines = rows.map((r) => [
    r.figure,
    `${fmt(r.value)} ${r.unit}`,
    r.floor === undefined ? "" : `${fmt(r.floor)} ${r.unit} (${r.floorName ?? "floor"})`,
    r.floor === undefined || r.floor === 0 ? "" : `${(r.value / r.floor).toFixed(1)}x`,
    r.goal ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const row = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(row(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(row(l));
}
