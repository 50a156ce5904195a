/**
 * Helpers for federation end-to-end tests: a signed-in user on a dev server (password grant, plain
 * fetch so the JSON is exactly what the server sent), and polling with a deadline for what arrives
 * through the other side's queues.
 */
import { expect } from "vitest";
import type { DevServer } from "./dev-server";
import { type CreatedUser, createAccount } from "./petrel-cli";

const SCOPES = "read write follow push";
const REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";

// biome-ignore lint/suspicious/noExplicitAny: Mastodon JSON read in tests; each use asserts its shape.
export type Json = any;

export interface Session {
  server: DevServer;
  username: string;
  token: string;
  /** The account as the own server shows it. */
  account: Json;
  /** `@username@LOCAL_DOMAIN`. */
  handle: string;
  /** For the account pages (sign-in with a browser). */
  password: string;
  get(path: string, expectStatus?: number): Promise<Json>;
  post(path: string, body?: Record<string, unknown>, expectStatus?: number): Promise<Json>;
  send(method: string, path: string, body?: Record<string, unknown>): Promise<Response>;
}

export async function signIn(server: DevServer, username: string): Promise<Session> {
  const user: CreatedUser = await createAccount(server.stateDir, username);
  const appRes = await fetch(`${server.baseUrl}/api/v1/apps`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "federation e2e", redirect_uris: REDIRECT_URI, scopes: SCOPES }),
  });
  const app = (await appRes.json()) as { client_id: string; client_secret: string };
  const tokenRes = await fetch(`${server.baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "password",
      client_id: app.client_id,
      client_secret: app.client_secret,
      redirect_uri: REDIRECT_URI,
      username: user.email,
      password: user.password,
      scope: SCOPES,
    }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const send = (method: string, path: string, body?: Record<string, unknown>) =>
    fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : null,
      signal: AbortSignal.timeout(15_000),
    });
  const check = async (res: Response, method: string, path: string, expectStatus: number) => {
    const text = await res.text();
    if (res.status !== expectStatus) {
      throw new Error(`${method} ${server.baseUrl}${path}: expected ${expectStatus}, got ${res.status}: ${text.slice(0, 500)}`);
    }
    return text ? JSON.parse(text) : null;
  };
  const session: Session = {
    server,
    username,
    token,
    account: null,
    handle: `@${username}@${server.domain}`,
    password: user.password,
    send,
    get: async (path, expectStatus = 200) => check(await send("GET", path), "GET", path, expectStatus),
    post: async (path, body, expectStatus = 200) => check(await send("POST", path, body ?? {}), "POST", path, expectStatus),
  };
  session.account = await session.get("/api/v1/accounts/verify_credentials");
  return session;
}

/**
 * Polls `probe` until it returns something other than undefined/false/null, or fails with the
 * last value (or error) after the deadline. Queues in local dev deliver within about a second; the
 * deadline is generous because a loaded 2-core runner stalls local D1 now and then.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not seen within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** `GET /api/v2/search?resolve=true` for exactly one account or status. */
export async function resolve(session: Session, q: string, kind: "accounts" | "statuses"): Promise<Json> {
  const found = await session.get(`/api/v2/search?resolve=true&type=${kind}&q=${encodeURIComponent(q)}`);
  expect(found[kind], `${q} on ${session.server.domain}`).toHaveLength(1);
  return found[kind][0];
}

/** The status on `session`'s server with this ActivityPub uri, seen in what `list` returns. */
export function byUri(list: Json[], uri: string): Json | undefined {
  return list.find((s: Json) => s.uri === uri);
}
