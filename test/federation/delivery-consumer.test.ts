/**
 * The DELIVERY consumer against mock inboxes: signing, per-inbox retry with Mastodon's backoff,
 * Retry-After, permanent refusals, 410, timeouts, the dead-letter record and the concurrency cap.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { backoffSeconds, MAX_DELIVERY_ATTEMPT, retryDelaySeconds } from "../../src/federation/delivery/policy";
import { accountSigningKey, ensureInstanceActorKey } from "../../src/federation/keys";
import { config, createTestUser, db } from "../helpers/fixtures";
import { fakeBatch, MockInboxes, message, publicKeyOf, runBatch, SpyQueue, server, verifyRecorded } from "./delivery-helpers";

describe("DELIVERY consumer", () => {
  it("signs once per distinct inbox with a signature that verifies with the actor's key, and acks", async () => {
    const { account } = await createTestUser();
    const [a, b] = [server(), server()];
    const inboxes = [`${a}/inbox`, `${a}/users/bob/inbox`, `${b}/inbox`];
    const net = new MockInboxes();
    const queue = new SpyQueue();
    const msg = message(account.id, [...inboxes, inboxes[0] as string]);
    const { batch, acked, retried } = fakeBatch([msg]);

    const stats = await runBatch(batch, queue, { fetch: net.fetch });

    expect(net.requests.map((r) => r.url).sort()).toEqual([...inboxes].sort());
    expect(stats).toMatchObject({ delivered: 3, requests: 3, failed: 0 });
    const pem = await publicKeyOf(account.id);
    const expectedBody = JSON.stringify(msg.activity);
    for (const request of net.requests) {
      const verified = await verifyRecorded(request, pem);
      expect(verified.ok, JSON.stringify(verified)).toBe(true);
      if (verified.ok) expect(verified.value.scheme).toBe("cavage");
      expect(request.headers.get("signature")).toContain('algorithm="rsa-sha256"');
      expect(request.headers.get("content-type")).toBe("application/activity+json");
      expect(new TextDecoder().decode(request.body)).toBe(expectedBody);
    }
    // Each inbox got its own signature (the signed request target differs).
    expect(new Set(net.requests.map((r) => r.headers.get("signature"))).size).toBe(3);
    expect(acked.size).toBe(1);
    expect(retried.size).toBe(0);
    expect(queue.sent).toEqual([]);
  });

  it("signs with the instance actor's key when actorId is null", async () => {
    const net = new MockInboxes();
    const inbox = `${server()}/inbox`;
    const { batch, acked } = fakeBatch([message(null, [inbox])]);
    await runBatch(batch, new SpyQueue(), { fetch: net.fetch });
    const { publicKeyPem, keyId } = await ensureInstanceActorKey(db(), config());
    const request = net.requests[0];
    if (!request) throw new Error("no request");
    const verified = await verifyRecorded(request, publicKeyPem);
    expect(verified.ok && verified.value.keyId).toBe(keyId);
    expect(acked.size).toBe(1);
  });

  it("re-enqueues only the inboxes that answered 500, with attempt+1 and the backoff delay", async () => {
    const { account } = await createTestUser();
    const [ok, bad] = [`${server()}/inbox`, `${server()}/inbox`];
    const net = new MockInboxes();
    net.on(bad, () => new Response("oops", { status: 500 }));
    const queue = new SpyQueue();
    const msg = message(account.id, [ok, bad], 3);
    const { batch, acked } = fakeBatch([msg]);

    await runBatch(batch, queue, { fetch: net.fetch, random: () => 0.55 });

    // 3**4 + 15 + floor(0.55 * 10) * (3 + 1) = 81 + 15 + 20
    expect(backoffSeconds(3, () => 0.55)).toBe(116);
    expect(queue.sent).toEqual([{ body: { ...msg, inboxes: [bad], attempt: 4 }, delaySeconds: 116 }]);
    expect(acked.size).toBe(1);
  });

  it("treats a timeout as transient and aborts the request", async () => {
    const { account } = await createTestUser();
    const slow = `${server()}/inbox`;
    const net = new MockInboxes();
    net.on(slow, () => "hang");
    const queue = new SpyQueue();
    const { batch, acked } = fakeBatch([message(account.id, [slow])]);

    const stats = await runBatch(batch, queue, { fetch: net.fetch, timeoutMs: 50 });

    expect(net.aborted).toBe(1);
    expect(stats.failed).toBe(1);
    expect(queue.sent.map((s) => [s.body.inboxes, s.body.attempt, s.delaySeconds])).toEqual([[[slow], 1, 15]]);
    expect(acked.size).toBe(1);
  });

  it("drops a 410 Gone inbox and never retries a 400 or a 404", async () => {
    const { account } = await createTestUser();
    const [gone, bad, missing] = [`${server()}/inbox`, `${server()}/inbox`, `${server()}/inbox`];
    const net = new MockInboxes();
    net.on(gone, () => new Response("gone", { status: 410 }));
    net.on(bad, () => new Response("bad", { status: 400 }));
    net.on(missing, () => new Response("nope", { status: 404 }));
    const queue = new SpyQueue();
    const { batch, acked } = fakeBatch([message(account.id, [gone, bad, missing])]);

    const stats = await runBatch(batch, queue, { fetch: net.fetch });

    expect(stats).toMatchObject({ gone: 1, refused: 2, failed: 0 });
    expect(net.requests).toHaveLength(3);
    expect(queue.sent).toEqual([]);
    expect(acked.size).toBe(1);
  });

  it("retries 401, 408 and 429 (they are salvageable)", async () => {
    const { account } = await createTestUser();
    const inboxes = [`${server()}/inbox`, `${server()}/inbox`, `${server()}/inbox`];
    const net = new MockInboxes();
    for (const [i, inbox] of inboxes.entries()) net.on(inbox, () => new Response(null, { status: [401, 408, 429][i] }));
    const queue = new SpyQueue();
    const { batch } = fakeBatch([message(account.id, inboxes)]);
    await runBatch(batch, queue, { fetch: net.fetch });
    expect(queue.sent.flatMap((s) => s.body.inboxes).sort()).toEqual([...inboxes].sort());
  });

  it("honours Retry-After on 429 (seconds) and 503 (HTTP date)", async () => {
    const { account } = await createTestUser();
    const [limited, down] = [`${server()}/inbox`, `${server()}/inbox`];
    const now = Date.UTC(2026, 10, 22, 12, 0, 0);
    const net = new MockInboxes();
    net.on(limited, () => new Response(null, { status: 429, headers: { "retry-after": "3600" } }));
    net.on(down, () => new Response(null, { status: 503, headers: { "retry-after": new Date(now + 7_200_000).toUTCString() } }));
    const queue = new SpyQueue();
    const msg = message(account.id, [limited, down]);
    const { batch, acked } = fakeBatch([msg]);

    await runBatch(batch, queue, { fetch: net.fetch, now: () => now });

    const delays = new Map(queue.sent.map((s) => [s.body.inboxes.join(), s.delaySeconds]));
    expect(delays.get(limited)).toBe(3600);
    expect(delays.get(down)).toBe(7200);
    expect(queue.sent.every((s) => s.body.attempt === 1)).toBe(true);
    expect(acked.size).toBe(1);
    // Never more than the Queues maximum, whatever the peer asks.
    expect(retryDelaySeconds(0, 10 * 86_400)).toBe(43_200);
  });

  it("writes the inboxes still failing after the last round to dead_letters instead of re-enqueueing", async () => {
    const { account } = await createTestUser();
    const [ok, bad] = [`${server()}/inbox`, `${server()}/inbox`];
    const net = new MockInboxes();
    net.on(bad, () => new Response(null, { status: 502 }));
    const queue = new SpyQueue();
    const msg = message(account.id, [ok, bad], MAX_DELIVERY_ATTEMPT);
    const { batch, acked } = fakeBatch([msg]);

    await runBatch(batch, queue, { fetch: net.fetch });

    expect(queue.sent).toEqual([]);
    expect(acked.size).toBe(1);
    const rows = await env.DB.prepare("SELECT body, attempts FROM dead_letters WHERE queue = 'petrel-delivery' AND body LIKE ?")
      .bind(`%${bad}%`)
      .all<{ body: string; attempts: number }>();
    expect(rows.results).toHaveLength(1);
    const row = rows.results[0];
    expect(row?.attempts).toBe(MAX_DELIVERY_ATTEMPT + 1);
    expect(JSON.parse(row?.body ?? "{}")).toEqual({ ...msg, inboxes: [bad] });
  });

  it("keeps at most 6 requests in flight across all messages of the batch", async () => {
    const { account } = await createTestUser();
    const messages = [0, 1, 2].map(() => {
      const host = server();
      return message(
        account.id,
        Array.from({ length: 20 }, (_, i) => `${host}/users/u${i}/inbox`),
      );
    });
    const net = new MockInboxes(20);
    const { batch, acked } = fakeBatch(messages);

    const stats = await runBatch(batch, new SpyQueue(), { fetch: net.fetch });

    expect(stats.delivered).toBe(60);
    expect(net.maxInFlight).toBe(6);
    expect(acked.size).toBe(3);
  });

  it("starts no request after the invocation's budget and re-enqueues the rest in the same round, at once", async () => {
    const { account } = await createTestUser();
    const host = server();
    const inboxes = Array.from({ length: 20 }, (_, i) => `${host}/users/u${i}/inbox`);
    // The key exists already, so the budget is spent on requests, not on generating it.
    await accountSigningKey(db(), config(), account.id);
    const net = new MockInboxes(100);
    const queue = new SpyQueue();
    const msg = message(account.id, inboxes, 2);
    const { batch, acked } = fakeBatch([msg]);

    const stats = await runBatch(batch, queue, { fetch: net.fetch, budgetMs: 150 });

    const tried = net.requests.map((r) => r.url);
    expect(tried.length).toBeGreaterThanOrEqual(6);
    expect(tried.length).toBeLessThan(20);
    expect(stats).toMatchObject({ delivered: tried.length, deferred: 20 - tried.length, failed: 0 });
    expect(queue.sent).toEqual([{ body: { ...msg, inboxes: inboxes.filter((i) => !tried.includes(i)) }, delaySeconds: 0 }]);
    expect(acked.size).toBe(1);
  });

  it("dead-letters a malformed message at once and acks it", async () => {
    const { batch, acked, retried } = fakeBatch([{ type: "delivery", v: 1, inboxes: "nope" }]);
    await runBatch(batch, new SpyQueue(), { fetch: new MockInboxes().fetch });
    expect(acked.size).toBe(1);
    expect(retried.size).toBe(0);
    const row = await env.DB.prepare("SELECT 1 AS x FROM dead_letters WHERE body = ?")
      .bind(JSON.stringify({ type: "delivery", v: 1, inboxes: "nope" }))
      .first();
    expect(row).not.toBeNull();
  });
});
