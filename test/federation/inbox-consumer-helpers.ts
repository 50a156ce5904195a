/**
 * Driving the INBOX consumer in tests: activities (hand-made or rebased from ../shared/fixtures onto a
 * fresh peer host) go through `handleInboxBatch` as real MessageBatches, with the network, FANOUT,
 * INBOX and DELIVERY replaced by fakes; FANOUT messages can then be run through the real consumer.
 */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import type { Account } from "../../src/db/schema";
import { handleInboxBatch } from "../../src/federation/inbox-consumer";
import { newId } from "../../src/ids";
import type { InboxMessage } from "../../src/queue/messages";
import { fanout } from "../feeds/helpers";
import { uniqueName } from "../helpers/fixtures";
import { FakeNetwork, LOCAL, type RemoteActor, remoteActor, SpyQueue, seedRemoteActor } from "./helpers";

export type Json = Record<string, unknown>;

const modules = import.meta.glob("../../../shared/fixtures/**/*.json", { eager: true, import: "default" });

/** A fixture document by its path under ../shared/fixtures. */
export function fixture(path: string): Json {
  const found = Object.entries(modules).find(([p]) => p.endsWith(`/fixtures/${path}`));
  if (!found) throw new Error(`no fixture ${path}`);
  return structuredClone(found[1]) as Json;
}

/** The document with every occurrence of `from` (strings, as JSON text) replaced by `to`. */
export function rebase<T>(doc: T, replacements: Record<string, string>): T {
  let text = JSON.stringify(doc);
  for (const [from, to] of Object.entries(replacements)) text = text.split(from).join(to);
  return JSON.parse(text) as T;
}

/** The activity's actor id, as the inbox route reads it (an IRI or an embedded actor's id). */
export function actorIdOf(activity: Json): string {
  const actor = Array.isArray(activity.actor) ? activity.actor[0] : activity.actor;
  return typeof actor === "string" ? actor : String((actor as Json | undefined)?.id);
}

export class Harness {
  readonly net = new FakeNetwork();
  readonly fanout = new SpyQueue();
  readonly inbox = new SpyQueue();
  readonly delivery = new SpyQueue();

  deps() {
    return {
      fetcher: this.net.fetcher,
      fanout: this.fanout.asQueue(),
      inbox: this.inbox.asQueue(),
      delivery: this.delivery.asQueue(),
    };
  }

  /** Runs one activity through the consumer; returns whether it was acked or retried (and after how long). */
  async deliver(
    activity: Json,
    actorUri = actorIdOf(activity),
    options: { attempts?: number; actorGone?: boolean; rawBody?: unknown } = {},
  ): Promise<{ acked: boolean; retried: boolean; delaySeconds: number | undefined }> {
    const body: InboxMessage = { type: "inbox.activity", v: 1, activity, actorUri, receivedAt: Date.now() };
    if (options.actorGone) body.actorGone = true;
    // A hand-built batch, so what the consumer asked for (ack, or retry and its delay) is observable.
    const outcome: { acked: boolean; retried: boolean; delaySeconds: number | undefined } = {
      acked: false,
      retried: false,
      delaySeconds: undefined,
    };
    const message = {
      id: `inbox-${newId()}`,
      timestamp: new Date(),
      body: options.rawBody ?? body,
      attempts: options.attempts ?? 1,
      ack() {
        outcome.acked = true;
      },
      retry(retry?: QueueRetryOptions) {
        outcome.retried = true;
        outcome.delaySeconds = retry?.delaySeconds;
      },
    };
    const batch = {
      queue: "petrel-inbox",
      messages: [message],
      ackAll() {
        outcome.acked = true;
      },
      retryAll() {
        outcome.retried = true;
      },
    } as unknown as MessageBatch<unknown>;
    await handleInboxBatch(batch, env, this.deps());
    return outcome;
  }

  /** Delivers and expects the message acked. */
  async apply(activity: Json, actorUri?: string): Promise<void> {
    const result = await this.deliver(activity, actorUri);
    expect(result).toMatchObject({ acked: true, retried: false });
  }

  /** Runs what the consumer sent to FANOUT through the real FANOUT consumer, and forgets it. */
  async runFanout(): Promise<void> {
    const bodies = this.fanout.sent.splice(0);
    if (bodies.length === 0) return;
    const result = await fanout(bodies);
    expect(result.retried).toEqual([]);
  }

  /** DELIVERY messages' activities. */
  delivered(): Json[] {
    return this.delivery.sent.map((m) => (m as { activity: Json }).activity);
  }
}

export interface Peer {
  actor: RemoteActor;
  account: Account;
  host: string;
  origin: string;
}

/** A remote actor on a fresh host, stored as if the inbox had just verified its signature. */
export async function peer(name = "alice", host = `${uniqueName("peer")}.example`): Promise<Peer> {
  const actor = await remoteActor(host, name);
  const account = await seedRemoteActor(actor);
  return { actor, account, host, origin: `https://${host}` };
}

export function localActorUri(username: string): string {
  return `${LOCAL}/users/${username}`;
}

let counter = 0;
export function activityId(p: Peer, kind = "activity"): string {
  counter += 1;
  return `${p.actor.id}/${kind}/${Date.now()}-${counter}`;
}

export const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

/** A public Note by `p`, optionally mentioning local users, as Mastodon sends it. */
export function note(p: Peer, options: { content?: string; mention?: string[]; inReplyTo?: string; extra?: Json } = {}): Json {
  const id = `${p.actor.id}/statuses/${newId()}`;
  return {
    id,
    type: "Note",
    attributedTo: p.actor.id,
    content: options.content ?? "<p>hello from afar</p>",
    published: new Date().toISOString(),
    to: [PUBLIC],
    cc: [`${p.actor.id}/followers`, ...(options.mention ?? [])],
    inReplyTo: options.inReplyTo ?? null,
    tag: (options.mention ?? []).map((href) => ({ type: "Mention", href, name: `@${href.split("/").pop()}@petrel.test` })),
    ...options.extra,
  };
}

export function create(p: Peer, object: Json): Json {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${String(object.id)}/activity`,
    type: "Create",
    actor: p.actor.id,
    to: object.to,
    cc: object.cc,
    object,
  };
}

export async function rowCount(sql: string, ...args: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...args)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

export async function statusIdByUri(uri: string): Promise<number | undefined> {
  const row = await env.DB.prepare("SELECT id FROM statuses WHERE uri = ?").bind(uri).first<{ id: number }>();
  return row?.id;
}

/** A remote actor stored under exactly `actorId` (fixtures use paths like /u/name or /accounts/name). */
export async function peerAt(actorId: string): Promise<Peer> {
  const url = new URL(actorId);
  const base = await remoteActor(url.host, "x");
  const name = (url.pathname.split("/").filter(Boolean).pop() ?? "actor").replace(/[^A-Za-z0-9_]/g, "_") || "actor";
  const keyId = `${actorId}#main-key`;
  const actor: RemoteActor = {
    ...base,
    id: actorId,
    keyId,
    document: {
      ...base.document,
      id: actorId,
      preferredUsername: name,
      inbox: `${url.origin}/inbox/${name}`,
      outbox: `${url.origin}/outbox/${name}`,
      followers: `${url.origin}/followers/${name}`,
      following: `${url.origin}/following/${name}`,
      publicKey: { id: keyId, owner: actorId, publicKeyPem: base.publicKeyPem },
    },
  };
  const account = await seedRemoteActor(actor);
  return { actor, account, host: url.host, origin: url.origin };
}
