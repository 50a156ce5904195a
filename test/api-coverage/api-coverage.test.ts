/**
 * `npm run api-coverage` reads the route table from the source, because the Worker cannot be imported
 * into Node. Here, inside workerd, the app can be built: its real route table (Hono's `app.routes`)
 * must be exactly what the static reading finds, so the coverage document cannot drift from the code.
 */
import { describe, expect, it } from "vitest";
import usageCsv from "../../../shared/mastodon/client-usage.csv?raw";
import endpointsCsv from "../../../shared/mastodon/endpoints.csv?raw";
import reasons from "../../scripts/api-coverage-reasons.json";
import { computeCoverage, loadEndpoints, parseCsv, type Reasons, renderMarkdown } from "../../scripts/api-coverage-report";
import { blankComments, evaluate, extractRoutes, normalizePath, type SourceFile } from "../../scripts/api-coverage-routes";
import { createApp } from "../../src/app";

const sources = import.meta.glob<string>(
  ["../../src/**/*.ts", "../../src/**/*.tsx", "!../../src/**/*.test.ts", "!../../src/**/*.d.ts"],
  {
    query: "?raw",
    import: "default",
    eager: true,
  },
);

function sourceFiles(): SourceFile[] {
  return Object.entries(sources).map(([path, text]) => ({ path: path.replace(/^(\.\.\/)+/, ""), text }));
}

const key = (r: { method: string; path: string }) => `${r.method} ${normalizePath(r.path)}`;

describe("api-coverage route extraction", () => {
  it("finds exactly the routes Hono registers", () => {
    const { routes, warnings } = extractRoutes(sourceFiles());
    expect(warnings).toEqual([]);
    const found = new Set(routes.map(key));
    // Middleware (`use`) is registered as method ALL; routes are the rest.
    const actual = new Set(
      createApp()
        .routes.filter((r) => r.method !== "ALL")
        .map(key),
    );
    expect([...found].filter((k) => !actual.has(k)).sort()).toEqual([]);
    expect([...actual].filter((k) => !found.has(k)).sort()).toEqual([]);
    expect(found.size).toBeGreaterThan(50);
  });

  it("resolves loops, helper parameters and file-local sub-apps, and ignores comments", () => {
    const files: SourceFile[] = [
      {
        path: "src/app.ts",
        text: `import { aRoutes } from "./a";\nfunction createApp() { const app = new Hono(); app.route("/", aRoutes); app.route("/x", made); return app; }\nconst made = build();\nfunction build() { const routes = new Hono(); routes.get("/made", h); return routes; }`,
      },
      {
        path: "src/a.ts",
        text: [
          "export const aRoutes = new Hono();",
          // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test, not a template
          'for (const kind of ["one", "two"] as const) { aRoutes.get(`/api/${kind}`, h); }',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test, not a template
          "function action(path: string, scope: string) { aRoutes.post(`/api/s/:id/${path}`, h); }",
          'action("fav", "w");',
          "action('unfav', \"w\");",
          'aRoutes.on(["PUT", "PATCH"], "/api/up/:id{[0-9]+}", h);',
          '// aRoutes.get("/api/commented", h);',
          '/* aRoutes.get("/api/block-commented", h); */',
          'const re = /["`(]/; aRoutes.delete("/api/after-regex", h);',
          'for (const method of ["put", "patch"] as const) { aRoutes[method]("/api/both", h); }',
          'aRoutes.on(["GET", "HEAD"], "/files/*", h);',
          'const orphan = new Hono(); orphan.get("/api/orphan", h);',
        ].join("\n"),
      },
    ];
    const { routes, warnings } = extractRoutes(files);
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      [
        "DELETE /api/after-regex",
        "GET /files/*",
        "HEAD /files/*",
        "PUT /api/both",
        "PATCH /api/both",
        "GET /api/one",
        "GET /api/two",
        "GET /x/made",
        "PATCH /api/up/:id{[0-9]+}",
        "POST /api/s/:id/fav",
        "POST /api/s/:id/unfav",
        "PUT /api/up/:id{[0-9]+}",
      ].sort(),
    );
    expect(warnings).toEqual(["src/a.ts: GET /api/orphan is defined on src/a.ts#orphan, which is not mounted in the app"]);
    expect(blankComments('a // b "c"\nd')).toBe("a         \nd");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: source code under test, not a template
    expect(evaluate("", "`/a/${x}`", 0)).toBeUndefined();
    expect(normalizePath("/api/v1/accounts/:id{[0-9]+}/lists/")).toBe("/api/v1/accounts/{}/lists");
    expect(normalizePath("/api/v2/filters/{filter_id}/keywords")).toBe("/api/v2/filters/{}/keywords");
  });
});

describe("api-coverage report", () => {
  it("reads the reference CSVs, quoted fields included", () => {
    const usage = parseCsv(usageCsv);
    expect(usage).toHaveLength(172);
    const nodeinfo = usage.find((r) => r.path === "/.well-known/nodeinfo");
    expect(nodeinfo?.summary).toContain("(not Mastodon client API, but clients use it");
    expect(nodeinfo?.phanpy).toBe("x");
    const endpoints = loadEndpoints(endpointsCsv, usageCsv);
    // endpoints.csv has 280; client-usage adds two Pleroma routes clients call.
    expect(endpoints).toHaveLength(282);
    expect(endpoints.find((e) => e.method === "GET" && e.path === "/api/v1/lists")?.clients).toBe(6);
  });

  it("counts this issue's endpoints as implemented and weighs totals by clients", () => {
    const { routes } = extractRoutes(sourceFiles());
    const coverage = computeCoverage(loadEndpoints(endpointsCsv, usageCsv), routes, reasons as Reasons);
    const mine = coverage.rows.filter((r) => ["lists", "filters", "announcements"].includes(r.group));
    expect(mine.length).toBe(31);
    expect(mine.filter((r) => !r.implemented).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    const t = coverage.totals;
    expect(t.implementedWeight).toBe(coverage.rows.filter((r) => r.implemented).reduce((n, r) => n + r.clients, 0));
    expect(t.weight).toBe(628);
    const doc = renderMarkdown(coverage);
    expect(doc).toContain("| GET | `/api/v1/lists` | 6 | yes |  |");
  });

  it("keeps every recorded reason pointed at a real endpoint or group", () => {
    const coverage = computeCoverage(loadEndpoints(endpointsCsv, usageCsv), [], reasons as Reasons);
    expect(coverage.staleReasons).toEqual([]);
  });
});
