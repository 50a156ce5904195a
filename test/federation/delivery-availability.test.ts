/**
 * What the DELIVERY consumer remembers per server: the signature style that works (RFC 9421 after a
 * 401), failure days and the 7-day rule (with an injected clock), resumption when the server answers
 * (a delivery or an activity to our inbox), and no loss when an invocation fails mid-batch.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { backoffSeconds } from "../../src/federation/delivery/policy";
import { createTestUser, uniqueName } from "../helpers/fixtures";
import {
  fakeBatch,
  MockInboxes,
  message,
  publicKeyOf,
  type RecordedRequest,
  runBatch,
  SpyQueue,
  server,
  verifyRecorded,
} from "./delivery-helpers";
import { FakeNetwork, federationApp, SpyQueue as InboxSpy, LOCAL, remoteActor, run, serveActor, signedPost } from "./helpers";

const DAY = 86_400_000;

async function originRow(origin: string) {
  return env.DB.prepare("SELECT signature_style, unavailable_since FROM remote_origins WHERE origin = ?")
    .bind(origin)
    .first<{ signature_style: string; unavailable_since: number | null }>();
}

async function failureDays(domain: string) {
  const rows = await env.DB.prepare("SELECT day, count FROM delivery_failures WHERE domain = ? ORDER BY day")
    .bind(domain)
    .all<{ day: string; count: number }>();
  return rows.results;
}

/** Answers 401 to draft-cavage signatures and 202 to RFC 9421 ones. */
function rfc9421Only(request: RecordedRequest): Response {
  return new Response(null, { status: request.headers.has("signature-input") ? 202 : 401 });
}

describe("DELIVERY signature style per origin", () => {
  it("switches to RFC 9421 after a 401, remembers it, and signs RFC 9421 first from then on", async () => {
    const { account } = await createTestUser();
    const origin = server();
    const inbox = `${origin}/inbox`;
    const net = new MockInboxes(0, rfc9421Only);
    const queue = new SpyQueue();

    const first = fakeBatch([message(account.id, [inbox])]);
    const stats = await runBatch(first.batch, queue, { fetch: net.fetch });
    expect(stats).toMatchObject({ delivered: 1, requests: 2 });
    expect((await originRow(origin))?.signature_style).toBe("rfc9421");

    const second = fakeBatch([message(account.id, [inbox])]);
    await runBatch(second.batch, queue, { fetch: net.fetch });
    expect(net.requests).toHaveLength(3);
    const last = net.requests[2] as RecordedRequest;
    const verified = await verifyRecorded(last, await publicKeyOf(account.id));
    expect(verified.ok && verified.value.scheme).toBe("rfc9421");
    expect(queue.sent).toEqual([]);
  });

  it("switches when a 400 carries Accept-Signature", async () => {
    const { account } = await createTestUser();
    const origin = server();
    const net = new MockInboxes(0, (r) =>
      r.headers.has("signature-input")
        ? new Response(null, { status: 202 })
        : new Response(null, { status: 400, headers: { "accept-signature": 'sig1=("@method" "@target-uri")' } }),
    );
    const { batch } = fakeBatch([message(account.id, [`${origin}/inbox`])]);
    const stats = await runBatch(batch, new SpyQueue(), { fetch: net.fetch });
    expect(stats.delivered).toBe(1);
    expect((await originRow(origin))?.signature_style).toBe("rfc9421");
  });
});

