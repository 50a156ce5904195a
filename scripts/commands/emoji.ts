/**
 * `npm run petrel -- emoji …`: custom emoji, until the admin pages exist. Imports go through the
 * Worker's own importCustomEmoji (src/services/custom-emojis.ts), on the local instance's D1 and R2.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { CliError, formatTable } from "../lib/accounts-commands";
import { loadCustomEmojisModule, openLocalMedia } from "../lib/local-media";
import { resolveStateDir } from "../lib/repo";
import type { SqlExecutor } from "../lib/sql";

export const EMOJI_USAGE = `  emoji import <file-or-folder> [--category <name>] [--shortcode <code>]
      Adds PNG, GIF or WebP images (at most 256 KB) as custom emoji; the shortcode is the file name
      without extension (--shortcode for a single file). A folder imports every .png, .gif and .webp in it.
  emoji list
      Lists local custom emoji: shortcode, category, size, type.
`;

const OPTIONS = {
  category: { type: "string" },
  shortcode: { type: "string" },
  remote: { type: "boolean" },
} as const;

const IMAGE_EXT = /\.(png|gif|webp)$/i;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\nUsage:\n${EMOJI_USAGE}`, 2);
  }
}

function filesOf(target: string): string[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(target);
  } catch {
    throw new CliError(`No such file or folder: ${target}`);
  }
  if (!stat.isDirectory()) return [target];
  const files = readdirSync(target)
    .filter((f) => IMAGE_EXT.test(f))
    .sort()
    .map((f) => path.join(target, f));
  if (files.length === 0) throw new CliError(`No .png, .gif or .webp files in ${target}`);
  return files;
}

/** Runs one `emoji` subcommand; `args` are the words after "emoji". */
export async function emojiCommand(args: string[], db: SqlExecutor): Promise<void> {
  const { positionals, values } = parse(args);
  const [command, ...rest] = positionals;
  switch (command) {
    case "import": {
      if (values.remote)
        throw new CliError("emoji import works on the local instance only (R2 uploads); --remote is not supported", 2);
      if (rest.length !== 1) throw new CliError(`Usage:\n${EMOJI_USAGE}`, 2);
      const target = path.resolve(process.env.INIT_CWD ?? process.cwd(), rest[0] as string);
      const files = filesOf(target);
      if (values.shortcode !== undefined && files.length > 1)
        throw new CliError("--shortcode names one emoji: give a file, not a folder", 2);
      const [{ importCustomEmoji }, media] = await Promise.all([loadCustomEmojisModule(), openLocalMedia(resolveStateDir())]);
      let imported = 0;
      const failures: string[] = [];
      try {
        for (const file of files) {
          try {
            const row = await importCustomEmoji(
              { db: media.db, bucket: media.bucket },
              {
                fileName: file,
                bytes: new Uint8Array(readFileSync(file)),
                shortcode: values.shortcode,
                category: values.category,
              },
            );
            imported++;
            console.log(`Imported :${row.shortcode}:${row.category ? ` (${row.category})` : ""} from ${path.basename(file)}`);
          } catch (err) {
            if ((err as { status?: unknown }).status !== 422) throw err;
            failures.push(`${path.basename(file)}: ${(err as Error).message}`);
          }
        }
      } finally {
        await media.close();
      }
      for (const f of failures) console.error(`Skipped ${f}`);
      console.log(`${imported} imported, ${failures.length} refused`);
      if (failures.length > 0) throw new CliError(imported === 0 ? "Nothing imported" : "Some files were refused");
      return;
    }
    case "list": {
      if (rest.length > 0) throw new CliError("emoji list takes no positional arguments", 2);
      const rows = await db.all<{
        shortcode: string;
        category: string | null;
        file_size: number | null;
        content_type: string | null;
      }>("SELECT shortcode, category, file_size, content_type FROM custom_emojis WHERE domain IS NULL ORDER BY shortcode");
      console.log(
        formatTable(
          ["SHORTCODE", "CATEGORY", "BYTES", "TYPE"],
          rows.map((r) => [`:${r.shortcode}:`, r.category ?? "", String(r.file_size ?? ""), r.content_type ?? ""]),
        ),
      );
      console.log(`${rows.length} custom emoji`);
      return;
    }
    default:
      throw new CliError(`Unknown emoji command "${command ?? ""}"\n\nUsage:\n${EMOJI_USAGE}`, 2);
  }
}
