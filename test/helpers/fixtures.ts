/**
 * Test fixtures written straight to the real D1 through the same services the app uses.
 * Names are made unique per call, so test files can share one database without colliding.
 */
import { env, SELF } from "cloudflare:test";
import { loadConfig } from "../../src/config";
import { sha256Hex } from "../../src/crypto/tokens";
import { createDb } from "../../src/db/client";
import type { Account, AccountRole, User } from "../../src/db/schema";
import { oauthApplications } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { issueAccessToken } from "../../src/oauth/tokens";
import { createLocalAccount } from "../../src/services/accounts";

export const BASE = "http://petrel.test";
export const config = () => loadConfig(env);
export const db = () => createDb(env.DB);

let counter = 0;
export function uniqueName(prefix = "user"): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${counter}`.replace(/[^a-z0-9_]/gi, "").slice(0, 30);
}

export interface TestUser {
  account: Account;
  user: User;
  password: string;
  token: string;
}

export async function createTestApp(options: { scopes?: string; redirectUris?: string } = {}) {
  const clientId = `client-${uniqueName("app")}`;
  const clientSecret = `secret-${uniqueName("s")}`;
  const id = newId();
  await db()
    .insert(oauthApplications)
    .values({
      id,
      name: "Test App",
      website: null,
      redirectUris: options.redirectUris ?? "urn:ietf:wg:oauth:2.0:oob",
      scopes: options.scopes ?? "read write follow push",
      clientId,
      clientSecretHash: await sha256Hex(clientSecret),
      createdAt: Date.now(),
    });
  return { id, clientId, clientSecret };
}

/** A confirmed, approved local user with a token for `scopes` (default "read write follow push"). */
export async function createTestUser(
  options: { username?: string; role?: AccountRole; scopes?: string; password?: string } = {},
): Promise<TestUser> {
  const username = options.username ?? uniqueName();
  const password = options.password ?? "correct horse battery";
  const { account, user } = await createLocalAccount(db(), {
    username,
    email: `${username}@example.com`,
    password,
    role: options.role ?? "user",
  });
  const app = await createTestApp();
  const issued = await issueAccessToken(db(), config(), {
    applicationId: app.id,
    userId: user.id,
    scopes: (options.scopes ?? "read write follow push").split(" "),
  });
  return { account, user, password, token: issued.accessToken };
}

/** `SELF.fetch` with a bearer token and a JSON body. */
export function api(
  path: string,
  options: {
    token?: string;
    method?: string;
    json?: unknown;
    form?: Record<string, string>;
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  }
  return SELF.fetch(`${BASE}${path}`, { method: options.method ?? (body ? "POST" : "GET"), headers, body });
}
