/** Actor documents as peers fetch them: shape, content negotiation, and the instance actor. */
import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import mastodonActor from "../../../shared/fixtures/mastodon/actor-person_lemmy-assets.json";
import academyActor from "../../../shared/fixtures/mastodon/actor-person-activitypub-academy_fedify-fixtures.json";
import { accounts, users } from "../../src/db/schema";
import { instanceActorWebfinger } from "../../src/federation/actor";
import { parseActor } from "../../src/federation/vocab/actor";
import { BASE, config, createTestUser, db } from "../helpers/fixtures";

const AS_JSON = "application/activity+json";
const LD_JSON = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

function get(path: string, accept?: string) {
  return SELF.fetch(`${BASE}${path}`, { headers: accept ? { accept } : {}, redirect: "manual" });
}

async function actorJson(path: string, accept = AS_JSON): Promise<Record<string, unknown>> {
  const res = await get(path, accept);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/activity\+json/);
  return res.json<Record<string, unknown>>();
}

describe("GET /users/:username", () => {
  it("serves Mastodon's actor field set with a stable key", async () => {
    const { account } = await createTestUser();
    const id = `${BASE}/users/${account.username}`;
    const doc = await actorJson(`/users/${account.username}`);
    // Every field Mastodon serves, except the retired E2EE `devices` collection.
    const mastodonKeys = new Set([...Object.keys(mastodonActor), ...Object.keys(academyActor)]);
    mastodonKeys.delete("devices");
    mastodonKeys.delete("icon"); // only with an avatar, as in Mastodon
    for (const key of mastodonKeys) expect(doc, key).toHaveProperty(key);
    expect(doc).toMatchObject({
      id,
      type: "Person",
      preferredUsername: account.username,
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      followers: `${id}/followers`,
      following: `${id}/following`,
      featured: `${id}/collections/featured`,
      featuredTags: `${id}/collections/tags`,
      url: `${BASE}/@${account.username}`,
      manuallyApprovesFollowers: false,
      discoverable: false,
      indexable: false,
      memorial: false,
      endpoints: { sharedInbox: `${BASE}/inbox` },
      publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/) },
      tag: [],
      attachment: [],
    });
    expect(doc.published).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    const context = doc["@context"] as unknown[];
    expect(context.slice(0, 2)).toEqual(["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]);
    expect(context[2]).toMatchObject({
      manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
      toot: "http://joinmastodon.org/ns#",
      schema: "http://schema.org#",
      PropertyValue: "schema:PropertyValue",
      discoverable: "toot:discoverable",
      indexable: "toot:indexable",
      memorial: "toot:memorial",
      suspended: "toot:suspended",
      featured: { "@id": "toot:featured", "@type": "@id" },
      alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" },
    });

    const again = await actorJson(`/users/${account.username}`, LD_JSON);
    expect((again.publicKey as { publicKeyPem: string }).publicKeyPem).toBe(
      (doc.publicKey as { publicKeyPem: string }).publicKeyPem,
    );

    // What we serve is what we would accept from a peer.
    const parsed = parseActor(doc);
    expect(parsed.ok && parsed.value.publicKey?.id).toBe(`${id}#main-key`);
  });

  it("shows profile fields as PropertyValue, bots as Service, locked accounts as locked", async () => {
    const { account } = await createTestUser();
    await db()
      .update(accounts)
      .set({
        bot: true,
        locked: true,
        note: "<p>bio</p>",
        fields: [{ name: "Site", value: "https://example.com", verified_at: null }],
      })
      .where(eq(accounts.id, account.id));
    const doc = await actorJson(`/users/${account.username}`);
    expect(doc.type).toBe("Service");
    expect(doc.manuallyApprovesFollowers).toBe(true);
    expect(doc.summary).toBe("<p>bio</p>");
    expect(doc.attachment).toEqual([
      { type: "PropertyValue", name: "Site", value: expect.stringContaining('<a href="https://example.com"') },
    ]);
    const parsed = parseActor(doc);
    expect(parsed.ok && parsed.value.fields[0]?.name).toBe("Site");
  });

  it("redirects browsers to the profile page and answers JSON to any ActivityPub Accept", async () => {
    const { account } = await createTestUser();
    for (const accept of ["text/html,application/xhtml+xml", undefined, "*/*"]) {
      const res = await get(`/users/${account.username}`, accept);
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe(`${BASE}/@${account.username}`);
    }
    await actorJson(`/users/${account.username}`, `${AS_JSON}, ${LD_JSON}`);
    await actorJson(`/users/${account.username.toUpperCase()}`, "application/json");
  });

  it("answers 404 for unknown and unapproved accounts; a suspended one is an emptied actor marked suspended", async () => {
    expect((await get("/users/nobody_at_all_here", AS_JSON)).status).toBe(404);
    expect((await get("/users/not-a-name!", AS_JSON)).status).toBe(404);
    const pending = await createTestUser();
    await db().update(users).set({ approved: false }).where(eq(users.id, pending.user.id));
    expect((await get(`/users/${pending.account.username}`, AS_JSON)).status).toBe(404);
    const suspended = await createTestUser();
    await db().update(accounts).set({ suspendedAt: Date.now() }).where(eq(accounts.id, suspended.account.id));
    await db()
      .update(accounts)
      .set({ displayName: "Spammer", note: "<p>buy</p>", fields: [{ name: "shop", value: "x", verified_at: null }] })
      .where(eq(accounts.id, suspended.account.id));
    // Mastodon serves a suspended actor (a 410 would make peers delete the account for good).
    const doc = await actorJson(`/users/${suspended.account.username}`);
    expect(doc).toMatchObject({
      id: `${BASE}/users/${suspended.account.username}`,
      suspended: true,
      name: "",
      summary: "",
      attachment: [],
    });
    expect((doc.publicKey as { publicKeyPem: string }).publicKeyPem).toContain("BEGIN PUBLIC KEY");
    expect(doc).not.toHaveProperty("icon");
    const page = await get(`/users/${suspended.account.username}`, "text/html");
    expect(page.status).toBe(403);
  });
});

