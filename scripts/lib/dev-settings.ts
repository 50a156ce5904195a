/**
 * The settings of a local instance, from the environment of `npm run dev`, and their validation with the
 * Worker's own `loadConfig` before anything starts.
 */
import { createServer } from "node:net";
import { loadConfigModule, type PetrelConfig } from "./petrel-src";
import { resolveStateDir } from "./repo";
import { readTomlVars } from "./wrangler-toml";

/** Instance settings that may be given in the environment and are passed to the Worker as vars. */
export const PASS_THROUGH_VARS = [
  "WEB_DOMAIN",
  "INSTANCE_TITLE",
  "INSTANCE_DESCRIPTION",
  "CONTACT_EMAIL",
  "INSTANCE_RULES",
  "REGISTRATIONS_MODE",
  "AUTHORIZED_FETCH",
  "REMOTE_MEDIA_RETENTION_DAYS",
  "TRENDS_INTERVAL_MINUTES",
] as const;

export interface DevSettings {
  port: number;
  localDomain: string;
  stateDir: string;
  /** Vars for `wrangler dev --var`, without SECRET_KEY_BASE (added once the state dir exists). */
  vars: Record<string, string>;
}

export class SettingError extends Error {
  constructor(setting: string, problem: string) {
    super(`Invalid configuration: ${setting} ${problem}`);
    this.name = "SettingError";
  }
}

export function parsePort(name: string, raw: string | undefined, fallback: number): number {
  const text = raw?.trim();
  if (!text) return fallback;
  const port = Number(text);
  if (!/^\d+$/.test(text) || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SettingError(name, `must be a port number between 1 and 65535, got "${raw}"`);
  }
  return port;
}

export function readDevSettings(env: NodeJS.ProcessEnv = process.env): DevSettings {
  const port = parsePort("PORT", env.PORT, 8787);
  const localDomain = env.LOCAL_DOMAIN?.trim() || `localhost:${port}`;
  const vars: Record<string, string> = { LOCAL_DOMAIN: localDomain, ENVIRONMENT: "development" };
  for (const name of PASS_THROUGH_VARS) {
    const value = env[name];
    if (value !== undefined && value !== "") vars[name] = value;
  }
  return { port, localDomain, stateDir: resolveStateDir(env), vars };
}

/**
 * Validates the merged configuration (wrangler.toml [vars] overridden by `vars`) with the Worker's
 * `loadConfig`, so a bad setting stops `npm run dev` with the Worker's own message naming it.
 */
export async function validateDevConfig(vars: Record<string, string>): Promise<PetrelConfig> {
  const { loadConfig } = await loadConfigModule();
  return loadConfig({ ...readTomlVars(), ...vars });
}

/** Resolves whether `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS reports free on 127.0.0.1 (there is a small window before someone binds it). */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

/** wrangler's devtools inspector port: PORT+10000 when free, any free port otherwise, so instances never collide. */
export async function pickInspectorPort(port: number): Promise<number> {
  const preferred = port + 10000;
  if (preferred <= 65535 && (await isPortFree(preferred))) return preferred;
  return findFreePort();
}
