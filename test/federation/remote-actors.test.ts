/** Resolving remote actors into account rows, and finding the keys behind signatures. */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../../src/db/schema";
import { remoteContext } from "../../src/federation/fetch";
import { getActorKey, resolveActor } from "../../src/federation/remote-actors";
import { config, db, uniqueName } from "../helpers/fixtures";
import { FakeNetwork, LOCAL, remoteActor, serveActor } from "./helpers";

describe("resolveActor", () => {
  it("stores a remote actor with sanitized HTML, its key, images, flags and collections", async () => {
    const net = new FakeNetwork();
    const peer = await remoteActor();
    peer.document = {
      ...peer.document,
      type: "Service",
      url: [{ type: "Link", href: `${peer.id}/profile`, mediaType: "text/html" }],
      manuallyApprovesFollowers: true,
      discoverable: true,
      indexable: true,
      published: "2020-05-01T12:00:00Z",
      icon: { type: "Image", mediaType: "image/png", url: "https://cdn.example/a.png" },
      image: { type: "Image", url: "https://cdn.example/h.png" },
      attachment: [{ type: "PropertyValue", name: "Site", value: '<a href="https://a.example" onclick="x()">a</a><img src=x>' }],
      alsoKnownAs: ["https://old.example/users/alice"],
    };
    serveActor(net, peer);
    const result = await resolveActor(remoteContext(db(), config(), net.fetcher), peer.id);
    if (!result.ok) throw new Error(result.reason);
    const host = new URL(peer.id).host;
    expect(result.account).toMatchObject({
      username: "alice",
      acctKey: `alice@${host}`,
      domain: host,
      uri: peer.id,
      url: `${peer.id}/profile`,
      inboxUrl: `${peer.id}/inbox`,
      sharedInboxUrl: `https://${host}/inbox`,
      outboxUrl: `${peer.id}/outbox`,
      followersUrl: `${peer.id}/followers`,
      publicKeyPem: peer.publicKeyPem,
      publicKeyId: peer.keyId,
      privateKeySealed: null,
      avatar: "https://cdn.example/a.png",
      header: "https://cdn.example/h.png",
      locked: true,
      bot: true,
      discoverable: true,
      indexable: true,
      alsoKnownAs: ["https://old.example/users/alice"],
      createdAt: Date.parse("2020-05-01T12:00:00Z"),
    });
    expect(result.account.note).toBe('<p>Hi <a rel="nofollow noopener" target="_blank">there</a></p>');
    expect(result.account.fields).toEqual([
      { name: "Site", value: '<a href="https://a.example" rel="nofollow noopener" target="_blank">a</a>', verified_at: null },
    ]);
    expect(result.account.fetchedAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it("reuses a fresh copy, refetches on request, and keeps the row's id", async () => {
    const net = new FakeNetwork();
    const peer = await remoteActor();
    serveActor(net, peer);
    const ctx = remoteContext(db(), config(), net.fetcher);
    const first = await resolveActor(ctx, peer.id);
    const second = await resolveActor(ctx, peer.id);
    expect(net.requests).toHaveLength(1);
    peer.document = { ...peer.document, name: "Renamed" };
    serveActor(net, peer);
    const third = await resolveActor(ctx, peer.id, { refresh: true });
    expect(net.requests).toHaveLength(2);
    if (!first.ok || !second.ok || !third.ok) throw new Error("resolve failed");
    expect(third.account.id).toBe(first.account.id);
    expect(third.account.displayName).toBe("Renamed");
  });

  it("refuses an actor served by another origin than its id, and our own actors", async () => {
    const net = new FakeNetwork();
    const peer = await remoteActor();
    const impostor = `https://${uniqueName("evil")}.example/users/alice`;
    net.json(impostor, peer.document);
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect(await resolveActor(ctx, impostor)).toMatchObject({ ok: false, reason: expect.stringMatching(/was served by/) });
    expect(await db().select().from(accounts).where(eq(accounts.uri, peer.id))).toEqual([]);
    expect(await resolveActor(ctx, `${LOCAL}/users/someone`)).toMatchObject({ ok: false });
    expect(net.requestsTo(`${LOCAL}/users/someone`)).toEqual([]);
  });

  it("hands a handle to the actor that now holds it when the peer recreated the account", async () => {
    const net = new FakeNetwork();
    const host = `${uniqueName("peer")}.example`;
    const old = await remoteActor(host, "alice");
    serveActor(net, old);
    const ctx = remoteContext(db(), config(), net.fetcher);
    const before = await resolveActor(ctx, old.id);
    const recreated = await remoteActor(host, "alice");
    const newId = `https://${host}/users/alice2`;
    recreated.document = {
      ...recreated.document,
      id: newId,
      publicKey: { id: `${newId}#main-key`, owner: newId, publicKeyPem: recreated.publicKeyPem },
    };
    net.json(newId, recreated.document);
    const after = await resolveActor(ctx, newId);
    if (!before.ok || !after.ok) throw new Error("resolve failed");
    expect(after.account.acctKey).toBe(`alice@${host}`);
    const [retired] = await db().select().from(accounts).where(eq(accounts.id, before.account.id));
    expect(retired?.acctKey).toMatch(new RegExp(`^alice@${host.replace(/\./g, "\\.")}#retired-`));
  });

  it("reports a deleted actor as gone", async () => {
    const net = new FakeNetwork();
    const peer = await remoteActor();
    net.json(peer.id, {}, { status: 410 });
    expect(await resolveActor(remoteContext(db(), config(), net.fetcher), peer.id)).toMatchObject({ ok: false, gone: true });
  });
});

describe("getActorKey", () => {
  it("finds a key by fetching its actor, then from the cache without fetching", async () => {
    const net = new FakeNetwork();
    const peer = await remoteActor();
    serveActor(net, peer);
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect(await getActorKey(ctx, peer.keyId)).toMatchObject({ status: "ok", fromCache: false, key: { owner: peer.id } });
    expect(await getActorKey(ctx, peer.keyId)).toMatchObject({ status: "ok", fromCache: true, key: { owner: peer.id } });
    expect(net.requests).toHaveLength(1);
  });

  it("refuses a key whose owner lives on another origin", async () => {
    const net = new FakeNetwork();
    const peer = await remoteActor();
    const keyId = `https://${uniqueName("keys")}.example/key`;
    net.json(keyId, { id: keyId, owner: peer.id, publicKeyPem: peer.publicKeyPem });
    serveActor(net, peer);
    expect(await getActorKey(remoteContext(db(), config(), net.fetcher), keyId)).toMatchObject({
      status: "error",
      reason: expect.stringMatching(/another origin/),
    });
  });

  it("limits refetches after a failed verification to one a minute", async () => {
    const net = new FakeNetwork();
    const peer = await remoteActor();
    serveActor(net, peer);
    const ctx = remoteContext(db(), config(), net.fetcher);
    await getActorKey(ctx, peer.keyId);
    expect(await getActorKey(ctx, peer.keyId, { refresh: true })).toMatchObject({ status: "error" });
    expect(net.requests).toHaveLength(1);
  });
});
