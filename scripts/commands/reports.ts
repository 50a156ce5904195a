/**
 * `npm run petrel -- reports …`: what users reported (POST /api/v1/reports), for the moderators,
 * beside the staff pages (/admin/reports). Reads the `reports` table (migrations/0007_surface_federation_streaming_media.sql) directly.
 */
import { parseArgs } from "node:util";
import type { ReportRow } from "../../src/services/report-row";
import { CliError, formatTable } from "../lib/accounts-commands";
import type { SqlExecutor } from "../lib/sql";

export const REPORTS_USAGE = `  reports list [--all] [--limit <n>]
      Lists unresolved reports, newest first (--all includes resolved ones): id, date, reporter,
      reported account, category, statuses, forwarded, comment.
  reports resolve <id>
      Marks a report as resolved (action taken).
`;

const OPTIONS = {
  all: { type: "boolean" },
  limit: { type: "string" },
  remote: { type: "boolean" },
} as const;

/** The staff pages' report row, without the target's id (the CLI names accounts by handle). */
type Row = Omit<ReportRow, "target_id">;

function acct(username: string, domain: string | null): string {
  return domain === null ? `@${username}` : `@${username}@${domain}`;
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\nUsage:\n${REPORTS_USAGE}`, 2);
  }
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 50;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1) throw new CliError(`--limit must be a number from 1 to 9999, not "${raw}"`, 2);
  return Number(raw);
}

function statusCount(json: string): number {
  const parsed = JSON.parse(json) as unknown;
  return Array.isArray(parsed) ? parsed.length : 0;
}

/** Runs one `reports` subcommand; `args` are the words after "reports". */
export async function reportsCommand(args: string[], db: SqlExecutor): Promise<void> {
  const { positionals, values } = parse(args);
  const [command, ...rest] = positionals;
  switch (command) {
    case "list": {
      if (rest.length > 0) throw new CliError("reports list takes no positional arguments", 2);
      const limit = parseLimit(values.limit);
      const rows = await db.all<Row>(
        `SELECT r.id, r.created_at, a.username AS reporter, a.domain AS reporter_domain,
           t.username AS target, t.domain AS target_domain, r.category, r.status_ids, r.rule_ids,
           r.forwarded, r.action_taken_at, r.comment
         FROM reports r
         JOIN accounts a ON a.id = r.account_id
         JOIN accounts t ON t.id = r.target_account_id
         ${values.all ? "" : "WHERE r.action_taken_at IS NULL"}
         ORDER BY r.id DESC LIMIT ?`,
        [limit],
      );
      console.log(
        formatTable(
          ["ID", "CREATED", "REPORTER", "REPORTED", "CATEGORY", "STATUSES", "FORWARDED", "STATE", "COMMENT"],
          rows.map((r) => [
            String(r.id),
            new Date(r.created_at).toISOString().replace(/\.\d{3}Z$/, "Z"),
            acct(r.reporter, r.reporter_domain),
            acct(r.target, r.target_domain),
            r.rule_ids ? `${r.category} (rules ${(JSON.parse(r.rule_ids) as number[]).join(",")})` : r.category,
            String(statusCount(r.status_ids)),
            r.forwarded ? "yes" : "no",
            r.action_taken_at === null ? "open" : "resolved",
            r.comment.replace(/\s+/g, " ").slice(0, 60),
          ]),
        ),
      );
      console.log(`${rows.length} report${rows.length === 1 ? "" : "s"}`);
      return;
    }
    case "resolve": {
      const raw = rest[0];
      if (rest.length !== 1 || raw === undefined || !/^\d{1,16}$/.test(raw)) {
        throw new CliError(`Expected a report id, got "${rest.join(" ")}"`, 2);
      }
      const found = await db.all<{ id: number }>("SELECT id FROM reports WHERE id = ?", [Number(raw)]);
      if (found.length === 0) throw new CliError(`No such report in ${db.description}`);
      const now = Date.now();
      await db.batch([
        {
          sql: "UPDATE reports SET action_taken_at = coalesce(action_taken_at, ?), updated_at = ? WHERE id = ?",
          params: [now, now, Number(raw)],
        },
      ]);
      console.log("OK");
      console.log(`Resolved report ${raw}`);
      return;
    }
    default:
      throw new CliError(`Unknown reports command "${command ?? ""}"\n\nUsage:\n${REPORTS_USAGE}`, 2);
  }
}
