/** Paths and process helpers shared by the Node scripts (`npm run dev`, `npm run petrel`) and the e2e harness. */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WRANGLER_CONFIG = path.join(REPO_ROOT, "wrangler.toml");
export const DEFAULT_STATE_DIR = path.join(REPO_ROOT, ".petrel", "dev");

const require = createRequire(import.meta.url);

/** wrangler's own entry script, run with this Node binary so no shell or npx is involved. */
export const WRANGLER_BIN = require.resolve("wrangler/bin/wrangler.js");

/**
 * Where local D1/R2/Queues/Durable Object state lives: PETREL_STATE_DIR, or `.petrel/dev` in the repo.
 * A relative PETREL_STATE_DIR is taken relative to the directory `npm run` was started from.
 */
export function resolveStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const raw = env.PETREL_STATE_DIR?.trim();
  if (!raw) return DEFAULT_STATE_DIR;
  return path.resolve(env.INIT_CWD ?? process.cwd(), raw);
}

/**
 * The environment for wrangler: no telemetry, no fetch of the `Request.cf` sample from the network
 * (Petrel does not use `request.cf`, and it keeps start-up offline and deterministic), and a dev
 * registry of its own per state directory, so several local instances (all named "petrel" in
 * wrangler.toml) never see each other's entries.
 */
export function wranglerEnv(stateDir: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    ...(stateDir ? { WRANGLER_REGISTRY_PATH: path.join(stateDir, "registry") } : {}),
    ...extra,
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs wrangler to completion without a terminal on stdin (so it never prompts) and captures its output. */
export function runWrangler(
  args: string[],
  options: { stateDir?: string; env?: Record<string, string> } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRANGLER_BIN, ...args], {
      cwd: REPO_ROOT,
      env: wranglerEnv(options.stateDir, { WRANGLER_HIDE_BANNER: "true", ...options.env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}
