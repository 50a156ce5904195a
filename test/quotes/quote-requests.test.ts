/** Our QuoteRequests for quotes of remote statuses, their Accept/Reject, and revoking remote quotes. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { revokeQuote } from "../../src/services/quotes/quote-actions";
import { readComposeInput } from "../../src/services/statuses/compose";
import { postStatus } from "../../src/services/statuses/post";
import { Params } from "../../src/util/params";
import { LOCAL, SpyQueue } from "../federation/helpers";
import { create, Harness, type Json, note, type Peer, peer, statusIdByUri } from "../federation/inbox-consumer-helpers";
import { getJson } from "../federation/outbound-helpers";
import { config, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { ok, value } from "../statuses/helpers";
import { type QuoteStatus, say } from "./helpers";

async function follow(u: TestUser, p: Peer): Promise<void> {
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), u.account.id, p.account.id, Date.now())
    .run();
}

/** Posts through the service with spy queues, so the DELIVERY messages can be read. */
async function postQuote(user: TestUser, quotedId: number, text: string) {
  const delivery = new SpyQueue();
  const result = await postStatus(
    { db: db(), config: config(), fanout: new SpyQueue().asQueue(), delivery: delivery.asQueue() },
    { account: user.account, user: user.user },
    readComposeInput(new Params({ status: text, quoted_status_id: String(quotedId) })),
    { applicationId: null },
  );
  if (result.kind !== "status") throw new Error("not posted");
  return { result, delivered: delivery.sent.map((m) => (m as { activity: Json }).activity) };
}

describe("quotes of remote statuses", { timeout: 30_000 }, () => {
  it("stay pending, ask the author with a QuoteRequest, and follow their Accept and Reject", async () => {
    const h = new Harness();
    const [p, bob] = await Promise.all([peer("quoted"), createTestUser()]);
    await follow(bob, p);
    const unquotable = note(p, { content: "<p>no canQuote</p>" });
    await h.apply(create(p, unquotable));
    // Without interactionPolicy.canQuote a remote post's policy is nobody, as in Mastodon.
    await expect(postQuote(bob, (await statusIdByUri(String(unquotable.id))) as number, "x")).rejects.toThrow(
      "The post you are trying to quote does not appear to exist.",
    );
    const remoteNote = note(p, {
      content: "<p>remote</p>",
      extra: { interactionPolicy: { canQuote: { automaticApproval: "https://www.w3.org/ns/activitystreams#Public" } } },
    });
    await h.apply(create(p, remoteNote));
    const remoteId = (await statusIdByUri(String(remoteNote.id))) as number;
    const remoteSeen = await ok<QuoteStatus>(`/api/v1/statuses/${remoteId}`, bob);
    expect(remoteSeen.quote_approval).toEqual({ automatic: ["public"], manual: [], current_user: "automatic" });

    const { result, delivered } = await postQuote(bob, remoteId, "quoting a remote post");
    expect(result.body.quote).toEqual({ state: "pending", quoted_status: null });
    const quoteId = await value<number>("SELECT id FROM quotes WHERE status_id = ?", result.statusId);
    const bobActor = `${LOCAL}/users/${bob.account.username}`;
    const requestId = `${bobActor}/quote_requests/${quoteId}`;
    expect(delivered).toEqual([
      expect.objectContaining({
        id: requestId,
        type: "QuoteRequest",
        actor: bobActor,
        object: remoteNote.id,
        instrument: `${bobActor}/statuses/${result.statusId}`,
      }),
    ]);
    expect(await value("SELECT activity_uri FROM quotes WHERE id = ?", quoteId)).toBe(requestId);

    // Someone else's Accept, or one without a stamp on the author's origin, changes nothing.
    const other = await peer("other");
    const accept = (from: Peer, result: string | undefined): Json => ({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${from.actor.id}#accepts/${newId()}`,
      type: "Accept",
      actor: from.actor.id,
      object: {
        id: requestId,
        type: "QuoteRequest",
        actor: bobActor,
        object: remoteNote.id,
        instrument: `${bobActor}/statuses/${result}`,
      },
      ...(result ? { result } : {}),
    });
    await h.apply(accept(other, `${other.actor.id}/stamps/1`));
    await h.apply(accept(p, undefined));
    expect(await value("SELECT state FROM quotes WHERE id = ?", quoteId)).toBe("pending");

    const stamp = `${p.actor.id}/quote_authorizations/${newId()}`;
    await h.apply(accept(p, stamp));
    expect(await value("SELECT state FROM quotes WHERE id = ?", quoteId)).toBe("accepted");
    const seen = await ok<QuoteStatus>(`/api/v1/statuses/${result.statusId}`, bob);
    expectEntity("Status", seen);
    expect(seen.quote?.state).toBe("accepted");
    expect(seen.quote?.quoted_status?.id).toBe(String(remoteId));
    const object = await (await getJson(`/users/${bob.account.username}/statuses/${result.statusId}`)).json<Json>();
    expect(object).toMatchObject({ quote: remoteNote.id, quoteAuthorization: stamp });

    // Withdrawing the stamp (a Delete of it, by its author) revokes the quote; a Reject afterwards changes nothing.
    await h.apply({
      "@context": "https://www.w3.org/ns/activitystreams",
      id: `${stamp}#delete`,
      type: "Delete",
      actor: p.actor.id,
      object: stamp,
    });
    expect(await value("SELECT state FROM quotes WHERE id = ?", quoteId)).toBe("revoked");
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${remoteId}`, bob)).quotes_count).toBe(0);
    await h.apply({ ...accept(p, undefined), type: "Reject", id: `${p.actor.id}#rejects/${newId()}` });
    expect(await value("SELECT state FROM quotes WHERE id = ?", quoteId)).toBe("revoked");
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${result.statusId}`, bob)).quote).toEqual({
      state: "revoked",
      quoted_status: null,
    });
  });

  it("revoking a remote post's quote of ours sends the Delete of our stamp to its author", async () => {
    const h = new Harness();
    const [p, alice] = await Promise.all([peer("quoter"), createTestUser()]);
    const original = await say(alice, "quote me");
    const quoted = `${LOCAL}/users/${alice.account.username}/statuses/${original.id}`;
    const quoting = note(p, { extra: { quote: quoted } });
    h.net.json(String(quoting.id), quoting);
    await h.apply({
      id: `${p.actor.id}/quote_requests/${newId()}`,
      type: "QuoteRequest",
      actor: p.actor.id,
      object: quoted,
      instrument: quoting.id,
    });
    const quotingId = (await statusIdByUri(String(quoting.id))) as number;
    const quoteId = await value<number>("SELECT id FROM quotes WHERE status_id = ?", quotingId);

    const delivery = new SpyQueue();
    const revoked = await revokeQuote(
      { db: db(), config: config(), fanout: new SpyQueue().asQueue(), delivery: delivery.asQueue() },
      { id: alice.account.id, username: alice.account.username },
      original.id,
      String(quotingId),
    );
    expect(revoked.quote).toEqual({ state: "revoked", quoted_status: null });
    const stamp = `${LOCAL}/users/${alice.account.username}/quote_authorizations/${quoteId}`;
    expect(delivery.sent.map((m) => (m as { activity: Json }).activity)).toEqual([
      expect.objectContaining({ type: "Delete", actor: `${LOCAL}/users/${alice.account.username}`, object: stamp }),
    ]);
  });
});
