/**
 * Web Push for a stored notification (issue #6), called by the FANOUT consumer for every
 * notification (src/queue/events.ts). For each of the recipient's subscriptions that asked for the
 * notification's type and whose policy admits the sender, it builds Mastodon's payload, encrypts it
 * for that subscription (`aes128gcm` when `standard`, else the legacy `aesgcm`), signs a VAPID JWT
 * for the push service's origin, and POSTs it with Mastodon's TTL (48 h) and Urgency (normal).
 *
 * Answers, as Mastodon's Web::PushNotificationWorker treats them:
 * - 2xx: delivered;
 * - any other 4xx except 408 and 429 (404 and 410 above all): the subscription is dead and removed;
 * - 408, 429, 5xx, network errors and timeouts: retried.
 *
 * Retries ride on the FANOUT message: `PushRetryError` is thrown and the consumer retries the
 * message with its backoff (10 s, 20 s, 40 s ... an hour, up to the queue's max_retries, then the
 * dead-letter queue). So that a retry does not push twice to subscriptions that already got it,
 * those are recorded in `web_push_deliveries` before throwing and skipped on the next attempt; the
 * records are written only on partial failure and removed once everything is through. (The retry
 * also re-streams the notification to open sockets, which src/queue/events.ts accepts.)
 */
import { and, eq, inArray, lt, or } from "drizzle-orm";
import { type Config, loadConfig } from "../config";
import { createDb, type Db } from "../db/client";
import { accounts, follows, notifications, oauthAccessTokens, statuses, users } from "../db/schema";
import { type WebPushSubscription, webPushDeliveries, webPushSubscriptions } from "../db/schema-push";
import type { Bindings } from "../env";
import { type Fetcher, unfetchableReason } from "../federation/fetch";
import { openAccessToken } from "../oauth/tokens";
import { decodeKey, type EncryptedMessage, encryptAes128gcm, encryptAesgcm } from "./encrypt";
import { buildPushPayload } from "./payload";
import { type VapidKeys, vapidKeys, vapidToken } from "./vapid";

/** Mastodon's Web::PushNotificationWorker::TTL: 48 hours. */
export const PUSH_TTL_SECONDS = 48 * 60 * 60;
export const PUSH_URGENCY = "normal";
export const PUSH_TIMEOUT_MS = 10_000;
/** Well under the platform's six connections per invocation. */
const PUSH_CONCURRENCY = 4;
/** Delivery records older than this belong to messages that went to the dead-letter queue. */
export const PUSH_DELIVERY_MARK_TTL_MS = 3 * 24 * 60 * 60 * 1000;

export interface PushFailure {
  subscriptionId: number;
  status: number | null;
  reason: string;
}

/** Some pushes failed in a way worth retrying; the FANOUT consumer retries the message with backoff. */
export class PushRetryError extends Error {
  constructor(readonly failures: PushFailure[]) {
    super(`web push: ${failures.length} push(es) to retry: ${failures.map((f) => `${f.subscriptionId} ${f.reason}`).join("; ")}`);
    this.name = "PushRetryError";
  }
}

export interface PushOutcome {
  delivered: number[];
  removed: number[];
  skipped: number[];
}

export interface PushOptions {
  fetcher?: Fetcher;
  now?: number;
}

interface Candidate {
  sub: WebPushSubscription;
  tokenSealed: string;
  locale: string;
}

type Result =
  | { kind: "delivered" }
  | { kind: "removed" }
  | { kind: "skipped"; reason: string }
  | { kind: "retry"; failure: PushFailure };

