/** Shared setup for the statuses tests: posting through the API and reading D1 directly. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { newId } from "../../src/ids";
import { api, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

export interface StatusJson {
  id: string;
  uri: string;
  url: string;
  created_at: string;
  content: string;
  visibility: string;
  sensitive: boolean;
  spoiler_text: string;
  text?: string;
  language: string | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  reblogs_count: number;
  favourites_count: number;
  replies_count: number;
  edited_at: string | null;
  account: { id: string; username: string; statuses_count: number };
  mentions: Array<{ id: string; username: string; acct: string; url: string }>;
  tags: Array<{ name: string; url: string }>;
  reblog: StatusJson | null;
  poll: PollJson | null;
  application: { name: string } | null;
  favourited?: boolean;
  reblogged?: boolean;
  bookmarked?: boolean;
  muted?: boolean;
  pinned?: boolean;
  filtered?: unknown[];
}

export interface PollJson {
  id: string;
  expires_at: string | null;
  expired: boolean;
  multiple: boolean;
  votes_count: number;
  voters_count: number | null;
  options: Array<{ title: string; votes_count: number | null }>;
  voted?: boolean;
  own_votes?: number[];
}

export function postStatus(user: TestUser, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return api("/api/v1/statuses", { token: user.token, json: body, headers });
}

/** Posts and checks the answer is a valid Status. */
export async function post(user: TestUser, body: Record<string, unknown> | string): Promise<StatusJson> {
  const res = await postStatus(user, typeof body === "string" ? { status: body } : body);
  const json = (await res.json()) as StatusJson;
  expect(res.status, JSON.stringify(json)).toBe(200);
  expectEntity("Status", json);
  return json;
}

/** GET (or another method) that must succeed; returns the JSON. */
export async function ok<T = StatusJson>(path: string, user?: TestUser, method = "GET", json?: unknown): Promise<T> {
  const res = await api(path, { token: user?.token, method, json });
  const body = (await res.json()) as T;
  expect(res.status, `${method} ${path}: ${JSON.stringify(body)}`).toBe(200);
  return body;
}

/** Asserts an error response with Mastodon's status and message. */
export async function expectError(res: Response, status: number, message: string): Promise<void> {
  const body = (await res.json()) as { error: string };
  expect({ status: res.status, error: body.error }).toEqual({ status, error: message });
  expect(res.headers.get("content-type")).toContain("application/json");
}

export async function count(sql: string, ...args: unknown[]): Promise<number> {
  const row = await env.DB.prepare(`SELECT count(*) AS n FROM (${sql})`)
    .bind(...args)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export async function value<T = number>(sql: string, ...args: unknown[]): Promise<T | undefined> {
  const row = await env.DB.prepare(sql)
    .bind(...args)
    .first<Record<string, T>>();
  return row ? Object.values(row)[0] : undefined;
}

export async function follow(follower: TestUser, target: TestUser): Promise<void> {
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), follower.account.id, target.account.id, Date.now())
    .run();
}

export async function block(blocker: TestUser, target: TestUser): Promise<void> {
  await env.DB.prepare("INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), blocker.account.id, target.account.id, Date.now())
    .run();
}

export async function mute(muter: TestUser, target: TestUser): Promise<void> {
  await env.DB.prepare("INSERT INTO mutes (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), muter.account.id, target.account.id, Date.now())
    .run();
}

/** Rows about a status in every table a delete must clean. */
export async function dependents(statusId: string): Promise<Record<string, number>> {
  const id = Number(statusId);
  return {
    statuses: await count("SELECT 1 FROM statuses WHERE id = ? OR reblog_of_id = ?", id, id),
    mentions: await count("SELECT 1 FROM mentions WHERE status_id = ?", id),
    tags: await count("SELECT 1 FROM status_tags WHERE status_id = ?", id),
    favourites: await count("SELECT 1 FROM favourites WHERE status_id = ?", id),
    bookmarks: await count("SELECT 1 FROM bookmarks WHERE status_id = ?", id),
    pins: await count("SELECT 1 FROM status_pins WHERE status_id = ?", id),
    polls: await count("SELECT 1 FROM polls WHERE status_id = ?", id),
    votes: await count("SELECT 1 FROM poll_votes WHERE poll_id IN (SELECT id FROM polls WHERE status_id = ?)", id),
    edits: await count("SELECT 1 FROM status_edits WHERE status_id = ?", id),
    notifications: await count("SELECT 1 FROM notifications WHERE status_id = ?", id),
  };
}
