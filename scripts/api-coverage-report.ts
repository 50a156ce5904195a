/**
 * API coverage: Mastodon's endpoints (../shared/mastodon/endpoints.csv), weighted by how many of six
 * clients call them (client-usage.csv), against the routes the app serves (api-coverage-routes.ts).
 * Pure TypeScript without Node APIs, so the workerd test can import it.
 */
import { normalizePath, type RouteDef } from "./api-coverage-routes";

export interface Endpoint {
  method: string;
  path: string;
  group: string;
  summary: string;
  /** How many of the analysed clients call it (0 when none does). */
  clients: number;
  /** Which ones, by column name of client-usage.csv. */
  clientNames: string[];
}

export interface CoverageRow extends Endpoint {
  implemented: boolean;
  reason: string | undefined;
}

export interface Reasons {
  /** "METHOD /path" → why it is not implemented yet. */
  endpoints?: Record<string, string>;
  /** endpoint group (endpoints.csv `group`) → reason for every missing endpoint of the group. */
  groups?: Record<string, string>;
}

export interface Coverage {
  rows: CoverageRow[];
  /** Served routes under /api/ that are not in the reference list. */
  extra: RouteDef[];
  totals: {
    endpoints: number;
    implemented: number;
    weight: number;
    implementedWeight: number;
    used: number;
    usedImplemented: number;
  };
  /** Reasons naming endpoints that are implemented now or that do not exist. */
  staleReasons: string[];
}

/** RFC 4180 CSV: quoted fields with doubled quotes and embedded commas or newlines. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const records: string[][] = [];
  let field = "";
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      record.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i += 1;
      record.push(field);
      if (record.some((f) => f !== "")) records.push(record);
      record = [];
      field = "";
    } else field += ch;
  }
  record.push(field);
  if (record.some((f) => f !== "")) records.push(record);
  const [header = [], ...rows] = records;
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}

export const endpointKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/** endpoints.csv and client-usage.csv merged: every endpoint of either, with its client count. */
export function loadEndpoints(endpointsCsv: string, usageCsv: string): Endpoint[] {
  const byKey = new Map<string, Endpoint>();
  for (const r of parseCsv(endpointsCsv)) {
    const key = endpointKey(r.method ?? "", r.path ?? "");
    byKey.set(key, {
      method: (r.method ?? "").toUpperCase(),
      path: r.path ?? "",
      group: r.group ?? "",
      summary: r.summary ?? "",
      clients: 0,
      clientNames: [],
    });
  }
  for (const r of parseCsv(usageCsv)) {
    const key = endpointKey(r.method ?? "", r.path ?? "");
    const names = Object.entries(r)
      .filter(([k, v]) => !["clients_count", "method", "path", "group", "summary"].includes(k) && v.trim() !== "")
      .map(([k]) => k);
    const existing = byKey.get(key);
    const clients = Number(r.clients_count ?? "0") || names.length;
    if (existing) Object.assign(existing, { clients, clientNames: names });
    else {
      const base = { method: (r.method ?? "").toUpperCase(), path: r.path ?? "", group: r.group ?? "", summary: r.summary ?? "" };
      byKey.set(key, { ...base, clients, clientNames: names });
    }
  }
  return [...byKey.values()];
}

