/**
 * `npm run petrel -- media …`: storage used by media, and the remote media cache's expiry by hand
 * (the cron runs the same expiry every minute, a batch at a time). Local instance only: both read or
 * change R2, which `wrangler d1 execute --remote` cannot reach.
 */
import { parseArgs } from "node:util";
import { CliError, formatTable } from "../lib/accounts-commands";
import { loadRemoteCleanupModule, openLocalMedia, type UsageKind } from "../lib/local-media";
import { resolveStateDir } from "../lib/repo";
import type { SqlExecutor } from "../lib/sql";
import { readTomlVars } from "../lib/wrangler-toml";

export const MEDIA_USAGE = `  media usage
      Bytes stored by kind: local uploads, avatars and headers, custom emoji, cached remote media.
  media remove [--days <n>]
      Removes cached copies of remote media not used for n days (default REMOTE_MEDIA_RETENTION_DAYS,
      7); local media is never touched. Removed files are fetched again when next needed.
`;

const OPTIONS = { days: { type: "string" }, remote: { type: "boolean" } } as const;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\nUsage:\n${MEDIA_USAGE}`, 2);
  }
}

/** 1536 -> "1.5 KB", as tootctl prints sizes. */
export function humanBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function parseDays(raw: string | undefined): number {
  const fallback = readTomlVars().REMOTE_MEDIA_RETENTION_DAYS ?? "7";
  const value = raw ?? process.env.REMOTE_MEDIA_RETENTION_DAYS ?? fallback;
  if (!/^\d{1,5}$/.test(value) || Number(value) < 1)
    throw new CliError(`--days must be a whole number of days, at least 1, not "${value}"`, 2);
  return Number(value);
}

const LABELS: Record<UsageKind, string> = {
  local: "local media",
  avatars_headers: "avatars and headers",
  emoji: "custom emoji",
  remote_cache: "remote media cache",
};

/** Runs one `media` subcommand; `args` are the words after "media". */
export async function mediaCommand(args: string[], _db: SqlExecutor): Promise<void> {
  const { positionals, values } = parse(args);
  const [command, ...rest] = positionals;
  if (values.remote) throw new CliError("media commands work on the local instance only; --remote is not supported", 2);
  if (rest.length > 0) throw new CliError(`media ${command ?? ""} takes no positional arguments`, 2);
  switch (command) {
    case "usage": {
      const [m, media] = await Promise.all([loadRemoteCleanupModule(), openLocalMedia(resolveStateDir())]);
      try {
        const usage = await m.mediaUsage(media.db, media.bucket);
        const kinds: UsageKind[] = ["local", "avatars_headers", "emoji", "remote_cache"];
        const rows = kinds.map((k) => [LABELS[k], String(usage.counts[k]), humanBytes(usage.bytes[k]), String(usage.bytes[k])]);
        for (const [kind, v] of Object.entries(usage.remoteCacheByKind)) {
          if (v) rows.push([`  remote ${kind}s`, String(v.count), humanBytes(v.bytes), String(v.bytes)]);
        }
        console.log(formatTable(["KIND", "FILES", "SIZE", "BYTES"], rows));
      } finally {
        await media.close();
      }
      return;
    }
    case "remove": {
      const days = parseDays(values.days);
      const [m, media] = await Promise.all([loadRemoteCleanupModule(), openLocalMedia(resolveStateDir())]);
      try {
        const removed = await m.expireAllRemoteMedia(media.db, media.bucket, days);
        console.log("OK");
        console.log(
          `Removed ${removed} cached remote file${removed === 1 ? "" : "s"} unused for ${days} day${days === 1 ? "" : "s"}`,
        );
      } finally {
        await media.close();
      }
      return;
    }
    default:
      throw new CliError(`Unknown media command "${command ?? ""}"\n\nUsage:\n${MEDIA_USAGE}`, 2);
  }
}
