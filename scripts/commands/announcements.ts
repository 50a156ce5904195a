/**
 * `npm run petrel -- announcements …`: the operator writes instance announcements (Mastodon's admin
 * "Announcements" page, as a command). It runs the Worker's own service (src/services/announcements.ts)
 * over the CLI's SQL executor, so local and `--remote` databases behave exactly as the Worker does.
 */
import { parseArgs } from "node:util";
import { CliError, formatTable } from "../lib/accounts-commands";
import type { SqlExecutor } from "../lib/sql";

export const ANNOUNCEMENTS_USAGE = `  announcements list
      Lists announcements: id, state, event times, text.
  announcements create --text <text> [--starts-at <ISO date> --ends-at <ISO date>] [--all-day]
                       [--scheduled-at <ISO date>] [--draft]
      Publishes an announcement (at --scheduled-at if given; --draft keeps it unpublished).
  announcements update <id> [--text <text>] [--starts-at <date>|none] [--ends-at <date>|none]
                       [--all-day | --no-all-day] [--scheduled-at <date>|none]
      Changes an announcement; "none" clears a date.
  announcements publish <id> | unpublish <id> | delete <id>
  Open streaming clients hear of each change at the Worker's next cron run (every minute); a deleted
  announcement disappears from the API at once and from the database after that run.
`;

/** The announcement as the service returns it (src/db/schema-client-surface.ts `Announcement`). */
interface Announcement {
  id: number;
  text: string;
  published: boolean;
  allDay: boolean;
  scheduledAt: number | null;
  startsAt: number | null;
  endsAt: number | null;
}

interface AnnouncementInput {
  text?: string;
  startsAt?: number | null;
  endsAt?: number | null;
  allDay?: boolean;
  published?: boolean;
  scheduledAt?: number | null;
}

/** The surface of src/services/announcements.ts the CLI uses; src/ is typed by tsconfig.json, not here. */
interface AnnouncementsService {
  listAnnouncements(db: SqlExecutor): Promise<Announcement[]>;
  createAnnouncement(db: SqlExecutor, input: AnnouncementInput): Promise<Announcement>;
  updateAnnouncement(db: SqlExecutor, id: number, input: AnnouncementInput): Promise<Announcement>;
  deleteAnnouncement(db: SqlExecutor, id: number): Promise<void>;
}

async function loadService(): Promise<AnnouncementsService> {
  const url = new URL("../../src/services/announcements.ts", import.meta.url);
  return (await import(url.href)) as AnnouncementsService;
}

const OPTIONS = {
  text: { type: "string" },
  "starts-at": { type: "string" },
  "ends-at": { type: "string" },
  "scheduled-at": { type: "string" },
  "all-day": { type: "boolean" },
  "no-all-day": { type: "boolean" },
  draft: { type: "boolean" },
  // Chosen by the caller when it opens `db`; accepted here so the arguments can be passed through whole.
  remote: { type: "boolean" },
} as const;

/** An ISO 8601 date or date-time as epoch ms; `none` is null when `clearable`. */
function parseDate(name: string, raw: string | undefined, clearable: boolean): number | null | undefined {
  if (raw === undefined) return undefined;
  if (clearable && raw.trim().toLowerCase() === "none") return null;
  const ms = /^\d{4}-\d{2}-\d{2}/.test(raw.trim()) ? Date.parse(raw.trim()) : Number.NaN;
  if (Number.isNaN(ms)) throw new CliError(`--${name} must be an ISO 8601 date such as 2026-05-01T18:00:00Z, not "${raw}"`, 2);
  return ms;
}

function parseIdArg(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) throw new CliError(`Expected an announcement id, got "${raw ?? ""}"`, 2);
  return Number(raw);
}

function day(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString().replace(".000Z", "Z");
}

function state(a: Announcement, now: number): string {
  if (!a.published) return "draft";
  if (a.scheduledAt !== null && a.scheduledAt > now) return `scheduled ${day(a.scheduledAt)}`;
  if (a.endsAt !== null && a.endsAt <= now) return "ended";
  return "shown";
}

