/** Helpers shared by the lists, filters and announcements tests: D1 reads, errors, Link headers. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { issueAccessToken } from "../../src/oauth/tokens";
import { api, config, createTestApp, db, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

export type Json = Record<string, unknown>;

export async function rows<T = Record<string, unknown>>(sql: string, ...args: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...args)
      .all<T>()
  ).results;
}

export async function count(sql: string, ...args: unknown[]): Promise<number> {
  const [row] = await rows<{ n: number }>(`SELECT count(*) AS n FROM (${sql})`, ...args);
  return row?.n ?? 0;
}

/** A request that must answer 200; returns the JSON body. */
export async function ok<T = Json>(path: string, token: string, method = "GET", json?: unknown): Promise<T> {
  const res = await api(path, { token, method, json });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  return JSON.parse(text) as T;
}

/** Asserts a JSON error with Mastodon's status and exact message. */
export async function expectError(res: Response, status: number, message: string): Promise<void> {
  const body = (await res.json()) as { error: string };
  expect({ status: res.status, error: body.error }).toEqual({ status, error: message });
  expect(res.headers.get("content-type")).toContain("application/json");
  expectEntity("Error", body);
}

export async function follow(who: TestUser, target: TestUser): Promise<void> {
  await ok(`/api/v1/accounts/${target.account.id}/follow`, who.token, "POST", {});
}

/** The `rel` link of a response as path + query, or undefined. */
export function linkOf(res: Response, rel: "next" | "prev"): string | undefined {
  for (const part of (res.headers.get("link") ?? "").split(",")) {
    const m = /<([^>]+)>;\s*rel="([^"]+)"/.exec(part.trim());
    if (m?.[1] && m[2] === rel) {
      const url = new URL(m[1]);
      return `${url.pathname}${url.search}`;
    }
  }
  return undefined;
}

/** Another token of the same user with only `scopes` (a second app, as a different client would get). */
export async function tokenFor(user: TestUser, scopes: string): Promise<string> {
  const app = await createTestApp();
  const issued = await issueAccessToken(db(), config(), {
    applicationId: app.id,
    userId: user.user.id,
    scopes: scopes.split(" "),
  });
  return issued.accessToken;
}
