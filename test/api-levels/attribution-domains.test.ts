/**
 * API level 3 (Mastodon 4.4): `attribution_domains` on update_credentials, stored, returned in
 * CredentialAccount.source, published on the actor as `attributionDomains` and read from peers.
 */
import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../../src/db/schema";
import { parseActor } from "../../src/federation/vocab/actor";
import {
  canBeAttributedFrom,
  normalizeAttributionDomains,
  sanitizeRemoteAttributionDomains,
  validateAttributionDomains,
} from "../../src/services/attribution-domains";
import { remoteActor, seedRemoteActor } from "../federation/helpers";
import { api, BASE, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

const PATH = "/api/v1/accounts/update_credentials";

async function patch(token: string, body: { json?: unknown; form?: Record<string, string> }) {
  const res = await api(PATH, { token, method: "PATCH", ...body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function stored(id: number): Promise<string[]> {
  const [row] = await db().select({ d: accounts.attributionDomains }).from(accounts).where(eq(accounts.id, id));
  return row?.d ?? [];
}

describe("PATCH update_credentials attribution_domains", () => {
  it("stores the normalized list and returns it in CredentialAccount.source", async () => {
    const alice = await createTestUser();
    const res = await patch(alice.token, {
      json: { attribution_domains: ["https://example.com", "*.blog.example.org", "  ", "example.com", "bücher.example"] },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expectEntity("CredentialAccount", res.body);
    const want = ["example.com", "blog.example.org", "bücher.example"];
    expect((res.body.source as Record<string, unknown>).attribution_domains).toEqual(want);
    expect(await stored(alice.account.id)).toEqual(want);

    const verify = await api("/api/v1/accounts/verify_credentials", { token: alice.token });
    const body = (await verify.json()) as { source: { attribution_domains: string[] } };
    expectEntity("CredentialAccount", body);
    expect(body.source.attribution_domains).toEqual(want);
  });

  it("reads form-encoded lists, leaves the list alone when absent, and clears it with an empty list", async () => {
    const alice = await createTestUser();
    const form = await patch(alice.token, {
      form: { "attribution_domains[]": "news.example", display_name: "Alice" },
    });
    expect(form.status, JSON.stringify(form.body)).toBe(200);
    expect(await stored(alice.account.id)).toEqual(["news.example"]);

    const other = await patch(alice.token, { json: { display_name: "Alice B" } });
    expect(other.status).toBe(200);
    expect(await stored(alice.account.id)).toEqual(["news.example"]);

    const cleared = await patch(alice.token, { json: { attribution_domains: [] } });
    expect(cleared.status).toBe(200);
    expect((cleared.body.source as Record<string, unknown>).attribution_domains).toEqual([]);
    expect(await stored(alice.account.id)).toEqual([]);
  });

  it("refuses invalid domains with Mastodon's 422 and changes nothing", async () => {
    const alice = await createTestUser();
    await patch(alice.token, { json: { attribution_domains: ["keep.example"] } });
    const res = await patch(alice.token, {
      json: { display_name: "Changed", attribution_domains: ["ok.example", "not a domain", "exa_mple.com", "a/b.example"] },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe(
      "Validation failed: Attribution domains not a domain is not a valid domain name, " +
        "Attribution domains exa_mple.com is not a valid domain name, Attribution domains a/b.example is not a valid domain name",
    );
    expect(res.body.details).toEqual({
      attribution_domains: [
        { error: "ERR_INVALID", description: "not a domain is not a valid domain name" },
        { error: "ERR_INVALID", description: "exa_mple.com is not a valid domain name" },
        { error: "ERR_INVALID", description: "a/b.example is not a valid domain name" },
      ],
    });
    expect(await stored(alice.account.id)).toEqual(["keep.example"]);
    const [row] = await db().select().from(accounts).where(eq(accounts.id, alice.account.id));
    expect(row?.displayName).toBe(alice.account.displayName);
  });

  it("refuses more than 100 domains", async () => {
    const alice = await createTestUser();
    const many = Array.from({ length: 101 }, (_, i) => `site${i}.example`);
    const res = await patch(alice.token, { json: { attribution_domains: many } });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("Validation failed: Attribution domains is too long (maximum is 100 characters)");
    expect(await stored(alice.account.id)).toEqual([]);

    const hundred = await patch(alice.token, { json: { attribution_domains: many.slice(0, 100) } });
    expect(hundred.status).toBe(200);
    expect(await stored(alice.account.id)).toHaveLength(100);
  });

  it("refuses a list of objects", async () => {
    const alice = await createTestUser();
    const res = await patch(alice.token, { json: { attribution_domains: [{ domain: "x.example" }] } });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("Validation failed: Attribution domains must be a list of domain names");
    expect(await stored(alice.account.id)).toEqual([]);
  });
});

describe("federation", () => {
  it("publishes attributionDomains on the actor with its toot context term", async () => {
    const alice = await createTestUser();
    await patch(alice.token, { json: { attribution_domains: ["blog.example"] } });
    const res = await SELF.fetch(`${BASE}/users/${alice.account.username}`, { headers: { accept: "application/activity+json" } });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { attributionDomains: string[]; "@context": unknown[] };
    expect(doc.attributionDomains).toEqual(["blog.example"]);
    expect(doc["@context"][2]).toMatchObject({
      attributionDomains: { "@id": "toot:attributionDomains", "@type": "@id" },
    });
  });

  it("stores a remote actor's valid attributionDomains only", async () => {
    const actor = await remoteActor();
    actor.document.attributionDomains = ["Writer.Example", "not valid", 7, "writer.example"];
    const account = await seedRemoteActor(actor);
    expect(account.attributionDomains).toEqual(["Writer.Example", "writer.example"]);

    const parsed = parseActor({ ...actor.document, attributionDomains: undefined, "toot:attributionDomains": "x.example" });
    expect(parsed.ok && parsed.value.attributionDomains).toEqual(["x.example"]);
  });
});

describe("rules", () => {
  it("normalizes like Mastodon: prefixes dropped, blanks dropped, first of duplicates kept, case kept", () => {
    expect(normalizeAttributionDomains([" http://a.example ", "https://A.example", "*.b.example", "", "a.example"])).toEqual([
      "a.example",
      "A.example",
      "b.example",
    ]);
  });

  it("judges validity on the punycode form", () => {
    expect(validateAttributionDomains(["bücher.example", "xn--bcher-kva.example", "UPPER.example"])).toEqual([]);
    expect(validateAttributionDomains([`${"a".repeat(64)}.example`])).toHaveLength(1);
    expect(validateAttributionDomains(["a..example"])).toHaveLength(1);
  });

  it("attributes a page from a listed domain or its subdomains only", () => {
    expect(canBeAttributedFrom(["example.com"], "news.example.com")).toBe(true);
    expect(canBeAttributedFrom(["Example.com"], "example.com")).toBe(true);
    expect(canBeAttributedFrom(["example.com"], "badexample.com")).toBe(false);
    expect(canBeAttributedFrom([], "example.com")).toBe(false);
  });

  it("caps remote lists at 100", () => {
    expect(sanitizeRemoteAttributionDomains(Array.from({ length: 150 }, (_, i) => `s${i}.example`))).toHaveLength(100);
    expect(sanitizeRemoteAttributionDomains("one.example")).toEqual(["one.example"]);
    expect(sanitizeRemoteAttributionDomains({})).toEqual([]);
  });
});
