/**
 * `npm run petrel -- <command>`: the operator CLI, in the spirit of Mastodon's tootctl.
 *
 * Local by default, against the state directory `npm run dev` uses (PETREL_STATE_DIR, default
 * .petrel/dev; migrations are applied first, so a fresh directory works). `--remote` works on the
 * deployed D1 database through `wrangler d1 execute --remote`.
 */
import { parseArgs } from "node:util";
import {
  approveAccount,
  CliError,
  formatTable,
  listAccounts,
  notifyStaffOfNewAccount,
  parseRole,
  precheck,
  setPassword,
  setRole,
} from "./lib/accounts-commands";
import { LocalD1Executor } from "./lib/local-d1";
import { loadPasswordModule } from "./lib/petrel-src";
import { createAccountViaSql, WranglerD1Executor } from "./lib/remote-d1";
import { resolveStateDir } from "./lib/repo";
import type { SqlExecutor } from "./lib/sql";

const USAGE = `Usage: npm run petrel -- <command> [options]

Commands:
  accounts create <username> --email <email> [--role owner|admin|moderator|user]
      Creates a confirmed, approved local account and prints its generated password.
  accounts set-password <username> [--password <password>]
      Sets a new password (prints it when generated) and signs the user out of the web.
  accounts set-role <username> <owner|admin|moderator|user>
      Changes the role of a local account.
  accounts approve <username>
      Approves a sign-up waiting for review (REGISTRATIONS_MODE=approval) and notifies staff.
  accounts list
      Lists local accounts: id, username, email, role, approved, created.

%GROUPS%
Options:
  --remote     Work on the deployed D1 database (wrangler d1 execute DB --remote) instead of local state.
  -h, --help   Show this help.

Environment:
  PETREL_STATE_DIR   Local state directory shared with \`npm run dev\` (default: .petrel/dev).
`;

interface CommandGroup {
  usage: string;
  run(args: string[], db: SqlExecutor): Promise<void>;
}

/**
 * Command groups that live in scripts/commands/ and take their own arguments: each gets the rest of the
 * command line (after the group name) and a database opened as `--remote` asks. Loaded only when used.
 */
const GROUPS: Record<string, () => Promise<CommandGroup>> = {
  announcements: async () => {
    const m = await import("./commands/announcements");
    return { usage: m.ANNOUNCEMENTS_USAGE, run: m.announcementsCommand };
  },
  domains: async () => {
    const m = await import("./commands/domains");
    return { usage: m.DOMAINS_USAGE, run: m.domainsCommand };
  },
  reports: async () => {
    const m = await import("./commands/reports");
    return { usage: m.REPORTS_USAGE, run: m.reportsCommand };
  },
  emoji: async () => {
    const m = await import("./commands/emoji");
    return { usage: m.EMOJI_USAGE, run: m.emojiCommand };
  },
  media: async () => {
    const m = await import("./commands/media");
    return { usage: m.MEDIA_USAGE, run: m.mediaCommand };
  },
};

async function usage(): Promise<string> {
  let extra = "";
  for (const load of Object.values(GROUPS)) {
    try {
      extra += (await load()).usage;
    } catch {
      // A group that does not load is left out of the help; running it shows the error.
    }
  }
  return USAGE.replace("%GROUPS%", extra);
}

interface Parsed {
  positionals: string[];
  values: { email?: string; role?: string; password?: string; remote?: boolean; help?: boolean };
}

