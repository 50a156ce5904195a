/** Shared setup for the Web Push tests: subscribing through the real API. */
import { expect } from "vitest";
import { api, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { makeUserAgentKeys, type UserAgentKeys } from "./push-crypto";

export const PATH = "/api/v1/push/subscription";

export interface Subscribed {
  id: string;
  endpoint: string;
  keys: UserAgentKeys;
  serverKey: string;
  body: Record<string, unknown>;
}

export async function subscribe(
  user: Pick<TestUser, "token">,
  options: { endpoint?: string; standard?: boolean; alerts?: Record<string, boolean>; policy?: string } = {},
): Promise<Subscribed> {
  const keys = await makeUserAgentKeys();
  const endpoint = options.endpoint ?? `https://push.example/send/${crypto.randomUUID()}`;
  const res = await api(PATH, {
    token: user.token,
    json: {
      subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth }, standard: options.standard ?? true },
      data: { alerts: options.alerts ?? { mention: true, follow: true, favourite: true }, policy: options.policy ?? "all" },
    },
  });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectEntity("WebPushSubscription", body);
  return { id: body.id as string, endpoint, keys, serverKey: body.server_key as string, body };
}
