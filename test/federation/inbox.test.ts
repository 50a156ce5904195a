/**
 * POST /inbox and /users/:name/inbox: every bad input gets its status and leaves nothing behind
 * (no inbox_activities row, nothing sent to INBOX); a valid activity is stored once and enqueued once.
 */
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { accounts, inboxActivities } from "../../src/db/schema";
import { HOUR_MS } from "../../src/federation/signatures/policy";
import type { InboxMessage } from "../../src/queue/messages";
import { createTestUser, db } from "../helpers/fixtures";
import {
  FakeNetwork,
  federationApp,
  LOCAL,
  type RemoteActor,
  remoteActor,
  rsaKeyPair,
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
let counter = 0;

function follow(actor: RemoteActor, extra: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actor.id}#follows/${Date.now()}-${counter}`,
    type: "Follow",
    actor: actor.id,
    object: target,
    ...extra,
  };
}

async function post(request: Request | Promise<Request>): Promise<Response> {
  return run(federationApp(net.fetcher), await request, { INBOX: spy.asQueue() });
}

async function stored(activityId: unknown): Promise<number> {
  const rows = await db()
    .select()
    .from(inboxActivities)
    .where(eq(inboxActivities.activityId, String(activityId)));
  return rows.length;
}

/** The request was refused with `status`, logged nothing into the dedupe table and queued nothing. */
async function expectRefused(res: Response, status: number, activityId: unknown, reason?: RegExp): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  if (reason) expect(text).toMatch(reason);
  expect(res.headers.get("content-type") ?? "").not.toMatch(/json/);
  expect(spy.sent).toEqual([]);
  expect(await stored(activityId)).toBe(0);
}

beforeEach(async () => {
  net = new FakeNetwork();
  peer = await remoteActor();
  serveActor(net, peer);
  spy = new SpyQueue();
  const { account } = await createTestUser();
  target = `${LOCAL}/users/${account.username}`;
});

