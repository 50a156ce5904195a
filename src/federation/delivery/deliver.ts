/**
 * Delivering one DELIVERY message: up to 100 inboxes, one activity. The body is serialized once;
 * each distinct inbox gets one signed POST (two when the peer asks for the other signature style),
 * through a limiter shared by every message of the invocation so no more than DELIVERY_CONCURRENCY
 * requests are ever in flight. Per-server bookkeeping (failure days, availability, learned signature
 * style) is read once per message and written once per message.
 *
 * Returns the inboxes to try again; the caller re-enqueues or dead-letters them and only then acks.
 */
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import type { DeliveryMessage } from "../../queue/messages";
import { isSuspendedUrl } from "../../services/domain-policy";
import { PETREL_VERSION } from "../../version";
import { type Fetcher, unfetchableReason } from "../fetch";
import { accountSigningKey, instanceActorSigningKey, type SigningKey } from "../keys";
import {
  clearFailures,
  type DomainStates,
  loadDomainStates,
  recordFailures,
  rememberSignatureStyle,
  type Server,
  type SignatureStyle,
  serverOf,
} from "./domains";
import { type InboxOutcome, postToInbox } from "./post";

/** Runs at most `limit` tasks at once, in arrival order. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // The slot passes straight to the next waiter, so `active` only drops when nobody waits.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export interface DeliveryContext {
  db: Db;
  config: Config;
  fetch: Fetcher;
  now: () => number;
  timeoutMs: number;
  /** No request starts after this time (ctx.now() clock): the invocation must end within its wall limit. */
  deadline: number;
  limiter: Limiter;
  /** Signing keys of this invocation, by actor ("instance" for the instance actor). */
  keys: Map<string, Promise<SigningKey>>;
  /** Signature styles learned during this invocation, by origin. */
  styles: Map<string, SignatureStyle>;
}

export interface DeliveryStats {
  delivered: number;
  refused: number;
  gone: number;
  failed: number;
  skipped: number;
  deferred: number;
  requests: number;
}

export function newDeliveryStats(): DeliveryStats {
  return { delivered: 0, refused: 0, gone: 0, failed: 0, skipped: 0, deferred: 0, requests: 0 };
}

export interface Retry {
  inbox: string;
  retryAfter: number | null;
}

export interface MessageResult {
  /** Inboxes that failed transiently: the next round. */
  retries: Retry[];
  /** Inboxes not tried before the invocation's deadline: the same round again, at once. */
  deferred: string[];
}

function signingKey(ctx: DeliveryContext, actorId: number | null): Promise<SigningKey> {
  const name = actorId === null ? "instance" : String(actorId);
  let key = ctx.keys.get(name);
  if (!key) {
    key = actorId === null ? instanceActorSigningKey(ctx.db, ctx.config) : accountSigningKey(ctx.db, ctx.config, actorId);
    // A failed load is not kept: another message of the batch may try again.
    void key.catch(() => ctx.keys.delete(name));
    ctx.keys.set(name, key);
  }
  return key;
}

interface Target {
  inbox: string;
  server: Server;
}

/** Distinct, deliverable inboxes; the rest are dropped with a log line (retrying cannot help them). */
function targetsOf(ctx: DeliveryContext, inboxes: string[]): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const inbox of inboxes) {
    if (seen.has(inbox)) continue;
    seen.add(inbox);
    const refused = unfetchableReason(ctx.config, inbox);
    const server = refused ? null : serverOf(inbox);
    if (!server) {
      console.warn(`delivery: dropping ${inbox}: ${refused ?? "not a URL"}`);
      continue;
    }
    targets.push({ inbox, server });
  }
  return targets;
}

