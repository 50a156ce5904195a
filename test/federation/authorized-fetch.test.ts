/**
 * Authorized-fetch mode through the real app (`createApp().fetch` with AUTHORIZED_FETCH=true):
 * signed GETs get the full actor, bad signatures get 401, unsigned ones get only the key, and the
 * instance actor stays fetchable without a signature.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { HOUR_MS } from "../../src/federation/signatures/policy";
import { createTestUser } from "../helpers/fixtures";
import {
  FakeNetwork,
  federationApp,
  LOCAL,
  remoteActor,
  rsaKeyPair,
  run,
  seedRemoteActor,
  serveActor,
  signedGet,
} from "./helpers";

const AUTHORIZED = { AUTHORIZED_FETCH: "true" };
const app = createApp();

describe("authorized fetch", () => {
  it("serves the full actor to a verified signed GET, privately cached", async () => {
    const { account } = await createTestUser();
    const peer = await remoteActor();
    await seedRemoteActor(peer);
    const res = await run(app, await signedGet(`/users/${account.username}`, peer), AUTHORIZED);
    expect(res.status).toBe(200);
    const doc = await res.json<Record<string, unknown>>();
    expect(doc).toHaveProperty("summary");
    expect(doc).toHaveProperty("followers");
    expect(res.headers.get("cache-control")).toMatch(/^private/);
    expect(res.headers.get("vary")).toContain("Signature");
  });

  it("accepts RFC 9421 signed GETs too", async () => {
    const { account } = await createTestUser();
    const peer = await remoteActor();
    await seedRemoteActor(peer);
    const res = await run(app, await signedGet(`/users/${account.username}`, peer, { scheme: "rfc9421" }), AUTHORIZED);
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty("summary");
  });

  it("answers 401 to a wrong, stale or unknown signature", async () => {
    const { account } = await createTestUser();
    const peer = await remoteActor();
    await seedRemoteActor(peer);
    const path = `/users/${account.username}`;
    const other = await rsaKeyPair();
    // The cached key fails, and the refetch (to a peer that does not answer here) fails too.
    const forged = await run(app, await signedGet(path, peer, { privateKey: other.privateKey }), AUTHORIZED);
    expect(forged.status).toBe(401);
    expect(forged.headers.get("content-type")).not.toMatch(/json/);
    const stale = await run(app, await signedGet(path, peer, { at: Date.now() - 13 * HOUR_MS }), AUTHORIZED);
    expect(stale.status).toBe(401);
    expect(await stale.text()).toMatch(/too old/);
  });

  it("fetches an unknown signer's key (signed by our instance actor) before answering", async () => {
    const { account } = await createTestUser();
    const net = new FakeNetwork();
    const peer = await remoteActor();
    serveActor(net, peer);
    const res = await run(federationApp(net.fetcher), await signedGet(`/users/${account.username}`, peer), AUTHORIZED);
    expect(res.status).toBe(200);
    expect(await res.json()).toHaveProperty("summary");
    const keyFetch = net.requestsTo(peer.id)[0];
    expect(keyFetch?.headers.get("signature")).toContain(`keyId="${LOCAL}/actor#main-key"`);
  });

  it("gives unsigned requests only what verifying a signature needs", async () => {
    const { account } = await createTestUser();
    const res = await run(
      app,
      new Request(`${LOCAL}/users/${account.username}`, { headers: { accept: "application/activity+json" } }),
      AUTHORIZED,
    );
    expect(res.status).toBe(200);
    const doc = await res.json<Record<string, unknown>>();
    expect(Object.keys(doc).sort()).toEqual([
      "@context",
      "endpoints",
      "id",
      "inbox",
      "outbox",
      "preferredUsername",
      "publicKey",
      "type",
      "url",
    ]);
  });

  it("never requires a signature for the instance actor", async () => {
    const res = await run(app, new Request(`${LOCAL}/actor`, { headers: { accept: "application/activity+json" } }), AUTHORIZED);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: "Application", publicKey: { id: `${LOCAL}/actor#main-key` } });
  });

  it("is off by default: unsigned requests get the full actor", async () => {
    const { account } = await createTestUser();
    const res = await run(
      app,
      new Request(`${LOCAL}/users/${account.username}`, { headers: { accept: "application/activity+json" } }),
    );
    expect(await res.json()).toHaveProperty("summary");
    expect(res.headers.get("cache-control")).toMatch(/^public/);
  });
});