export function computeCoverage(endpoints: readonly Endpoint[], routes: readonly RouteDef[], reasons: Reasons): Coverage {
  const served = new Set(routes.map((r) => endpointKey(r.method, normalizePath(r.path))));
  const servedAny = new Set(routes.filter((r) => r.method === "ALL").map((r) => normalizePath(r.path)));
  const isServed = (e: Pick<Endpoint, "method" | "path">) =>
    served.has(endpointKey(e.method, normalizePath(e.path))) || servedAny.has(normalizePath(e.path));
  const rows: CoverageRow[] = endpoints.map((e) => {
    const implemented = isServed(e);
    const reason = implemented ? undefined : (reasons.endpoints?.[endpointKey(e.method, e.path)] ?? reasons.groups?.[e.group]);
    return { ...e, implemented, reason };
  });
  rows.sort((a, b) => b.clients - a.clients || a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  const known = new Set(endpoints.map((e) => endpointKey(e.method, normalizePath(e.path))));
  const extraKeys = new Set<string>();
  const extra: RouteDef[] = [];
  for (const r of routes) {
    const key = endpointKey(r.method, normalizePath(r.path));
    if (!r.path.startsWith("/api/") || known.has(key) || extraKeys.has(key)) continue;
    extraKeys.add(key);
    extra.push(r);
  }
  extra.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  const staleReasons: string[] = [];
  const byKey = new Map(rows.map((r) => [endpointKey(r.method, r.path), r]));
  for (const key of Object.keys(reasons.endpoints ?? {})) {
    const row = byKey.get(key);
    if (!row) staleReasons.push(`${key}: not in the reference list`);
    else if (row.implemented) staleReasons.push(`${key}: implemented now`);
  }
  const groups = new Set(endpoints.map((e) => e.group));
  for (const group of Object.keys(reasons.groups ?? {})) {
    if (!groups.has(group)) staleReasons.push(`group ${group}: no such group`);
  }
  const sum = (list: CoverageRow[]) => list.reduce((n, r) => n + r.clients, 0);
  const done = rows.filter((r) => r.implemented);
  const used = rows.filter((r) => r.clients > 0);
  return {
    rows,
    extra,
    totals: {
      endpoints: rows.length,
      implemented: done.length,
      weight: sum(rows),
      implementedWeight: sum(done),
      used: used.length,
      usedImplemented: used.filter((r) => r.implemented).length,
    },
    staleReasons,
  };
}

const percent = (part: number, whole: number) => (whole === 0 ? "100.0%" : `${((100 * part) / whole).toFixed(1)}%`);

/** One line per total, for the console and the document. */
export function summaryLines(c: Coverage): string[] {
  const t = c.totals;
  return [
    `Endpoints implemented: ${t.implemented} of ${t.endpoints} (${percent(t.implemented, t.endpoints)})`,
    `Endpoints some client calls: ${t.usedImplemented} of ${t.used} (${percent(t.usedImplemented, t.used)})`,
    `Weighted by clients calling them: ${t.implementedWeight} of ${t.weight} (${percent(t.implementedWeight, t.weight)})`,
  ];
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** docs/api-coverage.md. Deterministic (no dates), so it changes only when coverage does. */
export function renderMarkdown(c: Coverage): string {
  const lines = [
    "# API coverage",
    "",
    "Generated by `npm run api-coverage -- --write` from `../shared/mastodon/endpoints.csv` and",
    "`client-usage.csv` (which of Elk, Phanpy, Ice Cubes, Tusky, Mastodon for Android and Pinafore call each",
    "endpoint) against the routes the app defines. Reasons for missing endpoints live in",
    "`scripts/api-coverage-reasons.json`. Do not edit this file by hand.",
    "",
    ...summaryLines(c).map((l) => `- ${l}`),
    "",
    "| Method | Path | Clients | Implemented | Not implemented — reason |",
    "| --- | --- | ---: | :---: | --- |",
    ...c.rows.map(
      (r) =>
        `| ${r.method} | \`${r.path}\` | ${r.clients} | ${r.implemented ? "yes" : "no"} | ${r.implemented ? "" : cell(r.reason ?? "not yet assigned")} |`,
    ),
  ];
  if (c.extra.length > 0) {
    lines.push("", "## Served but not in the reference list", "", "| Method | Path | Defined in |", "| --- | --- | --- |");
    lines.push(...c.extra.map((r) => `| ${r.method} | \`${r.path}\` | \`${r.file}\` |`));
  }
  return `${lines.join("\n")}\n`;
}
