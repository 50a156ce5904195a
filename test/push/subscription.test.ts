/**
 * `/api/v1/push/subscription`: create, read, update and delete in every encoding clients use (JSON,
 * form, nested query items as Ice Cubes sends them), one subscription per token, scopes, the 404 when
 * there is none, and 422 for endpoints and keys that could never be delivered to — with nothing stored.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { readNewSubscription } from "../../src/push/subscriptions";
import { Params } from "../../src/util/params";
import { api, BASE, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { PATH, subscribe } from "./helpers";
import { b64urlDecode, b64urlEncode, makeUserAgentKeys } from "./push-crypto";

const ALL_OFF = {
  mention: false,
  status: false,
  reblog: false,
  follow: false,
  follow_request: false,
  favourite: false,
  poll: false,
  update: false,
  quote: false,
  quoted_update: false,
  "admin.sign_up": false,
  "admin.report": false,
};

async function current(token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await api(PATH, { token });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("creating a subscription", () => {
  it("accepts JSON and answers the WebPushSubscription, which GET then returns", async () => {
    const alice = await createTestUser();
    const sub = await subscribe(alice, { standard: true, alerts: { mention: true, "admin.sign_up": true }, policy: "followed" });
    expect(sub.body).toEqual({
      id: sub.id,
      endpoint: sub.endpoint,
      standard: true,
      alerts: { ...ALL_OFF, mention: true, "admin.sign_up": true },
      server_key: sub.serverKey,
      policy: "followed",
    });
    const got = await current(alice.token);
    expect(got.status).toBe(200);
    expectEntity("WebPushSubscription", got.body);
    expect(got.body).toEqual(sub.body);
  });

  it("accepts a form body with bracketed keys, standard absent meaning the legacy encoding", async () => {
    const alice = await createTestUser();
    const keys = await makeUserAgentKeys();
    const res = await api(PATH, {
      token: alice.token,
      form: {
        "subscription[endpoint]": "https://push.example/form",
        "subscription[keys][p256dh]": keys.p256dh,
        "subscription[keys][auth]": keys.auth,
        "data[alerts][follow]": "true",
        "data[alerts][reblog]": "1",
        "data[alerts][mention]": "false",
        "data[policy]": "follower",
      },
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expectEntity("WebPushSubscription", body);
    expect(body).toMatchObject({
      endpoint: "https://push.example/form",
      standard: false,
      alerts: { ...ALL_OFF, follow: true, reblog: true },
      policy: "follower",
    });
  });

  it("accepts nested query items with no body, as Ice Cubes sends them", async () => {
    const alice = await createTestUser();
    const keys = await makeUserAgentKeys();
    const query = new URLSearchParams({
      "subscription[endpoint]": "https://push.example/ice-cubes",
      "subscription[keys][p256dh]": keys.p256dh,
      "subscription[keys][auth]": keys.auth,
      "subscription[standard]": "true",
      "data[alerts][mention]": "true",
      "data[alerts][status]": "true",
      "data[alerts][update]": "true",
    });
    const res = await SELF.fetch(`${BASE}${PATH}?${query}`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}` },
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      endpoint: "https://push.example/ice-cubes",
      standard: true,
      alerts: { ...ALL_OFF, mention: true, status: true, update: true },
      policy: "all",
    });
  });

  it("accepts standard base64 keys with padding, as some clients encode them", async () => {
    const alice = await createTestUser();
    const keys = await makeUserAgentKeys();
    const std = (b: Uint8Array) => btoa(String.fromCharCode(...b));
    const res = await api(PATH, {
      token: alice.token,
      json: {
        subscription: { endpoint: "https://push.example/std", keys: { p256dh: std(keys.publicRaw), auth: std(keys.authBytes) } },
      },
    });
    expect(res.status).toBe(200);
    // No `data`: no alerts, policy all, as Mastodon.
    expect(await res.json()).toMatchObject({ alerts: ALL_OFF, policy: "all", standard: false });
  });

  it("replaces the token's subscription; another token of the same user keeps its own", async () => {
    const alice = await createTestUser();
    const first = await subscribe(alice, { endpoint: "https://push.example/first" });
    const second = await subscribe(alice, { endpoint: "https://push.example/second" });
    expect(second.id).not.toBe(first.id);
    expect((await current(alice.token)).body.endpoint).toBe("https://push.example/second");
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM web_push_subscriptions WHERE account_id = ?")
      .bind(Number(alice.account.id))
      .first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });

  it("publishes the instance's VAPID key as server_key, in instance v2 and as the app's vapid_key", async () => {
    const alice = await createTestUser();
    const sub = await subscribe(alice);
    const raw = b64urlDecode(sub.serverKey);
    expect(raw.length).toBe(65);
    expect(raw[0]).toBe(4);
    const instance = (await (await SELF.fetch(`${BASE}/api/v2/instance`)).json()) as {
      configuration: { vapid: { public_key: string } };
    };
    expect(instance.configuration.vapid.public_key).toBe(sub.serverKey);
    const app = (await (await api("/api/v1/apps/verify_credentials", { token: alice.token })).json()) as { vapid_key: string };
    expect(app.vapid_key).toBe(sub.serverKey);
    const created = (await (
      await api("/api/v1/apps", { json: { client_name: "push test", redirect_uris: "urn:ietf:wg:oauth:2.0:oob" } })
    ).json()) as { vapid_key: string };
    expect(created.vapid_key).toBe(sub.serverKey);
    // Kept: a second subscription on another account names the same key.
    expect((await subscribe(await createTestUser())).serverKey).toBe(sub.serverKey);
  });
});

describe("reading, updating and deleting", () => {
  it("answers 404 Record not found when the token has no subscription", async () => {
    const alice = await createTestUser();
    expect(await current(alice.token)).toEqual({ status: 404, body: { error: "Record not found" } });
    const put = await api(PATH, { token: alice.token, method: "PUT", json: { data: { alerts: { mention: true } } } });
    expect(put.status).toBe(404);
  });

  it("PUT replaces alerts and policy and keeps the endpoint and keys; PATCH too", async () => {
    const alice = await createTestUser();
    const sub = await subscribe(alice, { alerts: { mention: true, follow: true }, policy: "all" });
    const put = await api(PATH, {
      token: alice.token,
      method: "PUT",
      form: { "data[alerts][favourite]": "true", "data[policy]": "none" },
    });
    const body = (await put.json()) as Record<string, unknown>;
    expect(put.status).toBe(200);
    expectEntity("WebPushSubscription", body);
    expect(body).toEqual({ ...sub.body, alerts: { ...ALL_OFF, favourite: true }, policy: "none" });
    const patch = await api(PATH, { token: alice.token, method: "PATCH", json: { data: { alerts: { poll: true } } } });
    expect(await patch.json()).toMatchObject({ id: sub.id, alerts: { ...ALL_OFF, poll: true }, policy: "all" });
    expect((await current(alice.token)).body).toMatchObject({ alerts: { ...ALL_OFF, poll: true } });
  });

  it("DELETE removes it and answers {}; deleting again is fine", async () => {
    const alice = await createTestUser();
    await subscribe(alice);
    const del = await api(PATH, { token: alice.token, method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({});
    expect((await current(alice.token)).status).toBe(404);
    expect((await api(PATH, { token: alice.token, method: "DELETE" })).status).toBe(200);
  });
});

describe("authorization", () => {
  it("needs a token", async () => {
    const res = await SELF.fetch(`${BASE}${PATH}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "The access token is invalid" });
    expect((await api(PATH, { token: "not-a-token" })).status).toBe(401);
  });

  it("needs the push scope: read write follow is not enough", async () => {
    const alice = await createTestUser({ scopes: "read write follow" });
    const keys = await makeUserAgentKeys();
    const res = await api(PATH, {
      token: alice.token,
      json: { subscription: { endpoint: "https://push.example/x", keys: { p256dh: keys.p256dh, auth: keys.auth } } },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "This action is outside the authorized scopes" });
    expect((await api(PATH, { token: alice.token })).status).toBe(403);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM web_push_subscriptions WHERE account_id = ?")
      .bind(Number(alice.account.id))
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });
});

describe("bad input", () => {
  async function attempt(subscription: Record<string, unknown>) {
    const alice = await createTestUser();
    const before = await subscribe(alice, { endpoint: "https://push.example/kept" });
    const res = await api(PATH, { token: alice.token, json: { subscription, data: { alerts: { mention: true } } } });
    const body = (await res.json()) as { error: string; details?: unknown };
    // Nothing changed: the token's previous subscription is still the one.
    const after = await current(alice.token);
    expect(after.body).toEqual(before.body);
    return { status: res.status, body };
  }

  it("refuses endpoints that are not https URLs", async () => {
    const keys = await makeUserAgentKeys();
    for (const endpoint of ["http://push.example/plain", "ftp://push.example/x", "not a url", "https://user:pw@push.example/x"]) {
      const r = await attempt({ endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
      expect(r.status, endpoint).toBe(422);
      expect(r.body.error).toBe("Validation failed: Endpoint is invalid");
    }
  });

  it("refuses private addresses (loopback only in development)", async () => {
    const keys = await makeUserAgentKeys();
    for (const endpoint of ["https://10.0.0.8/push", "https://192.168.1.2/push", "https://[fd00::1]/push"]) {
      const r = await attempt({ endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
      expect(r.status, endpoint).toBe(422);
      expect(r.body.error).toBe("Validation failed: Endpoint is invalid");
    }
    const production = loadConfig({ ...env, ENVIRONMENT: "production", LOCAL_DOMAIN: "petrel.example" });
    for (const endpoint of ["https://127.0.0.1/push", "http://127.0.0.1:9999/push", "https://localhost/push"]) {
      const params = new Params({ subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } } });
      await expect(readNewSubscription(params, production), endpoint).rejects.toMatchObject({
        status: 422,
        message: "Validation failed: Endpoint is invalid",
      });
    }
    // Development (the test instance) lets a push service on loopback through.
    const dev = loadConfig(env);
    const ok = new Params({
      subscription: { endpoint: "http://127.0.0.1:9999/push", keys: { p256dh: keys.p256dh, auth: keys.auth } },
    });
    await expect(readNewSubscription(ok, dev)).resolves.toMatchObject({ endpoint: "http://127.0.0.1:9999/push" });
  });

  it("refuses a blank endpoint and blank keys with Mastodon's messages", async () => {
    const r = await attempt({ endpoint: "", keys: {} });
    expect(r.status).toBe(422);
    expect(r.body.error).toBe("Validation failed: Endpoint can't be blank, Key p256dh can't be blank, Key auth can't be blank");
  });

  it("refuses keys that are not an uncompressed P-256 point and a 16-byte secret", async () => {
    const keys = await makeUserAgentKeys();
    const offCurve = new Uint8Array(65);
    offCurve[0] = 4;
    offCurve[64] = 7;
    const compressed = keys.publicRaw.slice(0, 33);
    compressed[0] = 2 + ((keys.publicRaw[64] ?? 0) & 1);
    const cases: Array<[string, string]> = [
      [b64urlEncode(offCurve), keys.auth],
      [b64urlEncode(compressed), keys.auth],
      [b64urlEncode(keys.publicRaw.slice(0, 64)), keys.auth],
      ["not base64 at all!", keys.auth],
      [keys.p256dh, b64urlEncode(keys.authBytes.slice(0, 15))],
      [keys.p256dh, b64urlEncode(new Uint8Array(32))],
    ];
    for (const [p256dh, auth] of cases) {
      const r = await attempt({ endpoint: "https://push.example/x", keys: { p256dh, auth } });
      expect(r.status, `${p256dh} / ${auth}`).toBe(422);
      expect(r.body.error).toBe("Validation failed: is not a valid Ed25519 or Curve25519 key");
    }
  });

  it("refuses an unknown policy, and a request without subscription", async () => {
    const alice = await createTestUser();
    const keys = await makeUserAgentKeys();
    const res = await api(PATH, {
      token: alice.token,
      json: {
        subscription: { endpoint: "https://push.example/x", keys: { p256dh: keys.p256dh, auth: keys.auth } },
        data: { policy: "friends" },
      },
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: "Validation failed: Policy is not included in the list" });
    const missing = await api(PATH, { token: alice.token, json: { data: { alerts: { mention: true } } } });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: "param is missing or the value is empty: subscription" });
    expect((await current(alice.token)).status).toBe(404);
  });
});
