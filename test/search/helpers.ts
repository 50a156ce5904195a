/** Shared pieces of the search tests. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { api, type TestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

export interface SearchJson {
  accounts: Array<{ id: string; acct: string; username: string }>;
  statuses: Array<{ id: string; content: string }>;
  hashtags: Array<{ id: string; name: string; url: string; history: unknown[]; following?: boolean }>;
}

/** A word no other test uses, so full-text hits are only this test's statuses. */
export function word(prefix = "w"): string {
  return uniqueName(prefix).toLowerCase();
}

export async function search(query: Record<string, string>, user?: TestUser, path = "/api/v2/search"): Promise<SearchJson> {
  const res = await api(`${path}?${new URLSearchParams(query).toString()}`, { token: user?.token });
  const body = (await res.json()) as SearchJson;
  expect(res.status, JSON.stringify(body)).toBe(200);
  if (path === "/api/v2/search") expectEntity("Search", body);
  return body;
}

export async function statusIds(q: string, user?: TestUser, extra: Record<string, string> = {}): Promise<string[]> {
  return (await search({ q, type: "statuses", ...extra }, user)).statuses.map((s) => s.id);
}

export async function setIndexable(accountId: number, indexable = true): Promise<void> {
  await env.DB.prepare("UPDATE accounts SET indexable = ? WHERE id = ?")
    .bind(indexable ? 1 : 0, accountId)
    .run();
}