function parse(argv: string[]): Parsed {
  try {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        email: { type: "string" },
        role: { type: "string" },
        password: { type: "string" },
        remote: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
    return { positionals, values };
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\nRun npm run petrel -- --help for the commands.`, 2);
  }
}

function expectArgs(positionals: string[], count: number, usage: string): void {
  if (positionals.length !== count) throw new CliError(`Usage: npm run petrel -- ${usage}`, 2);
}

function refuseOptions(values: Parsed["values"], allowed: Array<keyof Parsed["values"]>, command: string): void {
  for (const key of ["email", "role", "password"] as const) {
    if (values[key] !== undefined && !allowed.includes(key)) throw new CliError(`${command} does not take --${key}`, 2);
  }
}

async function openDb(remote: boolean): Promise<SqlExecutor & { createAccount?: LocalD1Executor["createAccount"] }> {
  if (remote) return new WranglerD1Executor({ remote: true });
  return LocalD1Executor.open(resolveStateDir());
}

async function run(argv: string[]): Promise<void> {
  const loadGroup = argv[0] === undefined ? undefined : GROUPS[argv[0]];
  if (loadGroup && !argv.includes("--help") && !argv.includes("-h")) {
    const group = await loadGroup();
    const db = await openDb(argv.includes("--remote"));
    try {
      await group.run(argv.slice(1), db);
    } finally {
      await db.close();
    }
    return;
  }
  const { positionals, values } = parse(argv);
  const [group, command, ...rest] = positionals;
  if (values.help || group === undefined || group === "help") {
    process.stdout.write(await usage());
    return;
  }
  if (group !== "accounts") throw new CliError(`Unknown command "${group}"\n\n${await usage()}`, 2);
  if (!command) throw new CliError(`Missing accounts command\n\n${await usage()}`, 2);

  switch (command) {
    case "create": {
      expectArgs(rest, 1, "accounts create <username> --email <email> [--role owner|admin|moderator|user] [--remote]");
      refuseOptions(values, ["email", "role"], "accounts create");
      if (!values.email) throw new CliError("accounts create needs --email <email>", 2);
      const role = parseRole(values.role);
      const username = rest[0] as string;
      const { generatePassword } = await loadPasswordModule();
      const password = generatePassword();
      await precheck({ username, email: values.email, password });
      const db = await openDb(values.remote === true);
      try {
        const input = { username, email: values.email, password, role };
        const created = db.createAccount
          ? await db.createAccount(input).then(({ account }) => ({ id: account.id, username: account.username }))
          : await createAccountViaSql(db, input);
        // The account exists now: a failure here must not hide its password.
        const staffTold = await notifyStaffOfNewAccount(db, created.id).catch((err: unknown) => {
          console.error(`Warning: staff were not notified of ${created.username}: ${(err as Error).message}`);
          return 0;
        });
        console.log("OK");
        console.log(`Created ${created.username} (account id ${created.id}, role ${role}) in ${db.description}`);
        if (staffTold > 0) console.log(`${staffTold} staff member${staffTold === 1 ? "" : "s"} notified`);
        console.log(`New password: ${password}`);
      } finally {
        await db.close();
      }
      return;
    }
    case "set-password": {
      expectArgs(rest, 1, "accounts set-password <username> [--password <password>] [--remote]");
      refuseOptions(values, ["password"], "accounts set-password");
      if (values.password !== undefined) await precheck({ password: values.password });
      const db = await openDb(values.remote === true);
      try {
        const result = await setPassword(db, rest[0] as string, values.password);
        console.log("OK");
        console.log(
          `Password of ${result.username} changed; ${result.sessionsEnded} web session${result.sessionsEnded === 1 ? "" : "s"} ended`,
        );
        if (result.generated) console.log(`New password: ${result.password}`);
      } finally {
        await db.close();
      }
      return;
    }
    case "approve": {
      expectArgs(rest, 1, "accounts approve <username> [--remote]");
      refuseOptions(values, [], "accounts approve");
      const db = await openDb(values.remote === true);
      try {
        const result = await approveAccount(db, rest[0] as string);
        console.log("OK");
        console.log(
          result.alreadyApproved
            ? `${result.username} was already approved`
            : `${result.username} approved; ${result.staffTold} staff member${result.staffTold === 1 ? "" : "s"} notified`,
        );
      } finally {
        await db.close();
      }
      return;
    }
    case "set-role": {
      expectArgs(rest, 2, "accounts set-role <username> <owner|admin|moderator|user> [--remote]");
      refuseOptions(values, [], "accounts set-role");
      const role = parseRole(rest[1]);
      const db = await openDb(values.remote === true);
      try {
        const result = await setRole(db, rest[0] as string, role);
        console.log("OK");
        console.log(`${result.username}: ${result.previous} -> ${result.role}`);
      } finally {
        await db.close();
      }
      return;
    }
    case "list": {
      expectArgs(rest, 0, "accounts list [--remote]");
      refuseOptions(values, [], "accounts list");
      const db = await openDb(values.remote === true);
      try {
        const rows = await listAccounts(db);
        console.log(
          formatTable(
            ["ID", "USERNAME", "EMAIL", "ROLE", "APPROVED", "CREATED"],
            rows.map((r) => [
              String(r.id),
              r.username,
              r.email,
              r.role,
              r.approved ? "yes" : "no",
              new Date(r.created_at).toISOString(),
            ]),
          ),
        );
        console.log(`${rows.length} account${rows.length === 1 ? "" : "s"}`);
      } finally {
        await db.close();
      }
      return;
    }
    default:
      throw new CliError(`Unknown accounts command "${command}"\n\n${await usage()}`, 2);
  }
}

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof CliError) {
      console.error(err.message);
      process.exit(err.exitCode);
    }
    // Validation failures from src/ (ApiError 422) carry Mastodon's wording in the message.
    if (err instanceof Error && (err as { status?: unknown }).status === 422) {
      console.error(err.message);
      process.exit(1);
    }
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
