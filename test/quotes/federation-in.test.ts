/** Quote posts arriving over ActivityPub: Create/Update with a quote, and QuoteRequest for our statuses. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { LOCAL } from "../federation/helpers";
import {
  create,
  fixture,
  Harness,
  type Json,
  note,
  type Peer,
  peer,
  rebase,
  statusIdByUri,
} from "../federation/inbox-consumer-helpers";
import { createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, ok, value } from "../statuses/helpers";
import { type QuoteStatus, say } from "./helpers";

async function follow(u: TestUser, p: Peer): Promise<void> {
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), u.account.id, p.account.id, Date.now())
    .run();
}

const localUri = (u: TestUser, id: string) => `${LOCAL}/users/${u.account.username}/statuses/${id}`;

function quoteRequest(p: Peer, quoted: string, instrument: string): Json {
  return {
    "@context": ["https://www.w3.org/ns/activitystreams", { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest" }],
    id: `${p.actor.id}/quote_requests/${newId()}`,
    type: "QuoteRequest",
    actor: p.actor.id,
    object: quoted,
    instrument,
  };
}

describe("inbound quotes", { timeout: 30_000 }, () => {
  it("stores a legacy quote (fedibird quoteUri) of a local status as pending, and the post though no one follows", async () => {
    const h = new Harness();
    const [p, alice] = await Promise.all([peer("tester"), createTestUser()]);
    const original = await say(alice, "quote me");
    const doc = rebase(fixture("fedibird/object-note-quote-quoteuri_akkoma-fixtures.json"), {
      "https://fedibird.com/users/akkoma_ap_integration_tester": p.actor.id,
      "https://example.com/objects/43479e20-c0f8-4f49-bf7f-13fab8234924": localUri(alice, original.id),
    });
    await h.apply(create(p, doc));
    const id = await statusIdByUri(String(doc.id));
    expect(id).toBeDefined();
    const seen = await ok<QuoteStatus>(`/api/v1/statuses/${id}`, alice);
    expectEntity("Status", seen);
    expect(seen.quote).toEqual({ state: "pending", quoted_status: null });
    expect(await value("SELECT state FROM quotes WHERE status_id = ?", id)).toBe("pending");
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${original.id}`, alice)).quotes_count).toBe(0);
  });

  it("accepts a remote self-quote", async () => {
    const h = new Harness();
    const [p, reader] = await Promise.all([peer("self"), createTestUser()]);
    await follow(reader, p);
    const first = note(p, { content: "<p>first</p>" });
    await h.apply(create(p, first));
    const second = note(p, { content: "<p>second</p>", extra: { quote: first.id } });
    await h.apply(create(p, second));
    const id = await statusIdByUri(String(second.id));
    const seen = await ok<QuoteStatus>(`/api/v1/statuses/${id}`, reader);
    expectEntity("Status", seen);
    expect(seen.quote?.state).toBe("accepted");
    expect(seen.quote?.quoted_status?.id).toBe(String(await statusIdByUri(String(first.id))));
  });

  it("answers a QuoteRequest the policy allows with an Accept and a stamp; the quote is accepted and notified", async () => {
    const h = new Harness();
    const [p, alice] = await Promise.all([peer("quoter"), createTestUser()]);
    const original = await say(alice, "quote me");
    const quoted = localUri(alice, original.id);
    const quoting = note(p, { content: "<p>look</p>", extra: { quote: quoted } });
    h.net.json(String(quoting.id), quoting);
    const request = quoteRequest(p, quoted, String(quoting.id));
    await h.apply(request);

    const id = await statusIdByUri(String(quoting.id));
    expect(id).toBeDefined();
    const quoteId = await value<number>("SELECT id FROM quotes WHERE status_id = ?", id);
    const stamp = `${LOCAL}/users/${alice.account.username}/quote_authorizations/${quoteId}`;
    const [accept] = h.delivered();
    expect(accept).toMatchObject({
      type: "Accept",
      actor: `${LOCAL}/users/${alice.account.username}`,
      object: { id: request.id, type: "QuoteRequest", actor: p.actor.id, object: quoted, instrument: quoting.id },
      result: stamp,
    });
    const seen = await ok<QuoteStatus>(`/api/v1/statuses/${id}`, alice);
    expectEntity("Status", seen);
    expect(seen.quote?.state).toBe("accepted");
    expect(seen.quote?.quoted_status?.id).toBe(original.id);
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${original.id}`, alice)).quotes_count).toBe(1);
    expect(
      await count("SELECT 1 FROM notifications WHERE type = 'quote' AND account_id = ? AND status_id = ?", alice.account.id, id),
    ).toBe(1);
    // Their Update naming our stamp keeps it accepted; the list shows it.
    await h.apply({
      ...create(p, { ...quoting, quoteAuthorization: stamp, updated: new Date().toISOString() }),
      type: "Update",
      id: `${quoting.id}#updates/1`,
    });
    expect(await value("SELECT state FROM quotes WHERE status_id = ?", id)).toBe("accepted");
    expect((await ok<QuoteStatus[]>(`/api/v1/statuses/${original.id}/quotes`, alice)).map((s) => s.id)).toEqual([String(id)]);
  });

  it("rejects a QuoteRequest the policy denies, and ignores requests for statuses that are not ours", async () => {
    const h = new Harness();
    const [p, alice] = await Promise.all([peer("denied"), createTestUser()]);
    const original = await say(alice, { status: "nobody quotes me", quote_approval_policy: "nobody" });
    const quoted = localUri(alice, original.id);
    const quoting = note(p, { extra: { quote: quoted } });
    h.net.json(String(quoting.id), quoting);
    await h.apply(quoteRequest(p, quoted, String(quoting.id)));
    const [reject] = h.delivered();
    expect(reject).toMatchObject({ type: "Reject", object: { type: "QuoteRequest", object: quoted, instrument: quoting.id } });
    expect(reject?.result).toBeUndefined();
    expect(await count("SELECT 1 FROM quotes WHERE quoted_status_id = ? AND state = 'accepted'", Number(original.id))).toBe(0);

    await h.apply(quoteRequest(p, `${p.actor.id}/statuses/123`, String(quoting.id)));
    expect(h.delivered()).toHaveLength(1);
  });
});
