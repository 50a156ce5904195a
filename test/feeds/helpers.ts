/**
 * Shared setup for the feed and timeline tests: statuses written straight to D1 (so these tests do
 * not depend on the posting API), the real FANOUT consumer driven with a MessageBatch, follows and
 * blocks through the real relationship API, and timeline reads through the Worker.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { expect } from "vitest";
import type { Visibility } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { handleQueueBatch } from "../../src/queue/consumer";
import type { FanoutMessage } from "../../src/queue/messages";
import { accountHub } from "../../src/services/feeds";
import { api, createTestUser, type TestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

export interface PostOptions {
  visibility?: Visibility;
  inReplyTo?: { id: number; accountId: number };
  reblogOf?: number;
  language?: string | null;
  mediaCount?: number;
  local?: boolean;
  mentions?: number[];
  tags?: string[];
  text?: string;
  /** Skip the fanout (for read-path tests that fill feeds another way). */
  fanout?: boolean;
}

const tagIds = new Map<string, number>();

async function tagId(name: string): Promise<number> {
  const known = tagIds.get(name);
  if (known) return known;
  const id = newId();
  await env.DB.prepare("INSERT INTO tags (id, name, display_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING")
    .bind(id, name, name, Date.now())
    .run();
  const row = await env.DB.prepare("SELECT id FROM tags WHERE name = ?").bind(name).first<{ id: number }>();
  if (!row) throw new Error(`tag ${name} missing`);
  tagIds.set(name, row.id);
  return row.id;
}

/** A status written straight to D1 (with mentions and tags), then fanned out by the real consumer. */
export async function post(authorId: number, options: PostOptions = {}): Promise<number> {
  const id = newId();
  const statements = [
    env.DB.prepare(
      `INSERT INTO statuses (id, account_id, local, visibility, language, in_reply_to_id, in_reply_to_account_id,
         reblog_of_id, media_count, text, content, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      id,
      authorId,
      options.local === false ? 0 : 1,
      options.visibility ?? "public",
      options.language === undefined ? "en" : options.language,
      options.inReplyTo?.id ?? null,
      options.inReplyTo?.accountId ?? null,
      options.reblogOf ?? null,
      options.mediaCount ?? 0,
      options.text ?? `status ${id}`,
      `<p>${options.text ?? `status ${id}`}</p>`,
      Date.now(),
    ),
  ];
  for (const m of options.mentions ?? []) {
    statements.push(env.DB.prepare("INSERT INTO mentions (status_id, account_id) VALUES (?, ?)").bind(id, m));
  }
  for (const t of options.tags ?? []) {
    statements.push(env.DB.prepare("INSERT INTO status_tags (status_id, tag_id) VALUES (?, ?)").bind(id, await tagId(t)));
  }
  await env.DB.batch(statements);
  if (options.fanout !== false) await expectFanout({ type: "status.created", v: 1, statusId: id });
  return id;
}

/** Runs FANOUT messages through the real queue consumer; returns the acked and retried message ids. */
export async function fanout(bodies: unknown[]): Promise<{ acked: string[]; retried: string[] }> {
  const messages = bodies.map((body, i) => ({ id: `m${i}-${newId()}`, timestamp: new Date(), attempts: 1, body }));
  const batch = createMessageBatch("petrel-fanout", messages);
  const ctx = createExecutionContext();
  await handleQueueBatch(batch, env);
  const result: { explicitAcks: string[]; retryMessages: Array<{ msgId: string }> } = await getQueueResult(batch, ctx);
  return { acked: result.explicitAcks, retried: result.retryMessages.map((r) => r.msgId) };
}

/** Fans one message out and expects it acked. */
export async function expectFanout(message: FanoutMessage): Promise<void> {
  const result = await fanout([message]);
  expect(result.retried).toEqual([]);
  expect(result.acked.length).toBe(1);
}

export async function deleteStatus(id: number): Promise<void> {
  const row = await env.DB.prepare("SELECT account_id, reblog_of_id FROM statuses WHERE id = ?")
    .bind(id)
    .first<{ account_id: number; reblog_of_id: number | null }>();
  if (!row) throw new Error(`status ${id} missing`);
  await env.DB.batch([
    env.DB.prepare("DELETE FROM statuses WHERE id = ?").bind(id),
    env.DB.prepare("DELETE FROM mentions WHERE status_id = ?").bind(id),
  ]);
  await expectFanout({ type: "status.deleted", v: 1, statusId: id, accountId: row.account_id, reblogOfId: row.reblog_of_id });
}

/** POST /api/v1/accounts/:id/<action> as `user`; expects 200. */
export async function relate(user: TestUser, targetId: number, action: string, form?: Record<string, string>): Promise<void> {
  const res = await api(`/api/v1/accounts/${targetId}/${action}`, { token: user.token, method: "POST", json: form ?? {} });
  expect(res.status, `${action}: ${await res.clone().text()}`).toBe(200);
}

export async function users(n: number): Promise<TestUser[]> {
  const out: TestUser[] = [];
  for (let i = 0; i < n; i++) out.push(await createTestUser());
  return out;
}

/** A remote account row (domain set), for public/remote and domain-block cases. */
export async function remoteAccount(domain = `${uniqueName("d")}.example`): Promise<{ id: number; domain: string }> {
  const id = newId();
  const username = uniqueName("r");
  await env.DB.prepare(
    "INSERT INTO accounts (id, username, acct_key, domain, uri, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(
      id,
      username,
      `${username}@${domain}`.toLowerCase(),
      domain,
      `https://${domain}/users/${username}`,
      Date.now(),
      Date.now(),
    )
    .run();
  return { id, domain };
}

export interface TimelineRead {
  res: Response;
  ids: number[];
  /** Ids of the statuses boosted, where an entry is a boost. */
  reblogs: Array<number | null>;
  link: string | null;
}

/** GET a timeline; checks the Status entities and returns their ids. */
export async function timeline(path: string, token?: string): Promise<TimelineRead> {
  const res = await api(path, token ? { token } : {});
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as Array<{ id: string; reblog: { id: string } | null }>;
  expectEntity("Status", body, { array: true });
  return {
    res,
    ids: body.map((s) => Number(s.id)),
    reblogs: body.map((s) => (s.reblog ? Number(s.reblog.id) : null)),
    link: res.headers.get("link"),
  };
}

export function home(user: TestUser, query = ""): Promise<TimelineRead> {
  return timeline(`/api/v1/timelines/home${query ? `?${query}` : ""}`, user.token);
}

export async function createList(
  owner: TestUser,
  members: number[],
  options: { repliesPolicy?: string; exclusive?: boolean } = {},
) {
  const id = newId();
  await env.DB.prepare(
    "INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES (?, ?, ?, ?, ?, ?)",
  )
    .bind(id, owner.account.id, "list", options.repliesPolicy ?? "list", options.exclusive ? 1 : 0, Date.now())
    .run();
  for (const m of members) {
    await env.DB.prepare("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)").bind(id, m).run();
  }
  return id;
}

/** The ids in an account's feed (home by default), newest first, read straight from its AccountHub. */
export async function feedIds(accountId: number, feed = 0, limit = 100): Promise<number[]> {
  const entries = await accountHub(env, accountId).pageFeed(feed, { limit });
  return entries.map((e) => e.statusId);
}
