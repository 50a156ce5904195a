/**
 * `npm run api-coverage`: which Mastodon endpoints Petrel serves, weighted by how many clients call them.
 *
 *   npm run api-coverage                 print every endpoint and the totals
 *   npm run api-coverage -- --write      also write docs/api-coverage.md
 *   npm run api-coverage -- --check      exit 1 if docs/api-coverage.md is stale or a route cannot be read
 *   --reference <dir>                    where endpoints.csv and client-usage.csv are (default ../shared/mastodon)
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { computeCoverage, loadEndpoints, type Reasons, renderMarkdown, summaryLines } from "./api-coverage-report";
import { extractRoutes, type SourceFile } from "./api-coverage-routes";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DOC = path.join(REPO, "docs", "api-coverage.md");

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (/\.tsx?$/.test(entry.name) && !/\.(test|d)\.tsx?$/.test(entry.name)) {
      out.push({ path: path.relative(REPO, full).split(path.sep).join("/"), text: readFileSync(full, "utf8") });
    }
  }
  return out;
}

function main(): number {
  const { values } = parseArgs({
    options: { write: { type: "boolean" }, check: { type: "boolean" }, reference: { type: "string" } },
    strict: true,
  });
  const reference = path.resolve(REPO, values.reference ?? "../shared/mastodon");
  const endpoints = loadEndpoints(
    readFileSync(path.join(reference, "endpoints.csv"), "utf8"),
    readFileSync(path.join(reference, "client-usage.csv"), "utf8"),
  );
  const reasons = JSON.parse(readFileSync(path.join(REPO, "scripts", "api-coverage-reasons.json"), "utf8")) as Reasons;
  const { routes, warnings } = extractRoutes(sourceFiles(path.join(REPO, "src")));
  const coverage = computeCoverage(endpoints, routes, reasons);

  const width = Math.max(...coverage.rows.map((r) => r.path.length));
  for (const r of coverage.rows) {
    const status = r.implemented ? "yes" : `no   ${r.reason ?? "(no reason recorded)"}`;
    console.log(`${r.method.padEnd(7)}${r.path.padEnd(width + 2)}${String(r.clients).padStart(2)}  ${status}`);
  }
  console.log("");
  for (const line of summaryLines(coverage)) console.log(line);
  for (const w of warnings) console.error(`warning: ${w}`);
  for (const s of coverage.staleReasons) console.error(`warning: stale reason in scripts/api-coverage-reasons.json: ${s}`);

  const markdown = renderMarkdown(coverage);
  if (values.write) {
    writeFileSync(DOC, markdown);
    console.log(`Wrote ${path.relative(REPO, DOC)}`);
  }
  if (values.check) {
    let current = "";
    try {
      current = readFileSync(DOC, "utf8");
    } catch {
      // A missing document is stale too.
    }
    if (current !== markdown) {
      console.error("docs/api-coverage.md is out of date: run npm run api-coverage -- --write");
      return 1;
    }
    if (warnings.length > 0) return 1;
  }
  return 0;
}

process.exitCode = main();
