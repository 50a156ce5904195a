/**
 * `npm run dev` itself: configuration checked before anything starts, several instances side by side
 * with their own domains and state, and nothing left running after stop.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../scripts/lib/repo";
import { childEnv, type DevServer, liveGroupMembers, makeStateDir, startDevServer } from "./helpers/dev-server";

function runDev(env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts", "dev.ts")], {
      cwd: REPO_ROOT,
      env: childEnv({ FORCE_COLOR: "0", ...env }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

describe("npm run dev refuses a bad configuration before starting, naming the setting", { timeout: 60_000 }, () => {
  const stateDir = makeStateDir("petrel-dev-bad-");
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

  it("REGISTRATIONS_MODE", async () => {
    const result = await runDev({ PETREL_STATE_DIR: stateDir, PORT: "18901", REGISTRATIONS_MODE: "sometimes" });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(
      'Invalid configuration: REGISTRATIONS_MODE must be open, approval or closed, got "sometimes"',
    );
    expect(result.output).not.toContain("Ready on");
  });

  it("PORT", async () => {
    const result = await runDev({ PETREL_STATE_DIR: stateDir, PORT: "eighty" });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('Invalid configuration: PORT must be a port number between 1 and 65535, got "eighty"');
  });

  it("LOCAL_DOMAIN", async () => {
    const result = await runDev({ PETREL_STATE_DIR: stateDir, PORT: "18902", LOCAL_DOMAIN: "not a domain" });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("Invalid configuration: LOCAL_DOMAIN is not a domain name");
  });
});

describe("two instances side by side", { timeout: 240_000 }, () => {
  const servers: DevServer[] = [];
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it("serve their own domain and state, keep a private SECRET_KEY_BASE, and stop completely", async () => {
    const [a, b] = await Promise.all([
      startDevServer({ domain: (port) => `a.localhost:${port}` }),
      startDevServer({
        domain: (port) => `b.localhost:${port}`,
        env: { INSTANCE_TITLE: "Second Petrel", REGISTRATIONS_MODE: "closed" },
      }),
    ]);
    if (!a || !b) throw new Error("servers did not start");
    servers.push(a, b);

    const [instanceA, instanceB] = await Promise.all(
      [a, b].map(async (s) => (await (await fetch(`${s.baseUrl}/api/v2/instance`)).json()) as Record<string, unknown>),
    );
    expect(instanceA?.domain).toBe(a.domain);
    expect(instanceA?.title).toBe("Petrel");
    expect(instanceB?.domain).toBe(b.domain);
    expect(instanceB?.title).toBe("Second Petrel");
    expect(instanceB?.registrations).toMatchObject({ enabled: false });

    for (const s of [a, b]) {
      const secretFile = path.join(s.stateDir, "secret_key_base");
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(secretFile, "utf8").trim().length).toBeGreaterThanOrEqual(32);
      expect(existsSync(path.join(s.stateDir, "v3", "d1"))).toBe(true);
    }
    expect(readFileSync(path.join(a.stateDir, "secret_key_base"), "utf8")).not.toBe(
      readFileSync(path.join(b.stateDir, "secret_key_base"), "utf8"),
    );

    const pgid = a.pid;
    await a.stop();
    expect(liveGroupMembers(pgid)).toEqual([]);
    await expect(fetch(`${a.baseUrl}/health`)).rejects.toThrow();
    expect((await fetch(`${b.baseUrl}/health`)).status).toBe(200);
  });
});
