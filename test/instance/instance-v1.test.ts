import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, statuses, users } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { weekStart } from "../../src/services/instance-stats";
import { VERSION_STRING } from "../../src/version";
import { api, BASE, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

interface V1InstanceJson {
  uri: string;
  version: string;
  email: string;
  thumbnail: string;
  urls: { streaming_api: string };
  stats: { user_count: number; status_count: number; domain_count: number };
  registrations: boolean;
  approval_required: boolean;
  configuration: { statuses: { max_characters: number }; polls: { max_options: number } };
  contact_account: { id: string } | null;
  rules: unknown[];
}

interface ActivityWeek {
  week: string;
  statuses: string;
  logins: string;
  registrations: string;
}

async function getJson<T>(path: string): Promise<T> {
  const res = await api(path);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.json<T>();
}

async function insertStatus(accountId: number, options: { reblogOfId?: number; at?: number } = {}): Promise<number> {
  const at = options.at ?? Date.now();
  const id = newId(at);
  await db()
    .insert(statuses)
    .values({ id, accountId, local: true, visibility: "public", reblogOfId: options.reblogOfId ?? null, createdAt: at });
  return id;
}

async function insertRemoteAccount(domain: string): Promise<void> {
  const username = uniqueName("remote");
  const now = Date.now();
  await db()
    .insert(accounts)
    .values({
      id: newId(now),
      username,
      acctKey: `${username}@${domain}`.toLowerCase(),
      domain,
      uri: `https://${domain}/users/${username}`,
      createdAt: now,
      updatedAt: now,
    });
}

describe("GET /api/v1/instance", () => {
  it("serves a valid V1Instance", async () => {
    const body = await getJson<V1InstanceJson>("/api/v1/instance");
    expectEntity("V1Instance", body);
    expect(body.uri).toBe("petrel.test");
    expect(body.version).toBe(VERSION_STRING);
    expect(body.email).toBe("admin@petrel.test");
    expect(body.thumbnail).toBe(`${BASE}/instance/thumbnail.png`);
    expect(body.urls.streaming_api).toBe("ws://petrel.test");
    expect(body.registrations).toBe(true);
    expect(body.approval_required).toBe(false);
    expect(body.configuration.statuses.max_characters).toBe(500);
    expect(body.configuration.polls.max_options).toBe(4);
    expect(body.rules).toHaveLength(2);
  });

  it("counts users, local statuses and remote domains", async () => {
    const before = (await getJson<V1InstanceJson>("/api/v1/instance")).stats;
    const author = await createTestUser();
    await insertStatus(author.account.id);
    await insertStatus(author.account.id);
    const pending = await createTestUser();
    await db().update(users).set({ approved: false }).where(eq(users.id, pending.user.id));
    await insertRemoteAccount("one.example");
    await insertRemoteAccount("one.example");
    await insertRemoteAccount("two.example");
    const after = (await getJson<V1InstanceJson>("/api/v1/instance")).stats;
    expect(after.user_count - before.user_count).toBe(1);
    expect(after.domain_count - before.domain_count).toBe(2);
    expect(after.status_count - before.status_count).toBe(2);
  });

  it("names an admin as the contact account", async () => {
    const admin = await createTestUser({ role: "admin" });
    await db().update(users).set({ createdAt: 1 }).where(eq(users.id, admin.user.id));
    const body = await getJson<V1InstanceJson>("/api/v1/instance");
    expectEntity("V1Instance", body);
    expect(body.contact_account?.id).toBe(String(admin.account.id));
  });
});

describe("instance sub-resources", () => {
  it("lists the rules", async () => {
    const rules = await getJson<unknown[]>("/api/v1/instance/rules");
    expectEntity("Rule", rules, { array: true });
    expect(rules).toEqual([
      { id: "1", text: "Be kind.", hint: "" },
      { id: "2", text: "No spam.", hint: "" },
    ]);
  });

  it("lists peers from the domains of known remote accounts", async () => {
    await insertRemoteAccount("peer-b.example");
    await insertRemoteAccount("peer-a.example");
    await insertRemoteAccount("peer-a.example");
    const peers = await getJson<string[]>("/api/v1/instance/peers");
    expect(peers).toContain("peer-a.example");
    expect(peers).toContain("peer-b.example");
    expect(new Set(peers).size).toBe(peers.length);
    expect(peers).toEqual([...peers].sort());
  });

  it("reports twelve weeks of activity: local statuses, registrations and logins", async () => {
    const before = await getJson<ActivityWeek[]>("/api/v1/instance/activity");
    const signedIn = await createTestUser();
    const now = Date.now();
    const original = await insertStatus(signedIn.account.id);
    await insertStatus(signedIn.account.id, { reblogOfId: original });
    await insertStatus(signedIn.account.id, { at: now - 7 * 24 * 3600 * 1000 });
    await db()
      .update(users)
      .set({ createdAt: now - 200 * 24 * 3600 * 1000, lastSignInAt: now })
      .where(eq(users.id, signedIn.user.id));
    await createTestUser();
    const weeks = await getJson<ActivityWeek[]>("/api/v1/instance/activity");
    expect(weeks).toHaveLength(12);
    for (const w of weeks) {
      expect(Object.keys(w).sort()).toEqual(["logins", "registrations", "statuses", "week"]);
      for (const v of Object.values(w)) expect(v).toMatch(/^\d+$/);
      // Weeks start on Monday 00:00 UTC.
      expect(new Date(Number(w.week) * 1000).getUTCDay()).toBe(1);
      expect(Number(w.week) % 86400).toBe(0);
    }
    expect(Number(weeks[0]?.week)).toBe(weekStart(now) / 1000);
    expect(Number(weeks[0]?.week) - Number(weeks[1]?.week)).toBe(7 * 86400);
    expect(Number(weeks[0]?.registrations) - Number(before[0]?.registrations)).toBe(1);
    expect(Number(weeks[0]?.logins) - Number(before[0]?.logins)).toBe(1);
    // Boosts are not counted; last week's status lands in last week's bucket.
    expect(Number(weeks[0]?.statuses) - Number(before[0]?.statuses)).toBe(1);
    expect(Number(weeks[1]?.statuses) - Number(before[1]?.statuses)).toBe(1);
  });

  it("puts the week boundary on Monday", () => {
    // Sunday 2026-03-01 23:59 UTC belongs to the week of Monday 2026-02-23.
    expect(weekStart(Date.UTC(2026, 2, 1, 23, 59))).toBe(Date.UTC(2026, 1, 23));
    expect(weekStart(Date.UTC(2026, 2, 2, 0, 0))).toBe(Date.UTC(2026, 2, 2));
  });

  it("serves the extended description as HTML", async () => {
    const body = await getJson<{ updated_at: string; content: string }>("/api/v1/instance/extended_description");
    expectEntity("ExtendedDescription", body);
    expect(body.updated_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(body.content).toBe("<p>A Mastodon-compatible server on Cloudflare Workers.</p>");
  });

  it("lists no domain blocks yet", async () => {
    const blocks = await getJson<unknown[]>("/api/v1/instance/domain_blocks");
    expectEntity("DomainBlock", blocks, { array: true });
    expect(blocks).toEqual([]);
  });

  it("has no translation languages while translation is off", async () => {
    expect(await getJson<unknown>("/api/v1/instance/translation_languages")).toEqual({});
  });
});