describe("DELIVERY failure days", () => {
  it("counts one row per UTC day, stops a domain after 7 failure days, and resumes when it posts to our inbox", async () => {
    const { account } = await createTestUser();
    const host = `${uniqueName("down").toLowerCase()}.example`;
    const origin = `https://${host}`;
    const inbox = `${origin}/inbox`;
    const start = Date.UTC(2026, 0, 1, 23, 0, 0);
    const net = new MockInboxes(0, () => new Response(null, { status: 500 }));
    const queue = new SpyQueue();
    const deliverAt = async (now: number, activity?: Record<string, unknown>) => {
      const fake = fakeBatch([message(account.id, [inbox], 0, activity)]);
      const stats = await runBatch(fake.batch, queue, { fetch: net.fetch, now: () => now });
      expect(fake.acked.size).toBe(1);
      return stats;
    };

    // Twice on the first day (23:00 and 23:30 UTC): still one day.
    await deliverAt(start);
    await deliverAt(start + 1_800_000);
    expect(await failureDays(host)).toEqual([{ day: "2026-01-01", count: 2 }]);
    for (let d = 1; d < 6; d++) await deliverAt(start + d * DAY);
    expect((await failureDays(host)).length).toBe(6);
    expect((await originRow(origin))?.unavailable_since ?? null).toBeNull();
    await deliverAt(start + 6 * DAY);
    expect((await originRow(origin))?.unavailable_since).toBe(start + 6 * DAY);

    // Stopped: acked and logged, no request, nothing re-enqueued.
    const requests = net.requests.length;
    const sent = queue.sent.length;
    const skipped = await deliverAt(start + 7 * DAY);
    expect(skipped).toMatchObject({ skipped: 1, requests: 0 });
    expect(net.requests.length).toBe(requests);
    expect(queue.sent.length).toBe(sent);
    // Follow requests still go out (Mastodon's bypass_availability).
    await deliverAt(start + 7 * DAY, { id: `${LOCAL}/follows/${uniqueName()}`, type: "Follow", actor: "x", object: "y" });
    expect(net.requests.length).toBe(requests + 1);

    // The server delivers an activity to our inbox: it is up again.
    const peer = await remoteActor(host);
    const fakeNet = new FakeNetwork();
    serveActor(fakeNet, peer);
    const followed = (await createTestUser()).account;
    const activity = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${peer.id}#follows/${uniqueName()}`,
      type: "Follow",
      actor: peer.id,
      object: `${LOCAL}/users/${followed.username}`,
    };
    const res = await run(federationApp(fakeNet.fetcher), await signedPost("/inbox", JSON.stringify(activity), peer), {
      INBOX: new InboxSpy().asQueue(),
    });
    expect(res.status).toBe(202);
    expect((await originRow(origin))?.unavailable_since ?? null).toBeNull();
    expect(await failureDays(host)).toEqual([]);

    const resumed = await deliverAt(start + 8 * DAY);
    expect(resumed).toMatchObject({ skipped: 0, requests: 1 });
  });

  it("a delivery the server takes clears its failure days", async () => {
    const { account } = await createTestUser();
    const origin = server();
    const inbox = `${origin}/inbox`;
    const host = new URL(origin).host;
    let up = false;
    const net = new MockInboxes(0, () => new Response(null, { status: up ? 202 : 503 }));
    const start = Date.UTC(2026, 1, 1);
    for (let d = 0; d < 3; d++) {
      const { batch } = fakeBatch([message(account.id, [inbox])]);
      await runBatch(batch, new SpyQueue(), { fetch: net.fetch, now: () => start + d * DAY });
    }
    expect((await failureDays(host)).length).toBe(3);
    up = true;
    const { batch } = fakeBatch([message(account.id, [inbox])]);
    await runBatch(batch, new SpyQueue(), { fetch: net.fetch, now: () => start + 3 * DAY });
    expect(await failureDays(host)).toEqual([]);
  });
});

describe("DELIVERY when an invocation fails", () => {
  it("does not ack until the failures are re-enqueued; the redelivered message loses nothing", async () => {
    const { account } = await createTestUser();
    const [ok, bad] = [`${server()}/inbox`, `${server()}/inbox`];
    const net = new MockInboxes();
    net.on(bad, () => new Response(null, { status: 500 }));
    const queue = new SpyQueue();
    queue.failing = true;
    const msg = message(account.id, [ok, bad]);
    const crashed = fakeBatch([msg], 2);

    await runBatch(crashed.batch, queue, { fetch: net.fetch });
    expect(crashed.acked.size).toBe(0);
    expect([...crashed.retried.values()]).toEqual([{ delaySeconds: backoffSeconds(1, () => 0) }]);

    // Queues hands the same message back: every inbox is tried again, `ok` gets a duplicate
    // (receivers dedupe by activity id), and `bad` is re-enqueued this time.
    queue.failing = false;
    const again = fakeBatch([msg], 3);
    await runBatch(again.batch, queue, { fetch: net.fetch });
    expect(net.requestsTo(ok)).toHaveLength(2);
    expect(queue.sent.map((s) => s.body.inboxes)).toEqual([[bad]]);
    expect(again.acked.size).toBe(1);
  });

  it("retries the whole message when its signing key cannot be loaded, sending nothing", async () => {
    const net = new MockInboxes();
    const { batch, acked, retried } = fakeBatch([message(987_654_321_012, [`${server()}/inbox`])]);
    await runBatch(batch, new SpyQueue(), { fetch: net.fetch });
    expect(net.requests).toEqual([]);
    expect(acked.size).toBe(0);
    expect(retried.size).toBe(1);
  });

  it("one failing message does not hold back the others of its batch", async () => {
    const { account } = await createTestUser();
    const net = new MockInboxes();
    const good = message(account.id, [`${server()}/inbox`]);
    const { batch, acked, retried } = fakeBatch([message(987_654_321_013, [`${server()}/inbox`]), good]);
    await runBatch(batch, new SpyQueue(), { fetch: net.fetch });
    expect(acked.size).toBe(1);
    expect(retried.size).toBe(1);
    expect(net.requests.map((r) => r.url)).toEqual(good.inboxes);
  });
});
