/** WebPushSubscription entity: the only place its JSON is built. */
import type { NotificationType } from "../db/schema";
import type { PushPolicy, WebPushSubscription } from "../db/schema-push";

/** The alert types a subscription can ask for, in Mastodon's order (Notification::TYPES). */
export const PUSH_ALERT_TYPES = [
  "mention",
  "status",
  "reblog",
  "follow",
  "follow_request",
  "favourite",
  "poll",
  "update",
  // Mastodon 4.5 (API level 7).
  "quote",
  "quoted_update",
  "admin.sign_up",
  "admin.report",
] as const satisfies readonly NotificationType[];

export interface MastodonWebPushSubscription {
  id: string;
  endpoint: string;
  standard: boolean;
  /** Every type, true or false: clients decode a full set. */
  alerts: Record<(typeof PUSH_ALERT_TYPES)[number], boolean>;
  server_key: string;
  policy: PushPolicy;
}

export function serializePushSubscription(sub: WebPushSubscription, serverKey: string): MastodonWebPushSubscription {
  const on = new Set(sub.alerts);
  const alerts = Object.fromEntries(PUSH_ALERT_TYPES.map((t) => [t, on.has(t)])) as MastodonWebPushSubscription["alerts"];
  return {
    id: String(sub.id),
    endpoint: sub.endpoint,
    standard: sub.standard,
    alerts,
    server_key: serverKey,
    policy: sub.policy,
  };
}
