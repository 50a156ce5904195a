/**
 * The inbox's per-request shortcuts keep their promises: the per-isolate public key cache is bounded
 * and least-recently-used, the key row lookup cannot be captured by another actor claiming the same
 * key id, bodies are read whole whether or not they declare a length, the queue-size check holds for
 * bodies that grow when re-serialized, and id-less activities dedupe on the digest's hash.
 */
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { toHex } from "../../src/crypto/encoding";
import { inboxActivities } from "../../src/db/schema";
import {
  cachedPublicKeyCount,
  derToPem,
  importPublicKey,
  isPublicKeyCached,
  PUBLIC_KEY_CACHE_LIMIT,
} from "../../src/federation/signatures/crypto-keys";
import type { InboxMessage } from "../../src/queue/messages";
import { createTestUser, db } from "../helpers/fixtures";
import {
  FakeNetwork,
  federationApp,
  LOCAL,
  type RemoteActor,
  remoteActor,
  run,
  SpyQueue,
  seedRemoteActor,
  serveActor,
  signedPost,
} from "./helpers";

let net: FakeNetwork;
let peer: RemoteActor;
let spy: SpyQueue;
let target: string;

async function post(request: Request | Promise<Request>): Promise<Response> {
  return run(federationApp(net.fetcher), await request, { INBOX: spy.asQueue() });
}

function follow(actor: RemoteActor, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actor.id}#follows/${crypto.randomUUID()}`,
    type: "Follow",
    actor: actor.id,
    object: target,
    ...extra,
  };
}

async function dedupeRows(activityId: string): Promise<number> {
  return (await db().select().from(inboxActivities).where(eq(inboxActivities.activityId, activityId))).length;
}

async function ed25519Pem(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  return derToPem(new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer), "PUBLIC KEY");
}

beforeEach(async () => {
  net = new FakeNetwork();
  peer = await remoteActor();
  serveActor(net, peer);
  spy = new SpyQueue();
  const { account } = await createTestUser();
  target = `${LOCAL}/users/${account.username}`;
});

describe("the per-isolate public key cache", () => {
  it("stays within its bound and evicts the least recently used key first", async () => {
    const first = await ed25519Pem();
    const second = await ed25519Pem();
    await importPublicKey(first, "ed25519");
    await importPublicKey(second, "ed25519");
    // Enough new keys to push both out in insertion order; `first` is used again all along.
    for (let i = 0; i < PUBLIC_KEY_CACHE_LIMIT; i++) {
      await importPublicKey(await ed25519Pem(), "ed25519");
      if (i % 100 === 0) await importPublicKey(first, "ed25519");
    }
    await importPublicKey(first, "ed25519");
    expect(cachedPublicKeyCount()).toBe(PUBLIC_KEY_CACHE_LIMIT);
    expect(isPublicKeyCached(first)).toBe(true);
    expect(isPublicKeyCached(second)).toBe(false);
  });
});

describe("POST /inbox on its hot path", () => {
  it("verifies with the key of the actor its key id points into, even when another actor claims that key id", async () => {
    // An impostor on another server publishes the peer's key id with its own key, and is stored first.
    const impostor = await remoteActor();
    impostor.document.publicKey = { id: peer.keyId, owner: impostor.id, publicKeyPem: impostor.publicKeyPem };
    await seedRemoteActor(impostor);
    await seedRemoteActor(peer);
    const activity = follow(peer);
    const res = await post(signedPost("/inbox", JSON.stringify(activity), peer));
    expect(res.status, await res.text()).toBe(202);
    expect(spy.sent).toHaveLength(1);
    expect(net.requests).toHaveLength(0);
  });

  it("reads a body without a declared length (chunked) as well as one with it", async () => {
    await seedRemoteActor(peer);
    for (const chunked of [true, false]) {
      const activity = follow(peer);
      const signed = await signedPost("/inbox", JSON.stringify(activity), peer);
      const bytes = new Uint8Array(await signed.arrayBuffer());
      const headers = new Headers(signed.headers);
      let body: BodyInit = bytes;
      if (chunked) {
        headers.delete("content-length");
        body = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes.subarray(0, 100));
            controller.enqueue(bytes.subarray(100));
            controller.close();
          },
        });
      } else {
        headers.set("content-length", String(bytes.length));
      }
      const res = await post(new Request(signed.url, { method: "POST", headers, body }));
      expect(res.status, await res.text()).toBe(202);
      expect(await dedupeRows(String(activity.id))).toBe(1);
    }
    expect(spy.sent).toHaveLength(2);
  });

  it("refuses an activity that would outgrow a queue message once re-serialized (413), and stores nothing", async () => {
    await seedRemoteActor(peer);
    // 30 KB of `1e20,` serialize as 21-digit numbers: about 130 KB, over the queue's cap.
    const activity = follow(peer);
    const body = `${JSON.stringify(activity).slice(0, -1)},"numbers":[${Array(6_000).fill("1e20").join(",")}]}`;
    expect(body.length).toBeLessThan(40_000);
    const res = await post(signedPost("/inbox", body, peer));
    expect(res.status).toBe(413);
    expect(await res.text()).toMatch(/too large to queue/);
    expect(spy.sent).toEqual([]);
    expect(await dedupeRows(String(activity.id))).toBe(0);
  });

  it("dedupes an id-less Delete on the SHA-256 of its exact body, for both signature schemes", async () => {
    await seedRemoteActor(peer);
    for (const scheme of ["cavage", "rfc9421"] as const) {
      const body = JSON.stringify({
        "@context": "https://www.w3.org/ns/activitystreams",
        type: "Delete",
        actor: peer.id,
        object: `${peer.id}/statuses/${crypto.randomUUID()}`,
      });
      const hash = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body))));
      expect((await post(signedPost("/inbox", body, peer, { scheme }))).status).toBe(202);
      expect((await post(signedPost("/inbox", body, peer, { scheme }))).status).toBe(202);
      expect(await dedupeRows(`urn:sha-256:${hash}`)).toBe(1);
    }
    expect(spy.sent).toHaveLength(2);
    expect((spy.sent[0] as InboxMessage).activity.type).toBe("Delete");
  });
});
