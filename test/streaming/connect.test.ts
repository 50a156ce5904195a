/**
 * Opening a stream: where the token may come from, the sub-protocol echo, and every refusal with
 * Mastodon's message (before the upgrade for the token, as error frames for subscriptions).
 */
import { env, runDurableObjectAlarm, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accountShard } from "../../src/streaming/shards";
import { BASE, createTestUser } from "../helpers/fixtures";
import { connected, openStream } from "./helpers";

describe("GET /api/v1/streaming", () => {
  it("upgrades with the token in the sub-protocol and echoes it", async () => {
    const user = await createTestUser();
    const { res, socket } = await openStream("", { token: user.token, via: "protocol" });
    expect(res.status).toBe(101);
    expect(res.headers.get("sec-websocket-protocol")).toBe(user.token);
    socket?.close();
  });

  it("accepts the token from Authorization and from access_token", async () => {
    const user = await createTestUser();
    for (const via of ["header", "query"] as const) {
      const { res, socket } = await openStream("stream=user", { token: user.token, via });
      expect(res.status).toBe(101);
      expect(res.headers.get("sec-websocket-protocol")).toBeNull();
      socket?.close();
    }
  });

  it("refuses a bad token before the upgrade", async () => {
    const { res, socket } = await openStream("stream=user", { token: "not-a-token" });
    expect(res.status).toBe(401);
    expect(socket).toBeUndefined();
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({ error: "Invalid access token" });
  });

  it("refuses a token that can read nothing", async () => {
    const user = await createTestUser({ scopes: "write follow" });
    const { res, socket } = await openStream("stream=public", { token: user.token });
    expect(res.status).toBe(401);
    expect(socket).toBeUndefined();
    expect(await res.json()).toEqual({ error: "Access token does not have the required scopes" });
  });

  it("lets read:notifications stream notifications only", async () => {
    const user = await createTestUser({ scopes: "read:notifications" });
    const socket = await connected("stream=public", { token: user.token });
    await socket.waitFor((f) => f.error === "Access token does not have the required scopes");
    expect(socket.frames[0]).toEqual({ error: "Access token does not have the required scopes", status: 401 });
    socket.subscribe("user:notification");
    await socket.barrier();
    expect(socket.frames.filter((f) => f.error)).toHaveLength(1);
    socket.close();
  });

  it("opens public streams without a token, and refuses user streams there", async () => {
    const socket = await connected("stream=public");
    socket.subscribe("user");
    await socket.waitFor((f) => f.error === "Missing access token");
    expect(socket.frames).toEqual([{ error: "Missing access token", status: 401 }]);
    socket.close();
  });

  it("answers an unknown stream with Mastodon's error frame and keeps the socket", async () => {
    const user = await createTestUser();
    const socket = await connected("stream=nonsense", { token: user.token });
    await socket.waitFor((f) => f.error !== undefined);
    expect(socket.frames[0]).toEqual({ error: "Unknown stream type", status: 400 });
    socket.subscribe("hashtag");
    await socket.waitFor((f) => f.error === "Missing tag name parameter");
    socket.subscribe("list");
    await socket.waitFor((f) => f.error === "Missing list name parameter");
    expect(socket.closed).toBeUndefined();
    socket.close();
  });

  it("ignores malformed messages, as Mastodon does", async () => {
    const user = await createTestUser();
    const socket = await connected("", { token: user.token });
    socket.send("{not json");
    socket.send({ type: "dance", stream: "user" });
    socket.send([1, 2]);
    socket.send({ type: "subscribe" });
    await socket.waitFor((f) => f.error === "Unknown stream type");
    expect(socket.frames).toEqual([{ error: "Unknown stream type", status: 400 }]);
    expect(socket.closed).toBeUndefined();
    socket.close();
  });

  it("closes the socket with 1003 on a binary frame", async () => {
    const user = await createTestUser();
    const socket = await connected("stream=user", { token: user.token });
    socket.ws.send(new Uint8Array([1, 2, 3]));
    const started = Date.now();
    while (!socket.closed && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 25));
    expect(socket.closed?.code).toBe(1003);
  });

  it("closes a socket with 1008 at the keep-alive sweep once its token is revoked or its account suspended", async () => {
    const [revoked, suspended, fine] = [await createTestUser(), await createTestUser(), await createTestUser()];
    const sockets = [
      await connected("stream=user", { token: revoked.token }),
      await connected("stream=user", { token: suspended.token }),
      await connected("stream=user", { token: fine.token }),
    ];
    await env.DB.prepare("UPDATE oauth_access_tokens SET revoked_at = ? WHERE user_id = ?")
      .bind(Date.now(), revoked.user.id)
      .run();
    await env.DB.prepare("UPDATE accounts SET suspended_at = ? WHERE id = ?").bind(Date.now(), suspended.account.id).run();
    for (const u of [revoked, suspended, fine]) await runDurableObjectAlarm(accountShard(env, u.account.id));
    const started = Date.now();
    while (!(sockets[0]?.closed && sockets[1]?.closed) && Date.now() - started < 5000)
      await new Promise((r) => setTimeout(r, 25));
    expect(sockets.map((s) => s.closed?.code)).toEqual([1008, 1008, undefined]);
    sockets[2]?.close();
  });

  it("answers ping with pong", async () => {
    const user = await createTestUser();
    const socket = await connected("", { token: user.token });
    const pong = new Promise<string>((resolve) =>
      socket.ws.addEventListener("message", (e) => {
        if (e.data === "pong") resolve(e.data);
      }),
    );
    socket.ws.send("ping");
    expect(await pong).toBe("pong");
    socket.close();
  });

  it("answers /api/v1/streaming/health and refuses a plain GET", async () => {
    const health = await SELF.fetch(`${BASE}/api/v1/streaming/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("OK");
    const plain = await SELF.fetch(`${BASE}/api/v1/streaming`);
    expect(plain.status).toBe(400);
  });
});
