/**
 * Pushing a stored notification (src/push/deliver.ts) to a test push service (an injected fetch):
 * the body decrypts with the subscription's private key (aes128gcm and legacy aesgcm) into Mastodon's
 * payload, the VAPID JWT verifies with the instance's public key, alerts and policies decide who gets
 * a push, 404/410 remove the subscription, 429/5xx make the FANOUT message retry without pushing
 * twice to subscriptions that already got it.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createDb } from "../../src/db/client";
import type { NotificationType } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { issueAccessToken } from "../../src/oauth/tokens";
import { PushRetryError, pushNotification } from "../../src/push/deliver";
import { notify } from "../../src/services/notifications";
import { fanout } from "../feeds/helpers";
import { api, config, createTestApp, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { PATH, type Subscribed, subscribe } from "./helpers";
import { decryptAes128gcm, decryptAesgcm, verifyVapid } from "./push-crypto";

interface Captured {
  url: string;
  headers: Headers;
  body: Uint8Array;
}

/** A push service answering `status` (or what `answer` says for an endpoint), recording what it got. */
function pushService(answer: number | ((url: string) => number) = 201) {
  const seen: Captured[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    seen.push({ url: req.url, headers: req.headers, body: new Uint8Array(await req.arrayBuffer()) });
    return new Response(null, { status: typeof answer === "number" ? answer : answer(req.url) });
  };
  return { seen, fetcher };
}

async function sender(displayName = "Bob Example", note = "<p>Bob&#39;s bio &amp; more</p>"): Promise<TestUser> {
  const bob = await createTestUser();
  await env.DB.prepare("UPDATE accounts SET display_name = ?, note = ? WHERE id = ?")
    .bind(displayName, note, bob.account.id)
    .run();
  return bob;
}

async function status(authorId: number, text: string, spoiler = ""): Promise<number> {
  const id = newId();
  await env.DB.prepare(
    "INSERT INTO statuses (id, account_id, local, visibility, text, content, spoiler_text, created_at) VALUES (?, ?, 1, 'public', ?, ?, ?, ?)",
  )
    .bind(id, authorId, text, `<p>${text}</p>`, spoiler, Date.now())
    .run();
  return id;
}

/** A notification stored without raising the domain event, so no background consumer pushes it. */
async function notification(
  recipient: TestUser,
  from: TestUser,
  type: NotificationType,
  statusId: number | null = null,
): Promise<number> {
  const id = await notify(createDb(env.DB), {
    recipientId: recipient.account.id,
    fromAccountId: from.account.id,
    type,
    statusId,
  });
  if (id === undefined) throw new Error("no notification stored");
  return id;
}

/** Another token of the same user (a second app), which can hold a second subscription. */
async function secondToken(user: TestUser): Promise<TestUser> {
  const app = await createTestApp();
  const issued = await issueAccessToken(db(), config(), {
    applicationId: app.id,
    userId: user.user.id,
    scopes: ["push", "read"],
  });
  return { ...user, token: issued.accessToken };
}

async function follow(followerId: number, targetId: number): Promise<void> {
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), followerId, targetId, Date.now())
    .run();
}

