import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { statuses, users } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { PETREL_VERSION } from "../../src/version";
import { api, BASE, createTestUser, db } from "../helpers/fixtures";

const NODEINFO_20 = "http://nodeinfo.diaspora.software/ns/schema/2.0";
const NODEINFO_21 = "http://nodeinfo.diaspora.software/ns/schema/2.1";
const TEMPLATE = `${BASE}/.well-known/webfinger?resource={uri}`;

interface Nodeinfo {
  version: string;
  software: Record<string, string>;
  protocols: string[];
  services: { outbound: string[]; inbound: string[] };
  usage: { users: { total: number; activeMonth: number; activeHalfyear: number }; localPosts: number };
  openRegistrations: boolean;
  metadata: { nodeName: string; nodeDescription: string };
}

describe("GET /.well-known/host-meta", () => {
  it("serves XRD with the lrdd template on the web domain", async () => {
    const res = await api("/.well-known/host-meta");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/xrd\+xml/);
    const xml = await res.text();
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(xml).toContain('<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">');
    expect(xml).toContain(`<Link rel="lrdd" template="${TEMPLATE}"/>`);
  });

  it("serves JSON with ?format=json, with an Accept header asking for JSON, and at host-meta.json", async () => {
    const expected = { links: [{ rel: "lrdd", template: TEMPLATE }] };
    for (const res of [
      await api("/.well-known/host-meta?format=json"),
      await api("/.well-known/host-meta", { headers: { accept: "application/json" } }),
      await api("/.well-known/host-meta.json"),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await res.json()).toEqual(expected);
    }
    const xml = await api("/.well-known/host-meta", { headers: { accept: "application/xrd+xml, application/json;q=0.5" } });
    expect(xml.headers.get("content-type")).toMatch(/^application\/xrd\+xml/);
  });
});

describe("nodeinfo", () => {
  it("links both schema versions from /.well-known/nodeinfo", async () => {
    const res = await api("/.well-known/nodeinfo");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(await res.json()).toEqual({
      links: [
        { rel: NODEINFO_20, href: `${BASE}/nodeinfo/2.0` },
        { rel: NODEINFO_21, href: `${BASE}/nodeinfo/2.1` },
      ],
    });
  });

  it("serves 2.0 and 2.1 with their profile content types and the right software fields", async () => {
    for (const [version, profile] of [
      ["2.0", NODEINFO_20],
      ["2.1", NODEINFO_21],
    ] as const) {
      const res = await api(`/nodeinfo/${version}`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe(`application/json; profile="${profile}#"`);
      const doc = await res.json<Nodeinfo>();
      expect(doc.version).toBe(version);
      expect(doc.protocols).toEqual(["activitypub"]);
      expect(doc.services).toEqual({ outbound: [], inbound: [] });
      expect(doc.openRegistrations).toBe(true);
      expect(doc.metadata).toEqual({
        nodeName: "Petrel",
        nodeDescription: "A Mastodon-compatible server on Cloudflare Workers.",
      });
      expect(Number.isInteger(doc.usage.localPosts)).toBe(true);
      expect(Object.keys(doc).sort()).toEqual(
        ["metadata", "openRegistrations", "protocols", "services", "software", "usage", "version"].sort(),
      );
      if (version === "2.0") {
        expect(doc.software).toEqual({ name: "petrel", version: PETREL_VERSION });
      } else {
        expect(doc.software).toMatchObject({ name: "petrel", version: PETREL_VERSION });
        expect(doc.software.repository).toMatch(/^https:\/\//);
        expect(doc.software.homepage).toMatch(/^https:\/\//);
      }
    }
    expect((await api("/nodeinfo/2.0.json")).status).toBe(200);
  });

  it("counts local posts, direct messages excluded", async () => {
    const read = async () => (await (await api("/nodeinfo/2.1")).json<Nodeinfo>()).usage.localPosts;
    const before = await read();
    const { account } = await createTestUser();
    const now = Date.now();
    for (const visibility of ["public", "unlisted", "direct"] as const) {
      await db().insert(statuses).values({ id: newId(), accountId: account.id, local: true, visibility, createdAt: now });
    }
    expect((await read()) - before).toBe(2);
  });

  it("counts real users: total, active this month and this half-year", async () => {
    const read = async (v: "2.0" | "2.1") => (await (await api(`/nodeinfo/${v}`)).json<Nodeinfo>()).usage.users;
    const before = await read("2.0");
    await createTestUser();
    const quiet = await createTestUser();
    const gone = await createTestUser();
    const now = Date.now();
    const day = 86_400_000;
    await db()
      .update(users)
      .set({ createdAt: now - 300 * day, lastSignInAt: now - 60 * day })
      .where(eq(users.id, quiet.user.id));
    await db()
      .update(users)
      .set({ createdAt: now - 300 * day, lastSignInAt: now - 200 * day })
      .where(eq(users.id, gone.user.id));
    for (const v of ["2.0", "2.1"] as const) {
      const after = await read(v);
      expect(after.total - before.total).toBe(3);
      expect(after.activeMonth - before.activeMonth).toBe(1);
      expect(after.activeHalfyear - before.activeHalfyear).toBe(2);
    }
  });
});
