/**
 * The local state directory shared by `npm run dev` and `npm run petrel`: wrangler's persisted D1, R2,
 * Queues and Durable Objects (under `v3/`), the generated SECRET_KEY_BASE, and a private dev registry.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runWrangler } from "./repo";

export const SECRET_FILE = "secret_key_base";

export function ensureStateDir(stateDir: string): void {
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  if (!statSync(stateDir).isDirectory()) throw new Error(`PETREL_STATE_DIR ${stateDir} is not a directory`);
}

/** Where `wrangler dev --persist-to <stateDir>` keeps its miniflare state (and so where getPlatformProxy must look). */
export function miniflarePersistRoot(stateDir: string): string {
  return path.join(stateDir, "v3");
}

/**
 * The instance's SECRET_KEY_BASE: generated on first use and kept in `<stateDir>/secret_key_base`
 * (mode 600), so sessions and sealed secrets survive restarts of the same local instance.
 */
export function loadOrCreateSecretKeyBase(stateDir: string): string {
  const file = path.join(stateDir, SECRET_FILE);
  if (existsSync(file)) {
    const secret = readFileSync(file, "utf8").trim();
    if (secret.length >= 32) {
      chmodSync(file, 0o600);
      return secret;
    }
    throw new Error(`${file} holds a SECRET_KEY_BASE shorter than 32 characters; delete it to generate a new one`);
  }
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  return secret;
}

/**
 * Applies the D1 migrations to the local database in `stateDir`, exactly as `wrangler dev` will see it.
 * stdin is not a terminal and CI is set, so wrangler never asks for confirmation.
 */
export async function applyLocalMigrations(stateDir: string): Promise<{ applied: boolean; output: string }> {
  const result = await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
    stateDir,
    env: { CI: "true" },
  });
  if (result.code !== 0) {
    throw new Error(
      `Applying D1 migrations to ${stateDir} failed (wrangler exited with ${result.code}):\n${result.stdout}${result.stderr}`,
    );
  }
  return { applied: !result.stdout.includes("No migrations to apply"), output: result.stdout };
}