export async function pushNotification(
  env: Bindings,
  notificationId: number,
  accountId: number,
  options: PushOptions = {},
): Promise<PushOutcome> {
  const db = createDb(env.DB);
  const outcome: PushOutcome = { delivered: [], removed: [], skipped: [] };
  // The common case, a recipient without subscriptions, costs this one indexed query.
  const rows = await db
    .select({
      sub: webPushSubscriptions,
      tokenSealed: oauthAccessTokens.tokenSealed,
      revokedAt: oauthAccessTokens.revokedAt,
      locale: users.locale,
    })
    .from(webPushSubscriptions)
    .leftJoin(oauthAccessTokens, eq(oauthAccessTokens.id, webPushSubscriptions.accessTokenId))
    .leftJoin(users, eq(users.accountId, webPushSubscriptions.accountId))
    .where(eq(webPushSubscriptions.accountId, accountId));
  if (rows.length === 0) return outcome;

  // A revoked token's subscription goes with it, as Mastodon destroys it with the token.
  const revoked = rows.filter((r) => r.tokenSealed === null || r.revokedAt !== null).map((r) => r.sub.id);
  if (revoked.length > 0) {
    await db.delete(webPushSubscriptions).where(inArray(webPushSubscriptions.id, revoked));
    outcome.removed.push(...revoked);
  }
  const live: Candidate[] = rows
    .filter((r) => r.tokenSealed !== null && r.revokedAt === null)
    .map((r) => ({ sub: r.sub, tokenSealed: r.tokenSealed as string, locale: r.locale ?? "en" }));

  const found = await db
    .select()
    .from(notifications)
    .where(and(eq(notifications.id, notificationId), eq(notifications.accountId, accountId)))
    .limit(1);
  const notification = found[0];
  if (!notification) return outcome;

  const wanted = await applyPolicies(
    db,
    live.filter((c) => c.sub.alerts.includes(notification.type)),
    accountId,
    notification.fromAccountId,
  );
  if (wanted.length === 0) return outcome;

  const done = new Set(
    (
      await db
        .select({ id: webPushDeliveries.subscriptionId })
        .from(webPushDeliveries)
        .where(eq(webPushDeliveries.notificationId, notificationId))
    ).map((r) => r.id),
  );
  const pending = wanted.filter((c) => !done.has(c.sub.id));

  const [fromRows, statusRows] = await Promise.all([
    db.select().from(accounts).where(eq(accounts.id, notification.fromAccountId)).limit(1),
    notification.statusId === null
      ? Promise.resolve([])
      : db.select().from(statuses).where(eq(statuses.id, notification.statusId)).limit(1),
  ]);
  const from = fromRows[0];
  if (!from) return outcome;

  const config = loadConfig(env);
  const keys = await vapidKeys(db, config);
  const fetcher: Fetcher = options.fetcher ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now();
  const results = await mapLimit(pending, PUSH_CONCURRENCY, async (c): Promise<Result> => {
    const payload = buildPushPayload(config, {
      notification,
      from,
      status: statusRows[0],
      accessToken: await openAccessToken(config, c.tokenSealed),
      locale: c.locale,
    });
    return sendPush(config, keys, c.sub, new TextEncoder().encode(JSON.stringify(payload)), fetcher, now);
  });

  const failures: PushFailure[] = [];
  const removed: number[] = [];
  pending.forEach((c, i) => {
    const r = results[i] as Result;
    if (r.kind === "delivered") outcome.delivered.push(c.sub.id);
    else if (r.kind === "removed") removed.push(c.sub.id);
    else if (r.kind === "skipped") {
      console.warn(`web push: notification ${notificationId} not pushed to subscription ${c.sub.id}: ${r.reason}`);
      outcome.skipped.push(c.sub.id);
    } else failures.push(r.failure);
  });
  if (removed.length > 0) {
    await db.delete(webPushSubscriptions).where(inArray(webPushSubscriptions.id, removed));
    outcome.removed.push(...removed);
  }

  if (failures.length > 0) {
    const finished = [...outcome.delivered, ...outcome.skipped];
    const marks = finished.map((subscriptionId) => ({ notificationId, subscriptionId, createdAt: now }));
    await db.batch([
      db.delete(webPushDeliveries).where(lt(webPushDeliveries.createdAt, now - PUSH_DELIVERY_MARK_TTL_MS)),
      ...(marks.length > 0 ? [db.insert(webPushDeliveries).values(marks).onConflictDoNothing()] : []),
    ]);
    throw new PushRetryError(failures);
  }
  if (done.size > 0) await db.delete(webPushDeliveries).where(eq(webPushDeliveries.notificationId, notificationId));
  return outcome;
}