function describe(a: Announcement): string {
  return `announcement ${a.id} (${state(a, Date.now())})`;
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\nUsage:\n${ANNOUNCEMENTS_USAGE}`, 2);
  }
}

/** Runs one `announcements` subcommand; `args` are the words after "announcements". */
export async function announcementsCommand(args: string[], db: SqlExecutor): Promise<void> {
  const { positionals, values } = parse(args);
  const [command, ...rest] = positionals;
  if (values["all-day"] && values["no-all-day"]) throw new CliError("Give --all-day or --no-all-day, not both", 2);
  const service = await loadService();
  try {
    switch (command) {
      case "list": {
        const rows = await service.listAnnouncements(db);
        const now = Date.now();
        console.log(
          formatTable(
            ["ID", "STATE", "STARTS", "ENDS", "TEXT"],
            rows.map((a) => [
              String(a.id),
              state(a, now),
              day(a.startsAt),
              day(a.endsAt),
              a.text.replace(/\s+/g, " ").slice(0, 60),
            ]),
          ),
        );
        console.log(`${rows.length} announcement${rows.length === 1 ? "" : "s"}`);
        return;
      }
      case "create": {
        if (rest.length > 0) throw new CliError("announcements create takes no positional arguments (quote the --text)", 2);
        if (values.text === undefined) throw new CliError("announcements create needs --text <text>", 2);
        const created = await service.createAnnouncement(db, {
          text: values.text,
          startsAt: parseDate("starts-at", values["starts-at"], false),
          endsAt: parseDate("ends-at", values["ends-at"], false),
          scheduledAt: parseDate("scheduled-at", values["scheduled-at"], false),
          allDay: values["all-day"] === true,
          published: values.draft !== true,
        });
        console.log("OK");
        console.log(`Created ${describe(created)} in ${db.description}`);
        return;
      }
      case "update": {
        const id = parseIdArg(rest[0]);
        const input: AnnouncementInput = {};
        if (values.text !== undefined) input.text = values.text;
        const startsAt = parseDate("starts-at", values["starts-at"], true);
        if (startsAt !== undefined) input.startsAt = startsAt;
        const endsAt = parseDate("ends-at", values["ends-at"], true);
        if (endsAt !== undefined) input.endsAt = endsAt;
        const scheduledAt = parseDate("scheduled-at", values["scheduled-at"], true);
        if (scheduledAt !== undefined) input.scheduledAt = scheduledAt;
        if (values["all-day"]) input.allDay = true;
        if (values["no-all-day"]) input.allDay = false;
        if (Object.keys(input).length === 0) throw new CliError("announcements update needs something to change", 2);
        const updated = await service.updateAnnouncement(db, id, input);
        console.log("OK");
        console.log(`Updated ${describe(updated)}`);
        return;
      }
      case "publish":
      case "unpublish": {
        const updated = await service.updateAnnouncement(db, parseIdArg(rest[0]), { published: command === "publish" });
        console.log("OK");
        console.log(`${command === "publish" ? "Published" : "Unpublished"} ${describe(updated)}`);
        return;
      }
      case "delete": {
        const id = parseIdArg(rest[0]);
        await service.deleteAnnouncement(db, id);
        console.log("OK");
        console.log(`Deleted announcement ${id}`);
        return;
      }
      default:
        throw new CliError(`Unknown announcements command "${command ?? ""}"\n\nUsage:\n${ANNOUNCEMENTS_USAGE}`, 2);
    }
  } catch (err) {
    // The service's ApiErrors carry Mastodon's wording ("Validation failed: …", "Record not found").
    const status = (err as { status?: unknown }).status;
    if (typeof status === "number" && err instanceof Error) {
      throw new CliError(status === 404 ? `No such announcement in ${db.description}` : err.message);
    }
    throw err;
  }
}
