/**
 * Shared setup for the outbound federation tests: remote actors stored as a previous fetch would
 * have stored them, statuses written straight to D1 (remote mentions are not resolved by posting
 * yet), follows as rows, and spy DELIVERY/FANOUT queues handed to the app and the FANOUT consumer.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { createApp } from "../../src/app";
import type { Account, Visibility } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { handleFanout } from "../../src/queue/fanout";
import type { DeliveryMessage, FanoutMessage } from "../../src/queue/messages";
import { uniqueName } from "../helpers/fixtures";
import { LOCAL, type RemoteActor, remoteActor, run, SpyQueue, seedRemoteActor } from "./helpers";

export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
export const app = createApp();

export interface Remote {
  actor: RemoteActor;
  account: Account;
}

/** A remote actor on `host` (fresh host by default); `shared: false` models GoToSocial (no sharedInbox). */
export async function remote(
  host = `${uniqueName("peer")}.example`,
  options: { name?: string; shared?: boolean } = {},
): Promise<Remote> {
  const actor = await remoteActor(host, options.name ?? uniqueName("r"));
  if (options.shared === false) delete (actor.document as { endpoints?: unknown }).endpoints;
  const account = await seedRemoteActor(actor);
  return { actor, account };
}

export async function follow(followerId: number, targetId: number): Promise<void> {
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), followerId, targetId, Date.now())
    .run();
}

export interface StatusOptions {
  visibility?: Visibility;
  mentions?: number[];
  tags?: string[];
  text?: string;
  language?: string | null;
  spoiler?: string;
  sensitive?: boolean;
  inReplyTo?: { id: number; accountId: number };
  reblogOf?: number;
  local?: boolean;
  uri?: string;
}

export async function insertStatus(authorId: number, o: StatusOptions = {}): Promise<number> {
  const id = newId();
  const text = o.text ?? `status ${id}`;
  const statements = [
    env.DB.prepare(
      `INSERT INTO statuses (id, uri, account_id, local, visibility, language, in_reply_to_id, in_reply_to_account_id,
         reblog_of_id, text, content, spoiler_text, sensitive, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).bind(
      id,
      o.uri ?? null,
      authorId,
      o.local === false ? 0 : 1,
      o.visibility ?? "public",
      o.language === undefined ? "en" : o.language,
      o.inReplyTo?.id ?? null,
      o.inReplyTo?.accountId ?? null,
      o.reblogOf ?? null,
      o.reblogOf ? "" : text,
      o.reblogOf ? "" : `<p>${text}</p>`,
      o.spoiler ?? "",
      o.sensitive ? 1 : 0,
      Date.now(),
    ),
  ];
  for (const m of o.mentions ?? []) {
    statements.push(env.DB.prepare("INSERT INTO mentions (status_id, account_id) VALUES (?, ?)").bind(id, m));
  }
  for (const t of o.tags ?? []) {
    statements.push(
      env.DB.prepare(
        "INSERT INTO tags (id, name, display_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
      ).bind(newId(), t, t, Date.now()),
      env.DB.prepare("INSERT INTO status_tags (status_id, tag_id) SELECT ?, id FROM tags WHERE name = ?").bind(id, t),
    );
  }
  await env.DB.batch(statements);
  return id;
}

/** Spy queues for one test, and env overrides that route the app and the consumer through them. */
export function spies() {
  const delivery = new SpyQueue();
  const fanout = new SpyQueue();
  const overrides = { DELIVERY: delivery.asQueue(), FANOUT: fanout.asQueue() };
  return {
    delivery,
    fanout,
    overrides,
    /** The DELIVERY messages sent so far (and forget them). */
    take(): DeliveryMessage[] {
      const out = delivery.sent.splice(0) as DeliveryMessage[];
      for (const m of out) {
        expect(m.type).toBe("delivery");
        expect(m.v).toBe(1);
        expect(m.attempt).toBe(0);
        expect(m.inboxes.length).toBeGreaterThan(0);
        expect(m.inboxes.length).toBeLessThanOrEqual(100);
      }
      return out;
    },
    /** Runs a FANOUT message through the real handler with these spies. */
    async fanoutRun(message: FanoutMessage) {
      return handleFanout({ ...env, ...overrides }, message);
    },
    /** Runs the FANOUT messages the app enqueued (status.created/updated/deleted). */
    async drainFanout() {
      const pending = fanout.sent.splice(0) as FanoutMessage[];
      for (const m of pending) await handleFanout({ ...env, ...overrides }, m);
    },
    /** A request to the whole app as `token`, with these spies as its queues. */
    call(token: string, method: string, path: string, json?: unknown) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (json !== undefined) headers["content-type"] = "application/json";
      const request = new Request(`${LOCAL}${path}`, {
        method,
        headers,
        body: json === undefined ? undefined : JSON.stringify(json),
      });
      return run(app, request, overrides);
    },
  };
}

/** All inboxes of these messages, sorted, and the single activity they carry. */
export function single(messages: DeliveryMessage[]): {
  activity: Record<string, unknown>;
  inboxes: string[];
  actorId: number | null;
} {
  expect(messages.length).toBeGreaterThan(0);
  const first = messages[0] as DeliveryMessage;
  for (const m of messages) expect(m.activity).toEqual(first.activity);
  return { activity: first.activity, inboxes: messages.flatMap((m) => m.inboxes).sort(), actorId: first.actorId };
}

export function getJson(path: string, accept = "application/activity+json", overrides: Partial<Cloudflare.Env> = {}) {
  return run(app, new Request(`${LOCAL}${path}`, { headers: { accept } }), overrides);
}
