/**
 * The operator CLI against a local instance's D1: a real D1 binding in Node (Miniflare, the simulator
 * `wrangler dev` runs) over the same persisted state `wrangler dev --persist-to <stateDir>` uses
 * (`<stateDir>/v3/d1`, keyed by the database id from wrangler.toml), so the CLI runs the Worker's own
 * services (createLocalAccount) on it. This is what `wrangler d1 execute --local` does too. It is safe
 * while the instance is running: D1's SQLite file is in WAL mode, shared between processes.
 *
 * Miniflare directly rather than wrangler's getPlatformProxy: importing wrangler costs seconds more per
 * command, and getPlatformProxy warns about the Durable Object bindings it cannot serve.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { applyLocalMigrations, ensureStateDir, miniflarePersistRoot } from "./local-state";
import { type AccountRole, type CreatedAccount, loadAccountsModule, loadDbClientModule } from "./petrel-src";
import { REPO_ROOT, wranglerEnv } from "./repo";
import type { SqlExecutor, SqlStatement, SqlValue } from "./sql";
import { readLocalD1DatabaseId } from "./wrangler-toml";

/** The part of the D1Database binding the CLI uses (the full type lives in @cloudflare/workers-types). */
interface D1PreparedStatementLike {
  bind(...values: unknown[]): D1PreparedStatementLike;
  all<T>(): Promise<{ results: T[] }>;
}
interface D1DatabaseLike {
  prepare(sql: string): D1PreparedStatementLike;
  batch(statements: D1PreparedStatementLike[]): Promise<unknown[]>;
}

const MIGRATIONS_DIR = path.join(REPO_ROOT, "migrations");

/** True when a file in migrations/ is not recorded in wrangler's d1_migrations table (or it does not exist yet). */
async function hasPendingMigrations(d1: D1DatabaseLike): Promise<boolean> {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith(".sql"));
  let applied: Set<string>;
  try {
    const { results } = await d1.prepare("SELECT name FROM d1_migrations").bind().all<{ name: string }>();
    applied = new Set(results.map((r) => r.name));
  } catch {
    return true;
  }
  return files.some((f) => !applied.has(f));
}

export class LocalD1Executor implements SqlExecutor {
  readonly description: string;

  private constructor(
    readonly stateDir: string,
    private readonly d1: D1DatabaseLike,
    private readonly dispose: () => Promise<void>,
  ) {
    this.description = `the local D1 database in ${stateDir}`;
  }

  /**
   * Opens the local database, applying pending migrations first with wrangler (as `npm run dev` does).
   * Miniflare is closed while wrangler migrates, so that only one process writes a new database.
   */
  static async open(stateDir: string): Promise<LocalD1Executor> {
    ensureStateDir(stateDir);
    Object.assign(process.env, wranglerEnv(stateDir));
    const { Miniflare } = await import("miniflare");
    const start = () =>
      new Miniflare({
        modules: true,
        script: "",
        d1Persist: path.join(miniflarePersistRoot(stateDir), "d1"),
        d1Databases: { DB: readLocalD1DatabaseId("DB") },
      });
    const connect = async (mf: InstanceType<typeof Miniflare>) => {
      try {
        return (await mf.getD1Database("DB")) as unknown as D1DatabaseLike;
      } catch (err) {
        await mf.dispose();
        throw err;
      }
    };
    let mf = start();
    let d1 = await connect(mf);
    if (await hasPendingMigrations(d1)) {
      await mf.dispose();
      await applyLocalMigrations(stateDir);
      mf = start();
      d1 = await connect(mf);
    }
    const opened = mf;
    return new LocalD1Executor(stateDir, d1, () => opened.dispose());
  }

  async all<T = Record<string, unknown>>(sql: string, params: SqlValue[] = []): Promise<T[]> {
    const { results } = await this.d1
      .prepare(sql)
      .bind(...params)
      .all<T>();
    return results;
  }

  async batch(statements: SqlStatement[]): Promise<void> {
    if (statements.length === 0) return;
    await this.d1.batch(statements.map((s) => this.d1.prepare(s.sql).bind(...(s.params ?? []))));
  }

  /** Creates the account with the Worker's own createLocalAccount: confirmed, approved, terms agreed (as tootctl does). */
  async createAccount(input: { username: string; email: string; password: string; role: AccountRole }): Promise<CreatedAccount> {
    const [{ createLocalAccount }, { createDb }] = await Promise.all([loadAccountsModule(), loadDbClientModule()]);
    return createLocalAccount(createDb(this.d1), { ...input, approved: true, confirmed: true, agreement: true });
  }

  async close(): Promise<void> {
    await this.dispose();
  }
}
