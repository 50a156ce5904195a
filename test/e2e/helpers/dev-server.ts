/**
 * A real local instance for end-to-end tests: `scripts/dev.ts` (what `npm run dev` runs) on a free
 * loopback port with a fresh state directory, waited on until GET /health answers.
 *
 * The server runs in its own process group (dev.ts → wrangler → workerd), and `stop()` ends the whole
 * group. Groups still alive when the test process exits are killed too, so a failing or interrupted
 * test leaves no workerd behind.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { findFreePort } from "../../../scripts/lib/dev-settings";
import { REPO_ROOT } from "../../../scripts/lib/repo";

export interface DevServer {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  port: number;
  /** LOCAL_DOMAIN: `127.0.0.1:<port>` unless given. */
  domain: string;
  stateDir: string;
  /** The process group of the instance (dev.ts, wrangler and workerd). */
  pid: number;
  /** Milliseconds from spawn to the first healthy answer. */
  startupMs: number;
  /** Everything the server printed so far (also in `<stateDir>/dev.log`). */
  output(): string;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  /** Reuse a state directory (kept on stop); a fresh temporary one is made and removed otherwise. */
  stateDir?: string;
  /** LOCAL_DOMAIN for the port; default `127.0.0.1:<port>`. */
  domain?: (port: number) => string;
  /** More environment for `npm run dev` (REGISTRATIONS_MODE, INSTANCE_TITLE, ...). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Processes of a process group that are still running (zombies waiting to be reaped don't count). Linux /proc. */
export function liveGroupMembers(pgid: number): string[] {
  const members: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...: comm may contain spaces, so split after the last ')'.
    const close = stat.lastIndexOf(")");
    const [state, , pgrp] = stat.slice(close + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z" && state !== "X") members.push(`${entry} ${stat.slice(0, close + 1)}`);
  }
  return members;
}

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

process.once("exit", () => {
  for (const child of live) killGroup(child, "SIGKILL");
});

/** A fresh temporary directory for one instance's state. */
export function makeStateDir(prefix = "petrel-e2e-"): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** The environment for child processes: the test runner's own markers removed, so tools behave as from a shell. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("VITEST") || key === "NODE_ENV" || key === "TEST") continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = await findFreePort();
  const domain = options.domain?.(port) ?? `127.0.0.1:${port}`;
  const ownStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? makeStateDir();
  const baseUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();

  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts", "dev.ts")], {
    cwd: REPO_ROOT,
    env: childEnv({
      PORT: String(port),
      LOCAL_DOMAIN: domain,
      PETREL_STATE_DIR: stateDir,
      REGISTRATIONS_MODE: "open",
      FORCE_COLOR: "0",
      ...options.env,
    }),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);

  let output = "";
  const log = createWriteStream(path.join(stateDir, "dev.log"));
  const collect = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > 400_000) output = output.slice(-200_000);
    log.write(chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stopped = false;

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // SIGTERM to dev.ts alone, as Ctrl-C would: it passes it to wrangler, which stops workerd and reaps it.
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 10_000).unref());
    await Promise.race([exited, timer]);
    // Whatever is left of the group (a stuck wrangler, workerd) goes for certain. SIGKILL takes effect
    // when the kernel next runs each process, so stop() returns once none is left (up to 2 s): on a busy
    // machine esbuild's service was once still listed right after the signal.
    killGroup(child, "SIGKILL");
    if (child.pid !== undefined) {
      for (let i = 0; i < 40 && liveGroupMembers(child.pid).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    }
    live.delete(child);
    await new Promise<void>((resolve) => log.end(() => resolve()));
    if (ownStateDir && !process.env.PETREL_E2E_KEEP_STATE) rmSync(stateDir, { recursive: true, force: true });
  };

  const timeoutMs = options.timeoutMs ?? 150_000;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`npm run dev exited with ${exitCode} before it was ready`);
      if (Date.now() - started > timeoutMs) throw new Error(`npm run dev was not healthy after ${timeoutMs} ms`);
      try {
        const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
        if (res.ok) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (err) {
    const tail = output.split("\n").slice(-60).join("\n");
    await stop();
    throw new Error(`${(err as Error).message}\n--- last output (${stateDir}) ---\n${tail}`);
  }

  const startupMs = Date.now() - started;
  console.info(`npm run dev on ${baseUrl} (LOCAL_DOMAIN ${domain}) healthy after ${startupMs} ms`);
  return { baseUrl, port, domain, stateDir, pid: child.pid ?? 0, startupMs, output: () => output, stop };
}