/** Keeps subscriptions whose policy admits the sender: `followed` = the recipient follows them, `follower` = they follow the recipient. */
async function applyPolicies(db: Db, candidates: Candidate[], recipientId: number, senderId: number): Promise<Candidate[]> {
  const needs = candidates.some((c) => c.sub.policy === "followed" || c.sub.policy === "follower");
  let recipientFollowsSender = false;
  let senderFollowsRecipient = false;
  if (needs) {
    const pairs = await db
      .select({ accountId: follows.accountId })
      .from(follows)
      .where(
        or(
          and(eq(follows.accountId, recipientId), eq(follows.targetAccountId, senderId)),
          and(eq(follows.accountId, senderId), eq(follows.targetAccountId, recipientId)),
        ),
      );
    recipientFollowsSender = pairs.some((p) => p.accountId === recipientId);
    senderFollowsRecipient = pairs.some((p) => p.accountId === senderId);
  }
  return candidates.filter((c) => {
    switch (c.sub.policy) {
      case "all":
        return true;
      case "followed":
        return recipientFollowsSender;
      case "follower":
        return senderFollowsRecipient;
      default:
        return false;
    }
  });
}

/** Encrypts and signs one push; the headers Mastodon sends for each encoding. */
export async function preparePush(
  config: Config,
  keys: VapidKeys,
  sub: Pick<WebPushSubscription, "endpoint" | "keyP256dh" | "keyAuth" | "standard">,
  plaintext: Uint8Array,
  now: number = Date.now(),
): Promise<EncryptedMessage> {
  const p256dh = decodeKey(sub.keyP256dh);
  const auth = decodeKey(sub.keyAuth);
  if (!p256dh || !auth) throw new Error("the subscription's keys do not decode");
  const jwt = await vapidToken(keys, config, sub.endpoint, now);
  const common = { TTL: String(PUSH_TTL_SECONDS), Urgency: PUSH_URGENCY };
  if (sub.standard) {
    const message = await encryptAes128gcm(plaintext, p256dh, auth);
    return {
      body: message.body,
      headers: { ...message.headers, ...common, Authorization: `vapid t=${jwt}, k=${keys.publicKey}` },
    };
  }
  const message = await encryptAesgcm(plaintext, p256dh, auth);
  const cryptoKey = `${message.headers["Crypto-Key"]};p256ecdsa=${keys.publicKey}`;
  return {
    body: message.body,
    headers: { ...message.headers, ...common, "Crypto-Key": cryptoKey, Authorization: `WebPush ${jwt}` },
  };
}

async function sendPush(
  config: Config,
  keys: VapidKeys,
  sub: WebPushSubscription,
  plaintext: Uint8Array,
  fetcher: Fetcher,
  now: number,
): Promise<Result> {
  // Checked again at send time: the endpoint was valid under the configuration it was created with.
  const refused = unfetchableReason(config, sub.endpoint);
  if (refused) return { kind: "skipped", reason: refused };
  let message: EncryptedMessage;
  try {
    message = await preparePush(config, keys, sub, plaintext, now);
  } catch (err) {
    // Nothing a retry would change (the keys were checked at creation).
    return { kind: "skipped", reason: err instanceof Error ? err.message : String(err) };
  }
  let response: Response;
  try {
    response = await fetcher(sub.endpoint, {
      method: "POST",
      headers: message.headers,
      body: message.body,
      redirect: "manual",
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch (err) {
    return {
      kind: "retry",
      failure: { subscriptionId: sub.id, status: null, reason: err instanceof Error ? err.message : String(err) },
    };
  }
  // The body is never needed; drop it so the connection is released.
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: "delivered" };
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { kind: "removed" };
  return { kind: "retry", failure: { subscriptionId: sub.id, status, reason: `HTTP ${status}` } };
}

async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i] as T);
    }
  });
  await Promise.all(runners);
  return results;
}
