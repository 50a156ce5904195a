/**
 * `npm run petrel -- domains …`: instance-wide domain blocks, beside the staff page
 * (/admin/domain_blocks) and with its rules (src/services/domain-blocks.ts). A block (or its lifting)
 * is written with its event-outbox row; the cron queues that within a minute, and the FANOUT consumer
 * then suspends or silences the accounts already stored (or restores them). The Worker's isolates
 * see a change made here within a minute (src/services/domain-policy.ts).
 */
import { parseArgs } from "node:util";
import { CliError, formatTable } from "../lib/accounts-commands";
import { loadDomainNamesModule, loadIdsModule } from "../lib/petrel-src";
import type { SqlExecutor } from "../lib/sql";
import { readTomlVars } from "../lib/wrangler-toml";

export const DOMAINS_USAGE = `  domains block <domain> [--severity suspend|silence|noop] [--reject-media] [--reject-reports]
                [--public-comment <text>] [--private-comment <text>] [--obfuscate]
      Blocks a server and its subdomains (default severity: suspend).
  domains unblock <domain>
      Lifts a block; the accounts it suspended or silenced are restored (not their follows).
  domains list
      Lists the blocks: domain, severity, rejections, date, comments.
`;

const OPTIONS = {
  severity: { type: "string" },
  "reject-media": { type: "boolean" },
  "reject-reports": { type: "boolean" },
  "public-comment": { type: "string" },
  "private-comment": { type: "string" },
  obfuscate: { type: "boolean" },
  remote: { type: "boolean" },
} as const;

interface BlockRow {
  id: number;
  domain: string;
  severity: string;
  reject_media: number;
  reject_reports: number;
  private_comment: string;
  public_comment: string;
  obfuscate: number;
  created_at: number;
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\nUsage:\n${DOMAINS_USAGE}`, 2);
  }
}

async function domainArg(rest: string[], command: string): Promise<string> {
  const { normalizeBlockDomain } = await loadDomainNamesModule();
  const raw = rest[0];
  if (rest.length !== 1 || raw === undefined) throw new CliError(`Usage: npm run petrel -- domains ${command} <domain>`, 2);
  const domain = normalizeBlockDomain(raw);
  if (!domain) throw new CliError(`"${raw}" is not a domain name`, 2);
  return domain;
}

async function find(db: SqlExecutor, domain: string): Promise<BlockRow | undefined> {
  return (await db.all<BlockRow>("SELECT * FROM instance_domain_blocks WHERE domain = ?", [domain]))[0];
}

/** Runs one `domains` subcommand; `args` are the words after "domains". */
export async function domainsCommand(args: string[], db: SqlExecutor): Promise<void> {
  const { positionals, values } = parse(args);
  const [command, ...rest] = positionals;
  const names = await loadDomainNamesModule();
  switch (command) {
    case "block": {
      const domain = await domainArg(rest, "block");
      const own = [process.env.LOCAL_DOMAIN, process.env.WEB_DOMAIN, readTomlVars().LOCAL_DOMAIN, readTomlVars().WEB_DOMAIN];
      if (
        names.isOwnDomain(
          domain,
          own.flatMap((d) => (d ? [d.toLowerCase()] : [])),
        )
      ) {
        throw new CliError("This server's own domain cannot be blocked", 2);
      }
      const severity = values.severity ?? "suspend";
      if (!["suspend", "silence", "noop"].includes(severity))
        throw new CliError("--severity must be suspend, silence or noop", 2);
      if (await find(db, domain)) throw new CliError(`${domain} is already blocked in ${db.description}`);
      const now = Date.now();
      const { newId } = await loadIdsModule();
      const statements = [
        {
          sql: `INSERT INTO instance_domain_blocks (id, domain, severity, reject_media, reject_reports, private_comment,
                public_comment, obfuscate, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          params: [
            newId(now),
            domain,
            severity,
            values["reject-media"] === true,
            values["reject-reports"] === true,
            (values["private-comment"] ?? "").slice(0, 1000),
            (values["public-comment"] ?? "").slice(0, 1000),
            values.obfuscate === true,
            now,
          ],
        },
      ];
      if (severity !== "noop") {
        statements.push({
          sql: "INSERT INTO event_outbox (message, created_at) VALUES (?, ?)",
          params: [JSON.stringify(names.domainBlockWork("apply", domain, now)), now],
        });
      }
      await db.batch(statements);
      console.log("OK");
      console.log(`Blocked ${domain} (${severity}) in ${db.description}`);
      return;
    }
    case "unblock": {
      const domain = await domainArg(rest, "unblock");
      const block = await find(db, domain);
      if (!block) throw new CliError(`${domain} is not blocked in ${db.description}`);
      const now = Date.now();
      const statements = [
        { sql: "DELETE FROM instance_domain_blocks WHERE id = ?", params: [block.id] as Array<string | number> },
      ];
      if (block.severity !== "noop") {
        statements.push({
          sql: "INSERT INTO event_outbox (message, created_at) VALUES (?, ?)",
          params: [JSON.stringify(names.domainBlockWork("lift", domain, block.created_at)), now],
        });
      }
      await db.batch(statements);
      console.log("OK");
      console.log(`Lifted the block of ${domain} in ${db.description}`);
      return;
    }
    case "list": {
      if (rest.length > 0) throw new CliError("domains list takes no positional arguments", 2);
      const rows = await db.all<BlockRow>("SELECT * FROM instance_domain_blocks ORDER BY id DESC");
      console.log(
        formatTable(
          ["DOMAIN", "SEVERITY", "REJECTS", "CREATED", "PUBLIC COMMENT", "PRIVATE COMMENT"],
          rows.map((b) => [
            b.obfuscate ? `${b.domain} (obfuscated)` : b.domain,
            b.severity,
            [b.reject_media ? "media" : "", b.reject_reports ? "reports" : ""].filter(Boolean).join(",") || "-",
            new Date(b.created_at).toISOString().replace(/\.\d{3}Z$/, "Z"),
            b.public_comment.slice(0, 40),
            b.private_comment.slice(0, 40),
          ]),
        ),
      );
      console.log(`${rows.length} blocked domain${rows.length === 1 ? "" : "s"}`);
      return;
    }
    default:
      throw new CliError(`Unknown domains command "${command ?? ""}"\n\nUsage:\n${DOMAINS_USAGE}`, 2);
  }
}