async function afterDelivery(
  ctx: DeliveryContext,
  states: DomainStates,
  outcomes: Array<{ target: Target; outcome: InboxOutcome }>,
): Promise<void> {
  const answered = new Map<string, Server>();
  const failed = new Map<string, Server>();
  for (const { target, outcome } of outcomes) {
    if (outcome.kind === "transient") failed.set(target.server.domain, target.server);
    else answered.set(target.server.domain, target.server);
  }
  // A server that answered any inbox is up, whatever its other inboxes did.
  for (const domain of answered.keys()) failed.delete(domain);
  const now = ctx.now();
  const toClear = [...answered.values()].filter(
    (s) => states.failing.has(s.domain) || states.origins.get(s.origin)?.unavailable === true,
  );
  await clearFailures(ctx.db, toClear, now);
  const marked = await recordFailures(ctx.db, [...failed.values()], now);
  for (const s of marked.filter((m) => !states.origins.get(m.origin)?.unavailable))
    console.warn(`delivery: ${s.domain} failed on too many days; deliveries to it stop until it answers`);
}

/** Delivers one message; returns the inboxes to try again. */
export async function deliverMessage(
  ctx: DeliveryContext,
  message: DeliveryMessage,
  stats: DeliveryStats,
): Promise<MessageResult> {
  const targets = targetsOf(ctx, message.inboxes);
  if (targets.length === 0) return { retries: [], deferred: [] };
  const servers = [...new Map(targets.map((t) => [t.server.origin, t.server])).values()];
  const [states, key] = await Promise.all([loadDomainStates(ctx.db, servers), signingKey(ctx, message.actorId)]);
  // Mastodon delivers follow requests even to unavailable servers (`bypass_availability`).
  const bypass = message.activity.type === "Follow";
  const body = new TextEncoder().encode(JSON.stringify(message.activity));
  const ua = `Petrel/${PETREL_VERSION} (+${ctx.config.baseUrl}/)`;
  const post = { fetch: ctx.fetch, now: ctx.now, timeoutMs: ctx.timeoutMs, userAgent: ua };

  // A server staff suspended gets nothing, not even a follow request (the block ended the follows
  // and refuses its activities, so nothing sent there could be answered).
  const blocked = new Set<string>();
  for (const s of servers) if (await isSuspendedUrl(ctx.db, s.origin)) blocked.add(s.origin);
  const skipped = new Map<string, number>();
  const sent = targets.filter((t) => {
    if (blocked.has(t.server.origin)) return false;
    if (bypass || !states.origins.get(t.server.origin)?.unavailable) return true;
    skipped.set(t.server.domain, (skipped.get(t.server.domain) ?? 0) + 1);
    return false;
  });
  for (const [domain, n] of skipped) console.log(`delivery: skipped ${n} inbox(es) on unavailable ${domain}`);
  for (const origin of blocked) console.log(`delivery: dropped the inbox(es) on ${origin}, a blocked server`);
  stats.skipped += targets.length - sent.length;

  const deferred: string[] = [];
  const tried = await Promise.all(
    sent.map(async (target) => {
      const origin = target.server.origin;
      const outcome = await ctx.limiter.run(async () => {
        if (ctx.now() >= ctx.deadline) return null;
        // Read when the slot is ours: an earlier inbox of the origin may have just learned the style.
        const style = ctx.styles.get(origin) ?? states.origins.get(origin)?.style ?? "cavage";
        const result = await postToInbox(post, key, target.inbox, body, style);
        if (result.style !== style && result.kind === "delivered" && ctx.styles.get(origin) !== result.style) {
          ctx.styles.set(origin, result.style);
          await rememberSignatureStyle(ctx.db, origin, result.style, ctx.now());
        }
        return result;
      });
      if (!outcome) deferred.push(target.inbox);
      else stats.requests += outcome.requests;
      return outcome ? { target, outcome } : null;
    }),
  );
  const outcomes = tried.filter((t) => t !== null);
  stats.deferred += deferred.length;

  const retries: Retry[] = [];
  for (const { target, outcome } of outcomes) {
    if (outcome.kind === "delivered") stats.delivered++;
    else if (outcome.kind === "gone") {
      stats.gone++;
      console.log(`delivery: ${target.inbox} is gone (410); dropped`);
    } else if (outcome.kind === "refused") {
      stats.refused++;
      console.warn(`delivery: ${target.inbox} refused with ${outcome.reason}; not retried`);
    } else {
      stats.failed++;
      retries.push({ inbox: target.inbox, retryAfter: outcome.retryAfter });
    }
  }
  await afterDelivery(ctx, states, outcomes);
  return { retries, deferred };
}
