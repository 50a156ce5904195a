/** Shared helpers for the notification policy, request and grouped-notification tests. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { createDb } from "../../src/db/client";
import type { NotificationType } from "../../src/db/schema";
import type { DomainEvents } from "../../src/events";
import { newId } from "../../src/ids";
import { notify } from "../../src/services/notifications";
import { api, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { exec, type Json } from "../relationships/helpers";

/** A status written straight to D1, optionally replying to another and mentioning accounts. */
export async function status(
  author: TestUser | number,
  options: { visibility?: string; inReplyTo?: number; mentions?: number[] } = {},
): Promise<number> {
  const id = newId();
  const accountId = typeof author === "number" ? author : author.account.id;
  await exec(
    "INSERT INTO statuses (id, account_id, local, visibility, text, content, in_reply_to_id, created_at) VALUES (?, ?, 1, ?, 'hi', '<p>hi</p>', ?, ?)",
    id,
    accountId,
    options.visibility ?? "public",
    options.inReplyTo ?? null,
    Date.now(),
  );
  for (const m of options.mentions ?? []) await exec("INSERT INTO mentions (status_id, account_id) VALUES (?, ?)", id, m);
  return id;
}

/** The notificationCreated events `notify` raises, recorded. */
export function recordingDb() {
  const created: number[] = [];
  const events: DomainEvents = {
    async notificationCreated(id) {
      created.push(id);
    },
    async filtersChanged() {},
    async conversationUpdated() {},
  };
  return { db: createDb(env.DB, events), created };
}

export async function note(
  to: TestUser,
  from: TestUser | number,
  type: NotificationType,
  statusId?: number | null,
  now?: number,
): Promise<number | undefined> {
  const fromAccountId = typeof from === "number" ? from : from.account.id;
  return notify(createDb(env.DB), { recipientId: to.account.id, fromAccountId, type, statusId: statusId ?? null, now });
}

export async function getJson(path: string, token: string, status = 200): Promise<Json> {
  const res = await api(path, { token });
  expect(res.status).toBe(status);
  return (await res.json()) as Json;
}

export async function v1Ids(user: TestUser, query = ""): Promise<string[]> {
  const res = await api(`/api/v1/notifications${query}`, { token: user.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json[];
  expectEntity("Notification", body, { array: true });
  return body.map((n) => String(n.id));
}

export async function grouped(user: TestUser, query = ""): Promise<{ body: Json; res: Response }> {
  const res = await api(`/api/v2/notifications${query}`, { token: user.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  expectEntity("GroupedNotificationsResults", body);
  return { body, res };
}

export const groupsOf = (body: Json) => body.notification_groups as Json[];