async function subscriptionCount(accountId: number): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM web_push_subscriptions WHERE account_id = ?")
    .bind(accountId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

async function payloadOf(captured: Captured, sub: Subscribed): Promise<Record<string, unknown>> {
  const { plaintext, header } = await decryptAes128gcm(captured.body, sub.keys);
  expect(header.recordSize).toBe(4096);
  return JSON.parse(plaintext) as Record<string, unknown>;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the pushed request", () => {
  it("is RFC 8291 aes128gcm with Mastodon's payload and a VAPID JWT from the instance key", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    const sub = await subscribe(alice, { standard: true, endpoint: "https://push.example:8443/wpush/v2/abc?x=1" });
    const statusId = await status(bob.account.id, `@${alice.account.username} hello <world> & friends`);
    const id = await notification(alice, bob, "mention", statusId);
    const service = pushService(201);
    const before = Math.floor(Date.now() / 1000);

    const outcome = await pushNotification(env, id, alice.account.id, { fetcher: service.fetcher });
    expect(outcome.delivered).toEqual([Number(sub.id)]);
    expect(service.seen).toHaveLength(1);
    const req = service.seen[0] as Captured;
    expect(req.url).toBe(sub.endpoint);
    expect(req.headers.get("content-encoding")).toBe("aes128gcm");
    expect(req.headers.get("content-type")).toBe("application/octet-stream");
    expect(req.headers.get("ttl")).toBe("172800");
    expect(req.headers.get("urgency")).toBe("normal");

    const payload = await payloadOf(req, sub);
    expect(payload).toEqual({
      access_token: alice.token,
      preferred_locale: "en",
      notification_id: id,
      notification_type: "mention",
      icon: expect.stringMatching(/^https?:\/\//),
      title: "You were mentioned by Bob Example",
      body: `@${alice.account.username} hello <world> & friends`,
    });

    const vapid = await verifyVapid(
      { authorization: req.headers.get("authorization") ?? "" },
      sub.serverKey,
      "https://push.example:8443",
    );
    expect(vapid.scheme).toBe("vapid");
    expect(vapid.payload.sub).toBe("mailto:admin@petrel.test");
    expect(vapid.payload.exp).toBeGreaterThan(before);
    expect(vapid.payload.exp).toBeLessThanOrEqual(before + 24 * 3600 + 5);
  });

  it("uses the legacy aesgcm encoding with Encryption, Crypto-Key and WebPush headers when not standard", async () => {
    const alice = await createTestUser();
    const bob = await sender("", "<p>Hi &amp; bye</p>");
    const sub = await subscribe(alice, { standard: false });
    const id = await notification(alice, bob, "follow");
    const service = pushService(201);
    await pushNotification(env, id, alice.account.id, { fetcher: service.fetcher });
    const req = service.seen[0] as Captured;
    expect(req.headers.get("content-encoding")).toBe("aesgcm");
    const cryptoKey = req.headers.get("crypto-key") ?? "";
    expect(cryptoKey).toMatch(/^dh=[A-Za-z0-9_-]+;p256ecdsa=[A-Za-z0-9_-]+$/);
    const encryption = req.headers.get("encryption") ?? "";
    expect(encryption).toMatch(/^salt=[A-Za-z0-9_-]{22}$/);
    const payload = JSON.parse(await decryptAesgcm(req.body, { encryption, cryptoKey }, sub.keys)) as Record<string, unknown>;
    // No display name: the username; no status: the sender's bio as plain text.
    expect(payload).toMatchObject({
      notification_type: "follow",
      notification_id: id,
      title: `${bob.account.username} is now following you`,
      body: "Hi & bye",
      access_token: alice.token,
    });
    const vapid = await verifyVapid(
      { authorization: req.headers.get("authorization") ?? "", cryptoKey },
      sub.serverKey,
      "https://push.example",
    );
    expect(vapid.scheme).toBe("WebPush");
  });

  it("prefers the content warning and truncates the body to 140 characters", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    const sub = await subscribe(alice, { alerts: { favourite: true, reblog: true } });
    const long = "x".repeat(200);
    const fav = await notification(alice, bob, "favourite", await status(alice.account.id, long));
    const reblog = await notification(alice, bob, "reblog", await status(alice.account.id, long, "spoilers ahead"));
    const service = pushService(201);
    await pushNotification(env, fav, alice.account.id, { fetcher: service.fetcher });
    await pushNotification(env, reblog, alice.account.id, { fetcher: service.fetcher });
    const [first, second] = await Promise.all(service.seen.map((r) => payloadOf(r, sub)));
    expect(first).toMatchObject({ title: "Bob Example favorited your post", body: `${"x".repeat(137)}...` });
    expect(second).toMatchObject({ title: "Bob Example boosted your post", body: "spoilers ahead" });
  });
});

describe("who gets a push", () => {
  it("only subscriptions whose alerts include the type", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    await subscribe(alice, { alerts: { mention: true } });
    const id = await notification(alice, bob, "favourite", await status(alice.account.id, "mine"));
    const service = pushService(201);
    const outcome = await pushNotification(env, id, alice.account.id, { fetcher: service.fetcher });
    expect(service.seen).toHaveLength(0);
    expect(outcome.delivered).toEqual([]);
  });

  it("applies the policies: followed, follower, none", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    const followed = await subscribe(alice, { policy: "followed", endpoint: "https://push.example/followed" });
    const follower = await subscribe(await secondToken(alice), { policy: "follower", endpoint: "https://push.example/follower" });
    const none = await subscribe(await secondToken(alice), { policy: "none", endpoint: "https://push.example/none" });
    const all = await subscribe(await secondToken(alice), { policy: "all", endpoint: "https://push.example/all" });
    const push = async () => {
      const service = pushService(201);
      const id = await notification(alice, bob, "mention", await status(bob.account.id, "hi"));
      await pushNotification(env, id, alice.account.id, { fetcher: service.fetcher });
      return service.seen.map((r) => r.url).sort();
    };
    expect(await push()).toEqual([all.endpoint]);
    await follow(bob.account.id, alice.account.id); // bob follows alice: alice's "follower" policy admits him
    expect(await push()).toEqual([all.endpoint, follower.endpoint].sort());
    await follow(alice.account.id, bob.account.id); // alice follows bob: "followed" too
    expect(await push()).toEqual([all.endpoint, followed.endpoint, follower.endpoint].sort());
    expect(none.endpoint).toBeTruthy();
  });

  it("no push for a revoked token, whose subscription is removed", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    await subscribe(alice);
    await env.DB.prepare("UPDATE oauth_access_tokens SET revoked_at = ? WHERE user_id = ?").bind(Date.now(), alice.user.id).run();
    const service = pushService(201);
    const id = await notification(alice, bob, "mention", await status(bob.account.id, "hi"));
    await pushNotification(env, id, alice.account.id, { fetcher: service.fetcher });
    expect(service.seen).toHaveLength(0);
    expect(await subscriptionCount(alice.account.id)).toBe(0);
  });
});