describe("POST /inbox accepts", () => {
  it("a signed activity from a remote actor: 202, stored once, enqueued once, actor cached", async () => {
    const activity = follow(peer);
    const res = await post(signedPost("/inbox", JSON.stringify(activity), peer));
    expect(res.status).toBe(202);
    expect(spy.sent).toHaveLength(1);
    const message = spy.sent[0] as InboxMessage;
    expect(message).toMatchObject({ type: "inbox.activity", v: 1, activity, actorUri: peer.id });
    expect(message.receivedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(message.actorGone).toBeUndefined();
    expect(await stored(activity.id)).toBe(1);

    const [account] = await db().select().from(accounts).where(eq(accounts.uri, peer.id));
    expect(account).toMatchObject({ username: "alice", inboxUrl: `${peer.id}/inbox`, publicKeyId: peer.keyId });
    expect(account?.note).not.toMatch(/script|javascript/);
    expect(account?.displayName).toBe("Alice <b>Remote</b>");
  });

  it("through the app itself, from an actor already known (no fetch needed)", async () => {
    await seedRemoteActor(peer);
    const res = await run(createApp(), await signedPost("/inbox", JSON.stringify(follow(peer)), peer), { INBOX: spy.asQueue() });
    expect(res.status).toBe(202);
    expect(spy.sent).toHaveLength(1);
  });

  it("a replay of the same activity with 202 and nothing new enqueued", async () => {
    const body = JSON.stringify(follow(peer));
    expect((await post(signedPost("/inbox", body, peer))).status).toBe(202);
    expect((await post(signedPost("/inbox", body, peer))).status).toBe(202);
    expect(spy.sent).toHaveLength(1);
  });

  it("RFC 9421 signatures, on the personal inbox too", async () => {
    const res = await post(
      signedPost(`${new URL(target).pathname}/inbox`, JSON.stringify(follow(peer)), peer, { scheme: "rfc9421" }),
    );
    expect(res.status).toBe(202);
    expect(spy.sent).toHaveLength(1);
  });

  it("a key rotated since we cached it, by refetching the actor once", async () => {
    await seedRemoteActor(peer);
    await db()
      .update(accounts)
      .set({ fetchedAt: Date.now() - 10 * 60_000 })
      .where(eq(accounts.uri, peer.id));
    const rotated = await rsaKeyPair();
    peer.document = { ...peer.document, publicKey: { id: peer.keyId, owner: peer.id, publicKeyPem: rotated.publicKeyPem } };
    serveActor(net, peer);
    const res = await post(signedPost("/inbox", JSON.stringify(follow(peer)), peer, { privateKey: rotated.privateKey }));
    expect(res.status).toBe(202);
    expect(net.requestsTo(peer.id)).toHaveLength(1);
  });

  it("GoToSocial's separate key document, whose owner points back to the key", async () => {
    const keyId = `${peer.id}/main-key`;
    peer.document = { ...peer.document, publicKey: { id: keyId, owner: peer.id, publicKeyPem: peer.publicKeyPem } };
    serveActor(net, peer);
    net.json(keyId, { id: peer.id, type: "Person", preferredUsername: "alice", publicKey: peer.document.publicKey });
    const res = await post(signedPost("/inbox", JSON.stringify(follow(peer)), peer, { keyId }));
    expect(res.status).toBe(202);
  });

  it("a Delete of an actor whose key answers 410 Gone, unverified but marked", async () => {
    net.json(peer.id, {}, { status: 410 });
    const activity = {
      id: `${peer.id}#delete`,
      type: "Delete",
      actor: peer.id,
      object: peer.id,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
    };
    const res = await post(signedPost("/inbox", JSON.stringify(activity), peer));
    expect(res.status).toBe(202);
    expect(spy.sent).toEqual([expect.objectContaining({ actorUri: peer.id, actorGone: true })]);
  });

  it("activities of types we do not act on, with 202 and nothing enqueued", async () => {
    const res = await post(signedPost("/inbox", JSON.stringify({ ...follow(peer), type: "Dislike" }), peer));
    expect(res.status).toBe(202);
    expect(spy.sent).toEqual([]);
  });
});

describe("POST /inbox refuses", () => {
  it("an unsigned request (401)", async () => {
    const activity = follow(peer);
    const res = await post(
      new Request(`${LOCAL}/inbox`, {
        method: "POST",
        headers: { "content-type": "application/activity+json" },
        body: JSON.stringify(activity),
      }),
    );
    await expectRefused(res, 401, activity.id, /not signed/);
  });

  it("a signature by another key (401)", async () => {
    const activity = follow(peer);
    const other = await rsaKeyPair();
    const res = await post(signedPost("/inbox", JSON.stringify(activity), peer, { privateKey: other.privateKey }));
    await expectRefused(res, 401, activity.id, /does not verify/);
  });

  it("a body that does not match its digest (401), before fetching any key", async () => {
    const activity = follow(peer);
    const signed = await signedPost("/inbox", JSON.stringify(activity), peer);
    const tampered = new Request(signed.url, {
      method: "POST",
      headers: signed.headers,
      body: JSON.stringify({ ...activity, type: "Block" }),
    });
    await expectRefused(await post(tampered), 401, activity.id, /does not match the body/);
    expect(net.requests).toEqual([]);
  });

  it("a stale or future date (401)", async () => {
    const old = follow(peer);
    await expectRefused(
      await post(signedPost("/inbox", JSON.stringify(old), peer, { at: Date.now() - 13 * HOUR_MS })),
      401,
      old.id,
      /too old/,
    );
    const future = follow(peer);
    await expectRefused(
      await post(signedPost("/inbox", JSON.stringify(future), peer, { at: Date.now() + 2 * HOUR_MS })),
      401,
      future.id,
      /in the future/,
    );
  });

  it("an activity whose actor is not the key's owner (401)", async () => {
    const mallory = await remoteActor(new URL(peer.id).host, "mallory");
    serveActor(net, mallory);
    const activity = follow(peer, { actor: mallory.id, id: `${mallory.id}#f` });
    await expectRefused(await post(signedPost("/inbox", JSON.stringify(activity), peer)), 401, activity.id, /does not belong/);
  });

  it("a key document whose owner does not list the key (401)", async () => {
    const keyId = `${peer.id}/other-key`;
    net.json(keyId, { id: keyId, owner: peer.id, publicKeyPem: peer.publicKeyPem });
    const activity = follow(peer);
    await expectRefused(
      await post(signedPost("/inbox", JSON.stringify(activity), peer, { keyId })),
      401,
      activity.id,
      /does not list key/,
    );
  });

  it("a signature claiming one of our own keys (401)", async () => {
    const activity = follow(peer, { actor: target, id: `${target}#f` });
    const res = await post(signedPost("/inbox", JSON.stringify(activity), peer, { keyId: `${target}#main-key` }));
    await expectRefused(res, 401, activity.id);
  });

  it("a Delete of something else while the actor is gone (401)", async () => {
    net.json(peer.id, {}, { status: 410 });
    const activity = { id: `${peer.id}/statuses/1#delete`, type: "Delete", actor: peer.id, object: `${peer.id}/statuses/1` };
    await expectRefused(await post(signedPost("/inbox", JSON.stringify(activity), peer)), 401, activity.id, /gone/);
  });

  it("a body over 1 MB (413), whether or not it says so", async () => {
    const activity = follow(peer, { content: "x".repeat(1_100_000) });
    await expectRefused(await post(signedPost("/inbox", JSON.stringify(activity), peer)), 413, activity.id);
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 20) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await post(
      new Request(`${LOCAL}/inbox`, { method: "POST", body: stream, headers: { "content-type": "application/activity+json" } }),
    );
    await expectRefused(res, 413, activity.id);
  });

  it("malformed JSON (400)", async () => {
    await expectRefused(await post(signedPost("/inbox", '{"type": "Follow",', peer)), 400, "none", /not JSON/);
    await expectRefused(await post(signedPost("/inbox", "[1, 2]", peer)), 400, "none", /not a JSON object/);
  });

  it("an activity of a supported type but a broken shape (400)", async () => {
    const activity = follow(peer, { type: "Move" });
    await expectRefused(await post(signedPost("/inbox", JSON.stringify(activity), peer)), 400, activity.id, /Move has no target/);
  });

  it("an activity id on another server than its actor (400)", async () => {
    const activity = follow(peer, { id: "https://victim.example/activities/1" });
    await expectRefused(
      await post(signedPost("/inbox", JSON.stringify(activity), peer)),
      400,
      activity.id,
      /not on the actor's server/,
    );
  });

  it("delivery to an unknown local user (404)", async () => {
    const activity = follow(peer);
    await expectRefused(
      await post(signedPost("/users/nobody_here_at_all/inbox", JSON.stringify(activity), peer)),
      404,
      activity.id,
    );
  });

  it("to keep the activity when the queue is down (503), so the peer's retry is not a replay", async () => {
    spy.fail = true;
    const activity = follow(peer);
    const body = JSON.stringify(activity);
    const res = await post(signedPost("/inbox", body, peer));
    await expectRefused(res, 503, activity.id);
    spy.fail = false;
    expect((await post(signedPost("/inbox", body, peer))).status).toBe(202);
    expect(spy.sent).toHaveLength(1);
  });
});
