/**
 * The operator CLI against the deployed D1 (`--remote`): statements run through
 * `wrangler d1 execute DB --remote --json --command <sql>`, with values inlined as escaped SQL literals
 * (wrangler's --command takes no bound parameters). Several statements in one command run as one D1
 * batch, so they apply together or not at all.
 *
 * The same executor also runs against a local state directory (`--local --persist-to`), which is how
 * the e2e tests check this SQL against the real migrations without a Cloudflare account.
 */

import { CliError } from "./cli-error";
import type { AccountRole, FieldError } from "./petrel-src";
import { loadAccountsModule, loadErrorsModule, loadIdsModule, loadPasswordModule } from "./petrel-src";
import { runWrangler } from "./repo";
import { inlineParams, type SqlExecutor, type SqlStatement, type SqlValue } from "./sql";

interface WranglerResult {
  results?: Record<string, unknown>[];
  success?: boolean;
}

export type WranglerD1Target = { remote: true } | { persistTo: string };

export class WranglerD1Executor implements SqlExecutor {
  readonly description: string;

  constructor(private readonly target: WranglerD1Target) {
    this.description =
      "remote" in target ? "the remote D1 database (binding DB)" : `the local D1 database in ${target.persistTo}`;
  }

  async all<T = Record<string, unknown>>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const results = await this.execute(inlineParams(sql, params));
    return (results.at(-1)?.results ?? []) as T[];
  }

  async batch(statements: SqlStatement[]): Promise<void> {
    if (statements.length === 0) return;
    await this.execute(statements.map((s) => inlineParams(s.sql, s.params)).join(";\n"));
  }

  async close(): Promise<void> {}

  private async execute(command: string): Promise<WranglerResult[]> {
    const where = "remote" in this.target ? ["--remote"] : ["--local", "--persist-to", this.target.persistTo];
    const stateDir = "remote" in this.target ? undefined : this.target.persistTo;
    const result = await runWrangler(["d1", "execute", "DB", ...where, "--json", "--command", command], { stateDir });
    let parsed: unknown;
    try {
      parsed = JSON.parse(result.stdout);
    } catch {
      throw new CliError(`wrangler d1 execute failed (exit ${result.code}):\n${result.stdout}${result.stderr}`.trim());
    }
    if (!Array.isArray(parsed)) {
      const text = (parsed as { error?: { text?: string } })?.error?.text ?? result.stdout.trim();
      const hint = /CLOUDFLARE_API_TOKEN|not logged in|login/i.test(text)
        ? "\n\nLog in once with `npx wrangler login`, or set CLOUDFLARE_API_TOKEN (and CLOUDFLARE_ACCOUNT_ID if the token sees several accounts)."
        : "";
      throw new CliError(`wrangler d1 execute on ${this.description} failed: ${text}${hint}`);
    }
    if (result.code !== 0) throw new CliError(`wrangler d1 execute failed (exit ${result.code}):\n${result.stderr}`.trim());
    return parsed as WranglerResult[];
  }
}

export interface CreateAccountInput {
  username: string;
  email: string;
  password: string;
  role: AccountRole;
}

/**
 * Creates a confirmed, approved local account with hand-written SQL, for D1 databases the CLI cannot
 * bind to directly. Validation, wording, ids and hashing come from src/ (usernameErrors, emailErrors,
 * passwordErrors, validationFailed, newId, hashPassword); the rows match what `createLocalAccount`
 * writes, which test/e2e/cli.test.ts checks column by column.
 */
export async function createAccountViaSql(db: SqlExecutor, input: CreateAccountInput): Promise<{ id: number; username: string }> {
  const [{ usernameErrors, emailErrors, passwordErrors }, { validationFailed }, { newId }, { hashPassword }] = await Promise.all([
    loadAccountsModule(),
    loadErrorsModule(),
    loadIdsModule(),
    loadPasswordModule(),
  ]);
  const username = input.username.trim();
  const email = input.email.trim().toLowerCase();
  const errors: FieldError[] = [...usernameErrors(username), ...emailErrors(email), ...passwordErrors(input.password)];
  if (errors.length === 0) {
    const taken = await db.all<{ kind: string }>(
      "SELECT 'username' AS kind FROM accounts WHERE acct_key = ? UNION ALL SELECT 'email' AS kind FROM users WHERE email = ?",
      [username.toLowerCase(), email],
    );
    if (taken.some((t) => t.kind === "username"))
      errors.push({ field: "username", message: "has already been taken", code: "ERR_TAKEN" });
    if (taken.some((t) => t.kind === "email"))
      errors.push({ field: "email", message: "has already been taken", code: "ERR_TAKEN" });
  }
  if (errors.length > 0) throw validationFailed(errors);

  const now = Date.now();
  const accountId = newId(now);
  const userId = newId(now);
  const passwordHash = await hashPassword(input.password);
  try {
    await db.batch([
      {
        sql: "INSERT INTO accounts (id, username, acct_key, domain, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)",
        params: [accountId, username, username.toLowerCase(), now, now],
      },
      {
        sql:
          "INSERT INTO users (id, account_id, email, password_hash, role, approved, confirmed_at, locale, agreed_at, created_at, updated_at) " +
          "VALUES (?, ?, ?, ?, ?, 1, ?, 'en', ?, ?, ?)",
        params: [userId, accountId, email, passwordHash, input.role, now, now, now, now],
      },
    ]);
  } catch (err) {
    if (String(err).includes("UNIQUE")) {
      throw validationFailed([{ field: "username", message: "has already been taken", code: "ERR_TAKEN" }]);
    }
    throw err;
  }
  return { id: accountId, username };
}
