/** Shared helpers for the relationship and notification tests: direct D1 reads and writes, Link parsing. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

export type Json = Record<string, unknown>;

/** Runs one statement against the test D1. */
export async function exec(sql: string, ...args: unknown[]): Promise<void> {
  await env.DB.prepare(sql)
    .bind(...args)
    .run();
}

export async function rows<T = Record<string, unknown>>(sql: string, ...args: unknown[]): Promise<T[]> {
  const result = await env.DB.prepare(sql)
    .bind(...args)
    .all<T>();
  return result.results;
}

export async function count(sql: string, ...args: unknown[]): Promise<number> {
  const found = await rows<{ n: number }>(sql, ...args);
  return found[0]?.n ?? 0;
}

export async function lockedUser(): Promise<TestUser> {
  const user = await createTestUser();
  await exec("UPDATE accounts SET locked = 1 WHERE id = ?", user.account.id);
  return user;
}

/** Asserts a JSON error response with exactly `message`. */
export async function expectError(res: Response, status: number, message?: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { error: string };
  expectEntity("Error", body);
  if (message !== undefined) expect(body.error).toBe(message);
  return body.error;
}

/** Asserts a 200 Relationship response and returns it. */
export async function relationshipOf(res: Response): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  const body = JSON.parse(text) as Json;
  expectEntity("Relationship", body);
  return body;
}

export function post(path: string, token: string, json: unknown = {}): Promise<Response> {
  return api(path, { token, method: "POST", json });
}

export async function follow(who: TestUser, target: TestUser, json: unknown = {}): Promise<Json> {
  return relationshipOf(await post(`/api/v1/accounts/${target.account.id}/follow`, who.token, json));
}

export async function relationship(who: TestUser, target: TestUser | string): Promise<Json> {
  const id = typeof target === "string" ? target : String(target.account.id);
  const res = await api(`/api/v1/accounts/relationships?id[]=${id}`, { token: who.token });
  expect(res.status).toBe(200);
  const list = (await res.json()) as Json[];
  expectEntity("Relationship", list, { array: true });
  expect(list).toHaveLength(1);
  return list[0] as Json;
}

export async function accountCounts(user: TestUser): Promise<{ followers: number; following: number }> {
  const [row] = await rows<{ followers: number; following: number }>(
    "SELECT followers_count AS followers, following_count AS following FROM accounts WHERE id = ?",
    user.account.id,
  );
  return row ?? { followers: -1, following: -1 };
}

/** The `rel="next"` (or `prev`) link of a response as a path + query, or undefined. */
export function linkOf(res: Response, rel: "next" | "prev"): string | undefined {
  const header = res.headers.get("link");
  if (!header) return undefined;
  for (const part of header.split(",")) {
    const m = /<([^>]+)>;\s*rel="([^"]+)"/.exec(part.trim());
    if (m && m[2] === rel && m[1]) {
      const url = new URL(m[1]);
      return `${url.pathname}${url.search}`;
    }
  }
  return undefined;
}

/** Follows `next` links from `path` until there are none; returns every page's ids in order. */
export async function walkPages(path: string, token: string | undefined, key = (item: Json) => String(item.id)) {
  const seen: string[] = [];
  const pages: string[][] = [];
  let next: string | undefined = path;
  for (let i = 0; next && i < 50; i++) {
    const res = await api(next, token ? { token } : {});
    expect(res.status).toBe(200);
    const items = (await res.json()) as Json[];
    pages.push(items.map(key));
    seen.push(...items.map(key));
    next = linkOf(res, "next");
    if (items.length === 0) expect(res.headers.get("link")).toBeNull();
  }
  return { seen, pages };
}

let remoteCounter = 0;

/** A remote account row (no federation needed), for domain-block cases. */
export async function remoteAccount(domain: string, username = "remote"): Promise<number> {
  remoteCounter += 1;
  const id = Date.now() * 4096 + Math.floor(Math.random() * 4000) + remoteCounter;
  const name = `${username}${remoteCounter}${Math.floor(Math.random() * 1e6)}`;
  const now = Date.now();
  await exec(
    `INSERT INTO accounts (id, username, acct_key, domain, uri, url, display_name, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, '', ?, ?)`,
    id,
    name,
    `${name}@${domain}`.toLowerCase(),
    domain,
    `https://${domain}/users/${name}`,
    `https://${domain}/@${name}`,
    now,
    now,
  );
  return id;
}
