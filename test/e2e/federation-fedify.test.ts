/**
 * Petrel against an ActivityPub implementation that is not Petrel: a small Fedify 1.5.9 peer on
 * loopback (test/e2e/helpers/fedify-peer.ts). The peer follows a Petrel account and receives its
 * posts; a Petrel user follows the peer (through the client API) and receives its posts. Both
 * directions carry draft-cavage signatures made and checked by Fedify.
 *
 * Fedify 1.5.9 (the last release for Node 20) cannot sign or verify RFC 9421 (added in Fedify 1.6),
 * so RFC 9421 is covered here by an independent signer written in this file over node:crypto, from
 * the RFC's text: a Create signed by the peer's own key with RFC 9421 is accepted, and the same
 * signature over a changed body is refused.
 */
import { createHash, KeyObject, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { type FedifyPeer, startFedifyPeer, verifyRfc9421 } from "./helpers/fedify-peer";
import { byUri, eventually, type Json, resolve, type Session, signIn } from "./helpers/fediverse";

let petrel: DevServer;
let peer: FedifyPeer;
let bob: Session;
let daveOnPetrel: Json;

beforeAll(async () => {
  [petrel, peer] = await Promise.all([startDevServer(), startFedifyPeer()]);
  bob = await signIn(petrel, "bob");
}, 240_000);

afterAll(async () => {
  await Promise.all([petrel?.stop(), peer?.stop()]);
});

const bobActor = () => `${petrel.baseUrl}/users/bob`;

/** RFC 9421 §2.5 signature base and §4 headers, rsa-v1_5-sha256, with an RFC 9530 Content-Digest. */
function rfc9421Headers(
  url: string,
  body: string,
  keyId: string,
  privateKey: CryptoKey,
  created: number,
): Record<string, string> {
  const digest = `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
  const target = new URL(url);
  const components = ['"@method"', '"@target-uri"', '"@authority"', '"content-digest"', '"content-type"'];
  const params = `(${components.join(" ")});created=${created};keyid="${keyId}";alg="rsa-v1_5-sha256"`;
  const base = [
    `"@method": POST`,
    `"@target-uri": ${target.href}`,
    `"@authority": ${target.host}`,
    `"content-digest": ${digest}`,
    `"content-type": application/activity+json`,
    `"@signature-params": ${params}`,
  ].join("\n");
  const signature = sign("sha256", Buffer.from(base), KeyObject.from(privateKey)).toString("base64");
  return {
    "content-type": "application/activity+json",
    "content-digest": digest,
    "signature-input": `sig1=${params}`,
    signature: `sig1=:${signature}:`,
  };
}

describe("a Fedify peer", { timeout: 120_000 }, () => {
  it("is found by handle and followed from Petrel; its Accept (cavage-signed by Fedify) completes the follow", async () => {
    daveOnPetrel = await resolve(bob, `@${peer.username}@${peer.host}`, "accounts");
    expect(daveOnPetrel.acct).toBe(`${peer.username}@${peer.host}`);
    expect(daveOnPetrel.display_name).toBe("Dave of Fedify");
    await bob.post(`/api/v1/accounts/${daveOnPetrel.id}/follow`);
    // The Follow reached Fedify, which checked Petrel's signature before recording it.
    await eventually("Follow received by the peer", async () =>
      peer.received.find((a) => a.type === "Follow" && a.object === peer.actorId),
    );
    await eventually("Accept applied on Petrel", async () => {
      const [r] = await bob.get(`/api/v1/accounts/relationships?id[]=${daveOnPetrel.id}`);
      return r.following === true && r.requested === false;
    });
  });

  it("delivers the peer's posts to the Petrel follower", async () => {
    const noteId = await peer.post(bobActor(), "hello from fedify");
    const seen = await eventually("Fedify post in bob's home", async () =>
      byUri(await bob.get("/api/v1/timelines/home?limit=40"), noteId),
    );
    expect(seen.account.acct).toBe(`${peer.username}@${peer.host}`);
    expect(seen.content).toContain("hello from fedify");
    expect(seen.visibility).toBe("public");
  });

  it("follows a Petrel account from the peer and receives its posts (Petrel's cavage checked by Fedify)", async () => {
    await peer.follow(bobActor());
    await eventually("bob has the peer as a follower", async () => {
      const followers = await bob.get(`/api/v1/accounts/${bob.account.id}/followers`);
      return followers.some((a: Json) => a.acct === `${peer.username}@${peer.host}`);
    });
    await eventually("Petrel's Accept reached the peer", async () => peer.received.find((a) => a.type === "Accept"));
    const status = await bob.post("/api/v1/statuses", { status: "hello fedify, from petrel", visibility: "public" });
    const create = await eventually("Create received by the peer", async () =>
      peer.received.find((a) => a.type === "Create" && (a.object as Json)?.id === status.uri),
    );
    expect((create.object as Json).content).toContain("hello fedify, from petrel");
    expect(create.actor).toBe(bobActor());
  });

  it("accepts an RFC 9421-signed activity from the peer's key, and refuses it over a changed body", async () => {
    const inbox = `${petrel.baseUrl}/users/bob/inbox`;
    const noteId = `${peer.actorId}/notes/rfc9421`;
    const activity = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${noteId}/activity`,
      type: "Create",
      actor: peer.actorId,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      object: {
        id: noteId,
        type: "Note",
        attributedTo: peer.actorId,
        content: "<p>signed with RFC 9421</p>",
        to: ["https://www.w3.org/ns/activitystreams#Public"],
      },
    };
    const body = JSON.stringify(activity);
    const headers = rfc9421Headers(inbox, body, peer.keyId, peer.privateKey, Math.floor(Date.now() / 1000));

    const tampered = body.replace("signed with", "forged with");
    // The peer's own verifier (used below for Petrel's deliveries) agrees, so it can fail too.
    expect(await verifyRfc9421(new Request(inbox, { method: "POST", headers, body }), Buffer.from(body))).toBeNull();
    expect(await verifyRfc9421(new Request(inbox, { method: "POST", headers, body: tampered }), Buffer.from(tampered))).toBe(
      "Content-Digest mismatch",
    );
    const refused = await fetch(inbox, { method: "POST", headers, body: tampered });
    expect(refused.status).toBe(401);

    const accepted = await fetch(inbox, { method: "POST", headers, body });
    expect(accepted.status).toBe(202);
    const seen = await eventually("RFC 9421 post in bob's home", async () =>
      byUri(await bob.get("/api/v1/timelines/home?limit=40"), noteId),
    );
    expect(seen.content).toContain("signed with RFC 9421");
    const timeline = await bob.get("/api/v1/timelines/home?limit=40");
    expect(timeline.filter((s: Json) => s.content.includes("forged with"))).toEqual([]);
  });
});

describe("a peer that only takes RFC 9421", { timeout: 120_000 }, () => {
  it("gets Petrel's deliveries re-signed with RFC 9421 after refusing draft-cavage", async () => {
    peer.requireRfc9421 = true;
    try {
      const status = await bob.post("/api/v1/statuses", { status: "for an RFC 9421 peer", visibility: "public" });
      const create = await eventually("RFC 9421-signed Create at the peer", async () =>
        peer.receivedRfc9421.find((a) => a.type === "Create" && (a.object as Json)?.id === status.uri),
      );
      expect(create.actor).toBe(bobActor());
      expect((create.object as Json).content).toContain("for an RFC 9421 peer");
    } finally {
      peer.requireRfc9421 = false;
    }
  });
});