describe("GET /actor", () => {
  it("serves the instance actor unsigned: an Application named after the domain, with its key", async () => {
    const doc = await actorJson("/actor");
    expect(doc).toMatchObject({
      id: `${BASE}/actor`,
      type: "Application",
      preferredUsername: "petrel.test",
      inbox: `${BASE}/actor/inbox`,
      manuallyApprovesFollowers: true,
      endpoints: { sharedInbox: `${BASE}/inbox` },
      publicKey: { id: `${BASE}/actor#main-key`, owner: `${BASE}/actor` },
    });
    const parsed = parseActor(doc);
    expect(parsed.ok && parsed.value.bot).toBe(true);
  });
});

describe("instanceActorWebfinger (for /.well-known/webfinger)", () => {
  it("names the instance actor for Mastodon's acct:domain@domain, instance.actor and its URI", () => {
    const cfg = config();
    for (const resource of [
      "acct:petrel.test@petrel.test",
      "petrel.test@petrel.test",
      "acct:instance.actor@petrel.test",
      `${BASE}/actor`,
    ]) {
      expect(instanceActorWebfinger(cfg, resource), resource).toEqual({
        subject: "acct:petrel.test@petrel.test",
        aliases: [`${BASE}/actor`],
        links: [
          { rel: "http://webfinger.net/rel/profile-page", type: "text/html", href: `${BASE}/about/more?instance_actor=true` },
          { rel: "self", type: "application/activity+json", href: `${BASE}/actor` },
        ],
      });
    }
    for (const resource of [
      "acct:alice@petrel.test",
      "acct:petrel.test@elsewhere.example",
      "acct:instance.actor@elsewhere.example",
    ]) {
      expect(instanceActorWebfinger(cfg, resource), resource).toBeUndefined();
    }
  });
});
