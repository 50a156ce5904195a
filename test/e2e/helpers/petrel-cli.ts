/** Runs the operator CLI (`npm run petrel -- ...`, i.e. scripts/petrel.ts) against a state directory. */
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT } from "../../../scripts/lib/repo";
import { childEnv } from "./dev-server";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runPetrel(stateDir: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "scripts", "petrel.ts"), ...args], {
      cwd: REPO_ROOT,
      env: childEnv({ PETREL_STATE_DIR: stateDir, FORCE_COLOR: "0", ...env }),
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
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** The password from a CLI "New password: ..." line. */
export function parsePassword(stdout: string): string {
  const match = /^New password: (\S+)$/m.exec(stdout);
  if (!match?.[1]) throw new Error(`no "New password:" line in CLI output:\n${stdout}`);
  return match[1];
}

export interface CreatedUser {
  username: string;
  email: string;
  password: string;
}

/** `petrel accounts create` with that state directory (the server may be running); returns the printed password. */
export async function createAccount(
  stateDir: string,
  username: string,
  options: { email?: string; role?: "owner" | "admin" | "moderator" | "user" } = {},
): Promise<CreatedUser> {
  const email = options.email ?? `${username}@example.com`;
  const args = ["accounts", "create", username, "--email", email];
  if (options.role) args.push("--role", options.role);
  const result = await runPetrel(stateDir, args);
  if (result.code !== 0) {
    throw new Error(`petrel accounts create ${username} failed (${result.code}):\n${result.stdout}${result.stderr}`);
  }
  return { username, email, password: parsePassword(result.stdout) };
}
