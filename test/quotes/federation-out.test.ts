import { describe, expect, it } from "vitest";
import { LOCAL } from "../federation/helpers";
import { getJson, PUBLIC } from "../federation/outbound-helpers";
import { api, createTestUser } from "../helpers/fixtures";
import { value } from "../statuses/helpers";
import { quote, say } from "./helpers";

type Json = Record<string, unknown>;

describe("quote posts as ActivityPub objects", { timeout: 30_000 }, () => {
  it("a local quote's Note names the quoted status, its stamp and the quote policy; the stamp is served", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "quote me");
    const q = await quote(bob, original.id, "quoting", { quote_approval_policy: "followers" });
    const quoteId = await value<number>("SELECT id FROM quotes WHERE status_id = ?", Number(q.id));
    const aliceActor = `${LOCAL}/users/${alice.account.username}`;
    const bobActor = `${LOCAL}/users/${bob.account.username}`;
    const originalUri = `${aliceActor}/statuses/${original.id}`;
    const stamp = `${aliceActor}/quote_authorizations/${quoteId}`;

    const res = await getJson(`/users/${bob.account.username}/statuses/${q.id}`);
    expect(res.status).toBe(200);
    const note = await res.json<Json>();
    expect(note).toMatchObject({
      quote: originalUri,
      quoteUri: originalUri,
      _misskey_quote: originalUri,
      quoteUrl: originalUri,
      quoteAuthorization: stamp,
      interactionPolicy: { canQuote: { automaticApproval: [`${bobActor}/followers`] } },
    });
    const context = (note["@context"] as unknown[])[1] as Json;
    expect(context.quote).toBe("https://w3id.org/fep/044f#quote");
    expect(context.quoteAuthorization).toEqual({ "@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id" });

    const plain = await (await getJson(`/users/${alice.account.username}/statuses/${original.id}`)).json<Json>();
    expect(plain.quote).toBeUndefined();
    expect(plain.interactionPolicy).toEqual({ canQuote: { automaticApproval: [PUBLIC] } });
    const nobody = await say(alice, { status: "mine only", quote_approval_policy: "nobody" });
    const nobodyNote = await (await getJson(`/users/${alice.account.username}/statuses/${nobody.id}`)).json<Json>();
    expect(nobodyNote.interactionPolicy).toEqual({ canQuote: { automaticApproval: [aliceActor] } });

    const served = await getJson(`/users/${alice.account.username}/quote_authorizations/${quoteId}`);
    expect(served.status).toBe(200);
    expect(await served.json<Json>()).toMatchObject({
      id: stamp,
      type: "QuoteAuthorization",
      attributedTo: aliceActor,
      interactingObject: `${bobActor}/statuses/${q.id}`,
      interactionTarget: originalUri,
    });
    // Under someone else's name, or once revoked, there is no stamp.
    expect((await getJson(`/users/${bob.account.username}/quote_authorizations/${quoteId}`)).status).toBe(404);
    expect(
      (await api(`/api/v1/statuses/${original.id}/quotes/${q.id}/revoke`, { token: alice.token, method: "POST" })).status,
    ).toBe(200);
    expect((await getJson(`/users/${alice.account.username}/quote_authorizations/${quoteId}`)).status).toBe(404);
    const revoked = await (await getJson(`/users/${bob.account.username}/statuses/${q.id}`)).json<Json>();
    expect(revoked.quote).toBe(originalUri);
    expect(revoked.quoteAuthorization).toBeUndefined();
  });
});
