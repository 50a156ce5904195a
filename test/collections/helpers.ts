/** Helpers for the collections tests: users who may be featured, D1 snapshots, error shapes. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

export type Json = Record<string, unknown>;

import { rows } from "../lists/helpers";

export { rows };

/** A user who opted into discovery, so others may feature them (Mastodon's `feature?`). */
export async function featureable(options: { scopes?: string } = {}): Promise<TestUser> {
  const user = await createTestUser(options);
  await env.DB.prepare("UPDATE accounts SET discoverable = 1 WHERE id = ?").bind(user.account.id).run();
  return user;
}

/** Everything stored for `owner`'s collections and their items, to assert a refused request changed nothing. */
export async function snapshot(owner: TestUser): Promise<string> {
  const cols = await rows("SELECT * FROM collections WHERE account_id = ? ORDER BY id", owner.account.id);
  const items = await rows(
    "SELECT i.* FROM collection_items i JOIN collections c ON c.id = i.collection_id WHERE c.account_id = ? ORDER BY i.id",
    owner.account.id,
  );
  return JSON.stringify({ cols, items });
}

/** A request that must answer 200; returns the JSON body. */
export async function ok<T = Json>(path: string, token: string | undefined, method = "GET", json?: unknown): Promise<T> {
  const res = await api(path, { token, method, json });
  const text = await res.text();
  expect(res.status, `${method} ${path}: ${text}`).toBe(200);
  return JSON.parse(text) as T;
}

/** Asserts Mastodon's flat `{"error": "..."}` with the exact status and message. */
export async function expectError(res: Response, status: number, message: string): Promise<void> {
  const body = (await res.json()) as { error: string };
  expect({ status: res.status, error: body.error }).toEqual({ status, error: message });
  expectEntity("Error", body);
}

/** Asserts the collections controller's nested 422 (`{"error": {"error", "details"}}`). */
export async function expectNested422(res: Response, message: string, field: string, code: string): Promise<void> {
  const body = (await res.json()) as { error: { error: string; details: Record<string, Array<{ error: string }>> } };
  expect(res.status).toBe(422);
  expect(body.error.error).toBe(message);
  expect(body.error.details[field]?.map((d) => d.error)).toContain(code);
  if (field === "name") expectEntity("CustomError422", body);
}

export async function createCollection(owner: TestUser, json: Json = {}): Promise<Json> {
  const body = await ok<{ collection: Json }>("/api/v1/collections", owner.token, "POST", { name: "Good people", ...json });
  expectEntity("Collection", body.collection);
  return body.collection;
}

export function ids(list: Json[]): string[] {
  return list.map((x) => String(x.id));
}