describe("push service answers", () => {
  it("410 Gone and 404 remove the subscription", async () => {
    for (const gone of [410, 404]) {
      const alice = await createTestUser();
      const bob = await sender();
      await subscribe(alice);
      const id = await notification(alice, bob, "mention", await status(bob.account.id, "hi"));
      const outcome = await pushNotification(env, id, alice.account.id, { fetcher: pushService(gone).fetcher });
      expect(outcome.removed).toHaveLength(1);
      expect(await subscriptionCount(alice.account.id)).toBe(0);
      expect((await api(PATH, { token: alice.token })).status).toBe(404);
    }
  });

  it("500 and 429 throw PushRetryError and keep the subscription; the retry skips those already pushed", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    const ok = await subscribe(alice, { endpoint: "https://push.example/ok" });
    const flaky = await subscribe(await secondToken(alice), { endpoint: "https://push.example/flaky" });
    const limited = await subscribe(await secondToken(alice), { endpoint: "https://push.example/limited" });
    const id = await notification(alice, bob, "mention", await status(bob.account.id, "hi"));

    const first = pushService((url) => (url.endsWith("/flaky") ? 500 : url.endsWith("/limited") ? 429 : 201));
    const error = await pushNotification(env, id, alice.account.id, { fetcher: first.fetcher }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PushRetryError);
    expect((error as PushRetryError).failures.map((f) => f.status).sort()).toEqual([429, 500]);
    expect(first.seen).toHaveLength(3);
    expect(await subscriptionCount(alice.account.id)).toBe(3);

    const second = pushService(201);
    const outcome = await pushNotification(env, id, alice.account.id, { fetcher: second.fetcher });
    expect(second.seen.map((r) => r.url).sort()).toEqual([flaky.endpoint, limited.endpoint].sort());
    expect(outcome.delivered.sort()).toEqual([Number(flaky.id), Number(limited.id)].sort());
    expect(ok.id).toBeTruthy();
    const marks = await env.DB.prepare("SELECT count(*) AS n FROM web_push_deliveries WHERE notification_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(marks?.n).toBe(0);
  });

  it("a network error is retried too", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    await subscribe(alice);
    const id = await notification(alice, bob, "mention", await status(bob.account.id, "hi"));
    const failing = async (): Promise<Response> => {
      throw new TypeError("connection refused");
    };
    await expect(pushNotification(env, id, alice.account.id, { fetcher: failing })).rejects.toBeInstanceOf(PushRetryError);
    expect(await subscriptionCount(alice.account.id)).toBe(1);
  });

  it("the FANOUT consumer retries the notification message while the push service fails, and acks it after", async () => {
    const alice = await createTestUser();
    const bob = await sender();
    await subscribe(alice);
    const id = await notification(alice, bob, "mention", await status(bob.account.id, "hi"));
    const message = { type: "notification.created", v: 1, notificationId: id, accountId: alice.account.id };
    const failing = pushService(503);
    vi.stubGlobal("fetch", failing.fetcher);
    const retried = await fanout([message]);
    expect(retried.retried).toHaveLength(1);
    expect(retried.acked).toHaveLength(0);
    expect(failing.seen).toHaveLength(1);
    const working = pushService(201);
    vi.stubGlobal("fetch", working.fetcher);
    const acked = await fanout([message]);
    expect(acked.acked).toHaveLength(1);
    expect(working.seen).toHaveLength(1);
  });
});
