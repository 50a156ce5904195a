/**
 * The DELIVERY consumer (DESIGN §2 "Deliver", INTEROP §1.12). Each message is one activity for up
 * to 100 inboxes (src/federation/delivery/deliver.ts sends them). Retries are per inbox, not per
 * message: the inboxes that failed transiently go back on the queue as a new message with
 * `attempt + 1` and the backoff of src/federation/delivery/policy.ts (a peer's `Retry-After` when
 * longer); after round MAX_DELIVERY_ATTEMPT they are written to `dead_letters`. No request starts
 * after DELIVERY_BUDGET_MS, so a batch of unresponsive servers (1,000 inboxes × 10 s / 6 would be
 * 28 min) still ends inside the 15-minute consumer limit: inboxes not reached go back unchanged.
 *
 * No lost deliveries: a message is acked only after its failed inboxes were re-enqueued (or
 * dead-lettered). If anything throws (D1, the key, the re-enqueue) or the invocation dies before the
 * ack, the whole message comes back from Queues and every inbox is tried again; those that had
 * already taken it get a duplicate, which receivers drop by activity id (Mastodon, GoToSocial and
 * Petrel's own inbox all dedupe on it). At-least-once, never at-most-once.
 */
import { loadConfig } from "../config";
import { createDb } from "../db/client";
import type { Bindings } from "../env";
import {
  type DeliveryContext,
  type DeliveryStats,
  deliverMessage,
  Limiter,
  type MessageResult,
  newDeliveryStats,
} from "../federation/delivery/deliver";
import {
  backoffSeconds,
  DELIVERY_BUDGET_MS,
  DELIVERY_CONCURRENCY,
  DELIVERY_TIMEOUT_MS,
  MAX_DELIVERY_ATTEMPT,
  retryDelaySeconds,
} from "../federation/delivery/policy";
import type { Fetcher } from "../federation/fetch";
import { newId } from "../ids";
import { DELIVERY_INBOXES_PER_MESSAGE, type DeliveryMessage, QUEUE_NAMES } from "./messages";

/** What the consumer takes from the outside world; tests and the benchmark substitute them. */
export interface DeliveryDeps {
  fetch: Fetcher;
  now: () => number;
  random: () => number;
  timeoutMs: number;
  concurrency: number;
  /** How long after the invocation starts new requests may begin. */
  budgetMs: number;
}

function defaultDeps(): DeliveryDeps {
  return {
    // Bound so the platform fetch is never called with a foreign `this`.
    fetch: (input, init) => fetch(input, init),
    now: () => Date.now(),
    random: Math.random,
    timeoutMs: DELIVERY_TIMEOUT_MS,
    concurrency: DELIVERY_CONCURRENCY,
    budgetMs: DELIVERY_BUDGET_MS,
  };
}

/** Sendable bytes per `sendBatch` call: Queues allows 256 KB; keep room for metadata. */
const SEND_BATCH_BYTES = 200_000;

export function isDeliveryMessage(body: unknown): body is DeliveryMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Record<string, unknown>;
  return (
    m.type === "delivery" &&
    m.v === 1 &&
    (m.actorId === null || (typeof m.actorId === "number" && Number.isSafeInteger(m.actorId))) &&
    typeof m.activity === "object" &&
    m.activity !== null &&
    !Array.isArray(m.activity) &&
    Array.isArray(m.inboxes) &&
    m.inboxes.length <= DELIVERY_INBOXES_PER_MESSAGE &&
    m.inboxes.every((i) => typeof i === "string") &&
    typeof m.attempt === "number" &&
    Number.isInteger(m.attempt) &&
    m.attempt >= 0
  );
}

async function recordDeadLetter(env: Bindings, body: unknown, attempts: number, now: number): Promise<void> {
  await env.DB.prepare("INSERT INTO dead_letters (id, queue, body, attempts, created_at) VALUES (?, ?, ?, ?, ?)")
    .bind(newId(), QUEUE_NAMES.delivery, JSON.stringify(body), attempts, now)
    .run();
}

/**
 * The messages that carry on: inboxes not reached before the deadline, same round, at once; inboxes
 * that failed, next round, one message per distinct delay (`Retry-After` may differ per server).
 */
function followUps(deps: DeliveryDeps, message: DeliveryMessage, result: MessageResult): MessageSendRequest<DeliveryMessage>[] {
  const out: MessageSendRequest<DeliveryMessage>[] = [];
  if (result.deferred.length > 0) {
    out.push({ body: { ...message, inboxes: result.deferred }, contentType: "json", delaySeconds: 0 });
  }
  if (message.attempt >= MAX_DELIVERY_ATTEMPT) return out;
  const byDelay = new Map<number, string[]>();
  const plain = retryDelaySeconds(message.attempt, null, deps.random);
  for (const r of result.retries) {
    const delay = r.retryAfter === null ? plain : retryDelaySeconds(message.attempt, r.retryAfter, deps.random);
    byDelay.set(delay, [...(byDelay.get(delay) ?? []), r.inbox]);
  }
  for (const [delaySeconds, inboxes] of byDelay) {
    out.push({ body: { ...message, inboxes, attempt: message.attempt + 1 }, contentType: "json", delaySeconds });
  }
  return out;
}

/** `sendBatch` in chunks that stay under its 100-message and 256 KB limits. */
async function sendAll(env: Bindings, requests: MessageSendRequest<DeliveryMessage>[]): Promise<void> {
  let chunk: MessageSendRequest<DeliveryMessage>[] = [];
  let bytes = 0;
  for (const request of requests) {
    const size = JSON.stringify(request.body).length;
    if (chunk.length > 0 && (bytes + size > SEND_BATCH_BYTES || chunk.length === 100)) {
      await env.DELIVERY.sendBatch(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(request);
    bytes += size;
  }
  if (chunk.length > 0) await env.DELIVERY.sendBatch(chunk);
}

export async function handleDeliveryBatch(
  batch: MessageBatch<unknown>,
  env: Bindings,
  overrides: Partial<DeliveryDeps> = {},
): Promise<DeliveryStats> {
  const deps = { ...defaultDeps(), ...overrides };
  const stats = newDeliveryStats();
  const ctx: DeliveryContext = {
    db: createDb(env.DB),
    config: loadConfig(env),
    fetch: deps.fetch,
    now: deps.now,
    timeoutMs: deps.timeoutMs,
    deadline: deps.now() + deps.budgetMs,
    limiter: new Limiter(deps.concurrency),
    keys: new Map(),
    styles: new Map(),
  };
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        const body = message.body;
        if (!isDeliveryMessage(body)) {
          console.error(`delivery: malformed message ${message.id}; dead-lettered`);
          await recordDeadLetter(env, body, message.attempts, deps.now());
          message.ack();
          return;
        }
        const result = await deliverMessage(ctx, body, stats);
        const { retries } = result;
        if (retries.length > 0 && body.attempt >= MAX_DELIVERY_ATTEMPT) {
          console.warn(`delivery: ${retries.length} inbox(es) failed ${body.attempt + 1} times; dead-lettered`);
          await recordDeadLetter(env, { ...body, inboxes: retries.map((r) => r.inbox) }, body.attempt + 1, deps.now());
        }
        await sendAll(env, followUps(deps, body, result));
        message.ack();
      } catch (err) {
        // Everything in the message is tried again; delivered inboxes get a duplicate (see above).
        console.error(`delivery: message ${message.id} failed; retrying it whole`, err);
        message.retry({ delaySeconds: backoffSeconds(Math.max(0, message.attempts - 1), deps.random) });
      }
    }),
  );
  return stats;
}
