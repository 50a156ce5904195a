/**
 * Web Push subscriptions as Mastodon's Api::V1::Push::SubscriptionsController keeps them: one per
 * access token (a new one replaces the old), `data` replaced whole on update, keys and endpoint
 * checked at creation (Mastodon 4.3+) so a subscription that could never be delivered is refused
 * with 422 instead of failing silently later.
 */
import { and, eq } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { NotificationType } from "../db/schema";
import { type PushPolicy, type WebPushSubscription, webPushSubscriptions } from "../db/schema-push";
import { PUSH_ALERT_TYPES } from "../entities/push-subscription";
import { ApiError } from "../errors";
import { unfetchableReason } from "../federation/fetch";
import { newId } from "../ids";
import { coerceBool, type Params } from "../util/params";
import { decodeKey, importUserAgentKey } from "./encrypt";

export const PUSH_POLICIES: readonly PushPolicy[] = ["all", "followed", "follower", "none"];

/** Push endpoints are URLs of push services; anything longer is not one. */
const MAX_ENDPOINT_LENGTH = 2048;

/** Mastodon's `crypto.errors.invalid_key`, added to `base` by its WebPushKeyValidator. */
export const INVALID_KEY_MESSAGE = "is not a valid Ed25519 or Curve25519 key";

export interface SubscriptionData {
  alerts: NotificationType[];
  policy: PushPolicy;
}

export interface NewSubscription extends SubscriptionData {
  endpoint: string;
  p256dh: string;
  auth: string;
  standard: boolean;
}

interface FieldError {
  field: string;
  message: string;
  code: string;
}

/** Mastodon's 422: field errors read "Endpoint is invalid", `base` errors are the bare message. */
function validationError(errors: FieldError[]): ApiError {
  const text = errors
    .map((e) =>
      e.field === "base" ? e.message : `${e.field.charAt(0).toUpperCase()}${e.field.slice(1).replace(/_/g, " ")} ${e.message}`,
    )
    .join(", ");
  const details: Record<string, Array<{ error: string; description: string }>> = {};
  for (const e of errors) {
    const list = details[e.field] ?? [];
    list.push({ error: e.code, description: e.message });
    details[e.field] = list;
  }
  return new ApiError(422, `Validation failed: ${text}`, { details });
}

/** `data[alerts][…]` and `data[policy]`; absent `data` means no alerts and policy `all`, as Mastodon. */
export function readSubscriptionData(params: Params): SubscriptionData {
  const data = params.object("data");
  const alertParams = data?.object("alerts");
  const alerts = PUSH_ALERT_TYPES.filter((t) => coerceBool(alertParams?.raw[t]) === true);
  const policyText = data?.string("policy")?.trim() || "all";
  if (!(PUSH_POLICIES as readonly string[]).includes(policyText)) {
    // Mastodon stores any string and then never pushes; refusing it says why nothing arrives.
    throw validationError([{ field: "policy", message: "is not included in the list", code: "ERR_INCLUSION" }]);
  }
  return { alerts, policy: policyText as PushPolicy };
}

async function validKeys(p256dh: string, auth: string): Promise<boolean> {
  const point = decodeKey(p256dh);
  const secret = decodeKey(auth);
  if (!point || !secret || secret.length !== 16) return false;
  try {
    await importUserAgentKey(point);
    return true;
  } catch {
    return false;
  }
}

/** `subscription[endpoint|keys][p256dh|auth]|standard]` plus `data`, validated. */
export async function readNewSubscription(params: Params, config: Config): Promise<NewSubscription> {
  const sub = params.object("subscription");
  if (!sub) throw new ApiError(400, "param is missing or the value is empty: subscription");
  const endpoint = sub.string("endpoint")?.trim() ?? "";
  const keys = sub.object("keys");
  const p256dh = keys?.string("p256dh")?.trim() ?? "";
  const auth = keys?.string("auth")?.trim() ?? "";
  const errors: FieldError[] = [];
  if (endpoint === "") errors.push({ field: "endpoint", message: "can't be blank", code: "ERR_BLANK" });
  else if (endpoint.length > MAX_ENDPOINT_LENGTH || unfetchableReason(config, endpoint) !== null)
    errors.push({ field: "endpoint", message: "is invalid", code: "ERR_INVALID" });
  if (p256dh === "") errors.push({ field: "key_p256dh", message: "can't be blank", code: "ERR_BLANK" });
  if (auth === "") errors.push({ field: "key_auth", message: "can't be blank", code: "ERR_BLANK" });
  if (p256dh !== "" && auth !== "" && !(await validKeys(p256dh, auth)))
    errors.push({ field: "base", message: INVALID_KEY_MESSAGE, code: "ERR_INVALID" });
  if (errors.length > 0) throw validationError(errors);
  return { endpoint, p256dh, auth, standard: sub.bool("standard") ?? false, ...readSubscriptionData(params) };
}

export async function findSubscriptionForToken(db: Db, accessTokenId: number): Promise<WebPushSubscription | undefined> {
  const rows = await db.select().from(webPushSubscriptions).where(eq(webPushSubscriptions.accessTokenId, accessTokenId)).limit(1);
  return rows[0];
}

/** Replaces the token's subscription in one batch, so two concurrent POSTs leave exactly one. */
export async function createSubscription(
  db: Db,
  owner: { accountId: number; accessTokenId: number },
  input: NewSubscription,
  now: number = Date.now(),
): Promise<WebPushSubscription> {
  const row: WebPushSubscription = {
    id: newId(now),
    accountId: owner.accountId,
    accessTokenId: owner.accessTokenId,
    endpoint: input.endpoint,
    keyP256dh: input.p256dh,
    keyAuth: input.auth,
    standard: input.standard,
    alerts: input.alerts,
    policy: input.policy,
    createdAt: now,
    updatedAt: now,
  };
  await db.batch([
    db.delete(webPushSubscriptions).where(eq(webPushSubscriptions.accessTokenId, owner.accessTokenId)),
    db.insert(webPushSubscriptions).values(row),
  ]);
  return row;
}

export async function updateSubscriptionData(
  db: Db,
  sub: WebPushSubscription,
  data: SubscriptionData,
  now: number = Date.now(),
): Promise<WebPushSubscription> {
  await db
    .update(webPushSubscriptions)
    .set({ alerts: data.alerts, policy: data.policy, updatedAt: now })
    .where(eq(webPushSubscriptions.id, sub.id));
  return { ...sub, ...data, updatedAt: now };
}

export async function deleteSubscriptionForToken(db: Db, accessTokenId: number): Promise<void> {
  await db.delete(webPushSubscriptions).where(eq(webPushSubscriptions.accessTokenId, accessTokenId));
}

export async function deleteSubscription(db: Db, id: number, accountId: number): Promise<void> {
  await db
    .delete(webPushSubscriptions)
    .where(and(eq(webPushSubscriptions.id, id), eq(webPushSubscriptions.accountId, accountId)));
}
