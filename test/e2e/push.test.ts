/**
 * Web Push end to end: a real local instance (`npm run dev`) pushes to a test push service, a Node
 * HTTP server on loopback (development mode lets push endpoints on loopback through). The FANOUT
 * consumer sends each notification; the test decrypts the body with the subscription's private key
 * (RFC 8291 aes128gcm, and legacy aesgcm), checks Mastodon's payload fields, verifies the VAPID JWT
 * against the instance's published key, and sees a 410 answer remove the subscription.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectEntity } from "../helpers/openapi";
import { decryptAes128gcm, decryptAesgcm, makeUserAgentKeys, type UserAgentKeys, verifyVapid } from "../push/push-crypto";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { createAccount } from "./helpers/petrel-cli";

const CONTACT = "push-admin@example.com";
const PUSH_TIMEOUT_MS = 30_000;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

let server: DevServer;
let push: Server;
let pushOrigin: string;
const received: Received[] = [];
/** Status the push service answers, by path; 201 otherwise. */
const answers = new Map<string, number>();
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};

async function call(path: string, options: { token?: string; method?: string; json?: unknown } = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.json !== undefined) headers["content-type"] = "application/json";
  return fetch(`${server.baseUrl}${path}`, {
    method: options.method ?? (options.json === undefined ? "GET" : "POST"),
    headers,
    body: options.json === undefined ? undefined : JSON.stringify(options.json),
  });
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + PUSH_TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}\n${server.output().split("\n").slice(-40).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function subscribeAs(user: string, path: string, keys: UserAgentKeys, standard: boolean): Promise<Record<string, unknown>> {
  const res = await call("/api/v1/push/subscription", {
    token: tokens[user],
    json: {
      subscription: { endpoint: `${pushOrigin}${path}`, keys: { p256dh: keys.p256dh, auth: keys.auth }, standard },
      data: { alerts: { mention: true, follow: true }, policy: "all" },
    },
  });
  const body = (await res.json()) as Record<string, unknown>;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectEntity("WebPushSubscription", body);
  return body;
}

beforeAll(async () => {
  push = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = req.url ?? "/";
      received.push({ path, headers: req.headers, body: new Uint8Array(Buffer.concat(chunks)) });
      res.writeHead(answers.get(path) ?? 201).end();
    });
  });
  await new Promise<void>((resolve) => push.listen(0, "127.0.0.1", resolve));
  pushOrigin = `http://127.0.0.1:${(push.address() as AddressInfo).port}`;

  server = await startDevServer({ env: { CONTACT_EMAIL: CONTACT } });
  const app = (await (
    await call("/api/v1/apps", {
      json: { client_name: "push e2e", redirect_uris: "urn:ietf:wg:oauth:2.0:oob", scopes: "read write follow push" },
    })
  ).json()) as { client_id: string; client_secret: string };
  for (const name of ["alice", "bob"]) {
    const user = await createAccount(server.stateDir, name);
    const token = (await (
      await call("/oauth/token", {
        json: {
          grant_type: "password",
          client_id: app.client_id,
          client_secret: app.client_secret,
          username: user.email,
          password: user.password,
          scope: "read write follow push",
        },
      })
    ).json()) as { access_token: string };
    tokens[name] = token.access_token;
    ids[name] = (
      (await (await call("/api/v1/accounts/verify_credentials", { token: token.access_token })).json()) as { id: string }
    ).id;
  }
});

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((resolve) => (push ? push.close(() => resolve()) : resolve()));
});

describe("Web Push against the dev server", () => {
  it("pushes a follow to an aes128gcm subscription: decrypted payload and VAPID JWT check out", async () => {
    const keys = await makeUserAgentKeys();
    const sub = await subscribeAs("alice", "/push/alice", keys, true);
    const instance = (await (await call("/api/v2/instance")).json()) as { configuration: { vapid: { public_key: string } } };
    expect(instance.configuration.vapid.public_key).toBe(sub.server_key);

    expect((await call(`/api/v1/accounts/${ids.alice}/follow`, { token: tokens.bob, method: "POST" })).status).toBe(200);
    const req = await waitFor("the follow push", () => received.find((r) => r.path === "/push/alice"));
    expect(req.headers["content-encoding"]).toBe("aes128gcm");
    expect(req.headers.ttl).toBe("172800");
    expect(req.headers.urgency).toBe("normal");

    const { plaintext } = await decryptAes128gcm(req.body, keys);
    const payload = JSON.parse(plaintext) as Record<string, unknown>;
    const notifications = (await (await call("/api/v1/notifications", { token: tokens.alice })).json()) as Array<{
      id: string;
      type: string;
    }>;
    const follow = notifications.find((n) => n.type === "follow");
    expect(payload).toEqual({
      access_token: tokens.alice,
      preferred_locale: "en",
      notification_id: Number(follow?.id),
      notification_type: "follow",
      icon: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//),
      title: "bob is now following you",
      body: "",
    });

    const vapid = await verifyVapid({ authorization: String(req.headers.authorization) }, String(sub.server_key), pushOrigin);
    expect(vapid.scheme).toBe("vapid");
    expect(vapid.payload.sub).toBe(`mailto:${CONTACT}`);
    const now = Math.floor(Date.now() / 1000);
    expect(vapid.payload.exp).toBeGreaterThan(now);
    expect(vapid.payload.exp).toBeLessThanOrEqual(now + 24 * 3600);
  });

  it("pushes to a legacy aesgcm subscription", async () => {
    const keys = await makeUserAgentKeys();
    const sub = await subscribeAs("bob", "/push/bob", keys, false);
    expect((await call(`/api/v1/accounts/${ids.bob}/follow`, { token: tokens.alice, method: "POST" })).status).toBe(200);
    const req = await waitFor("the follow push", () => received.find((r) => r.path === "/push/bob"));
    expect(req.headers["content-encoding"]).toBe("aesgcm");
    const headers = { encryption: String(req.headers.encryption), cryptoKey: String(req.headers["crypto-key"]) };
    const payload = JSON.parse(await decryptAesgcm(req.body, headers, keys)) as Record<string, unknown>;
    expect(payload).toMatchObject({
      access_token: tokens.bob,
      preferred_locale: "en",
      notification_type: "follow",
      title: "alice is now following you",
    });
    const vapid = await verifyVapid(
      { authorization: String(req.headers.authorization), cryptoKey: headers.cryptoKey },
      String(sub.server_key),
      pushOrigin,
    );
    expect(vapid.scheme).toBe("WebPush");
  });

  it("removes a subscription the push service answers 410 Gone", async () => {
    answers.set("/push/bob", 410);
    const before = received.filter((r) => r.path === "/push/bob").length;
    // Following again makes a new follow notification (status-less ones are not deduplicated).
    expect((await call(`/api/v1/accounts/${ids.bob}/unfollow`, { token: tokens.alice, method: "POST" })).status).toBe(200);
    expect((await call(`/api/v1/accounts/${ids.bob}/follow`, { token: tokens.alice, method: "POST" })).status).toBe(200);
    await waitFor("the 410 push", () => (received.filter((r) => r.path === "/push/bob").length > before ? true : undefined));
    await waitFor("the subscription to go", async () =>
      (await call("/api/v1/push/subscription", { token: tokens.bob })).status === 404 ? true : undefined,
    );
  });
});
