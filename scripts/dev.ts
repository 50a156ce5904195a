/**
 * `npm run dev`: one local Petrel instance on workerd with local D1, R2, Queues and Durable Objects.
 *
 * Environment: PORT (8787), LOCAL_DOMAIN (localhost:PORT), WEB_DOMAIN, PETREL_STATE_DIR (.petrel/dev),
 * and any instance setting (REGISTRATIONS_MODE, INSTANCE_TITLE, ...). Several instances run side by side
 * with different PORT, LOCAL_DOMAIN and PETREL_STATE_DIR.
 *
 * Steps: validate the configuration with the Worker's loadConfig → create the state directory and its
 * SECRET_KEY_BASE → apply D1 migrations to that state → `wrangler dev` with inherited stdio.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { isPortFree, pickInspectorPort, readDevSettings, validateDevConfig } from "./lib/dev-settings";
import { applyLocalMigrations, ensureStateDir, loadOrCreateSecretKeyBase } from "./lib/local-state";
import { REPO_ROOT, WRANGLER_BIN, wranglerEnv } from "./lib/repo";

function fail(message: string): never {
  console.error(`\npetrel dev: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const started = Date.now();
  let settings: ReturnType<typeof readDevSettings>;
  try {
    settings = readDevSettings();
  } catch (err) {
    fail((err as Error).message);
  }
  const { port, stateDir, vars } = settings;

  ensureStateDir(stateDir);
  const secretKeyBase = process.env.SECRET_KEY_BASE?.trim() || loadOrCreateSecretKeyBase(stateDir);

  let config: Awaited<ReturnType<typeof validateDevConfig>>;
  try {
    config = await validateDevConfig({ ...vars, SECRET_KEY_BASE: secretKeyBase });
  } catch (err) {
    fail((err as Error).message);
  }

  if (!(await isPortFree(port))) {
    fail(`PORT ${port} is already in use on 127.0.0.1 (another instance? choose another PORT)`);
  }

  const migrations = await applyLocalMigrations(stateDir).catch((err: unknown) => fail((err as Error).message));
  if (migrations.applied) process.stdout.write(migrations.output);

  const inspectorPort = await pickInspectorPort(port);
  const args = [
    WRANGLER_BIN,
    "dev",
    "--config",
    path.join(REPO_ROOT, "wrangler.toml"),
    "--port",
    String(port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    stateDir,
    // Cron triggers do not fire by themselves under `wrangler dev`; this exposes /__scheduled, which
    // the ticker below calls every minute so the local instance runs its cron as production does.
    "--test-scheduled",
  ];
  for (const [name, value] of Object.entries({ ...vars, SECRET_KEY_BASE: secretKeyBase })) args.push("--var", `${name}:${value}`);

  console.log(
    `petrel dev: ${config.baseUrl} (handles @user@${config.localDomain}), state in ${stateDir}, ` +
      `inspector on 127.0.0.1:${inspectorPort}, ready for wrangler after ${Date.now() - started} ms`,
  );

  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: wranglerEnv(stateDir),
    stdio: "inherit",
  });

  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => forward(signal));

  const tick = async (): Promise<void> => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
      await res.body?.cancel();
    } catch {
      // Not listening yet, or stopping: the next minute tries again.
    }
  };
  const ticker = setInterval(() => {
    void tick();
  }, 60_000);
  ticker.unref();

  child.on("error", (err) => fail(`could not start wrangler: ${err.message}`));
  child.on("exit", (code, signal) => {
    process.exit(code ?? (signal === "SIGINT" || signal === "SIGTERM" ? 0 : 1));
  });
}

main().catch((err: unknown) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
