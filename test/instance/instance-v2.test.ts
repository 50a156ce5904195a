import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { oauthAccessTokens, users } from "../../src/db/schema";
import { serializeInstance } from "../../src/entities/instance";
import { API_VERSION_MASTODON, VERSION_STRING } from "../../src/version";
import { api, BASE, config, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { fetchWithEnv, SPLIT_DOMAINS } from "./helpers";

const DAY = 24 * 60 * 60 * 1000;

interface InstanceJson {
  domain: string;
  title: string;
  version: string;
  source_url: string;
  usage: { users: { active_month: number } };
  thumbnail: { url: string; blurhash: string };
  icon: Array<{ src: string; size: string }>;
  languages: string[];
  configuration: {
    urls: { streaming: string; about: string; privacy_policy: string };
    vapid: { public_key: string };
    accounts: { max_featured_tags: number; max_pinned_statuses: number };
    statuses: { max_characters: number; max_media_attachments: number; characters_reserved_per_url: number };
    media_attachments: { supported_mime_types: string[]; image_size_limit: number; description_limit: number };
    polls: { max_options: number; max_characters_per_option: number; min_expiration: number; max_expiration: number };
    translation: { enabled: boolean };
  };
  registrations: { enabled: boolean; approval_required: boolean; message: string | null };
  api_versions: { mastodon: number };
  contact: { email: string; account: { id: string; username: string } | null };
  rules: Array<{ id: string; text: string; hint: string }>;
}

async function getInstance(init: { token?: string } = {}): Promise<InstanceJson> {
  const res = await api("/api/v2/instance", init);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  return res.json<InstanceJson>();
}

describe("GET /api/v2/instance", () => {
  it("serves a valid Instance without a token", async () => {
    const body = await getInstance();
    expectEntity("Instance", body);
    expect(body.domain).toBe("petrel.test");
    expect(body.version).toBe(VERSION_STRING);
    expect(body.version).toMatch(/^4\.\d\.\d/);
    expect(body.source_url).toMatch(/^https:\/\//);
    expect(body.languages).toEqual(["en"]);
    expect(body.api_versions.mastodon).toBe(API_VERSION_MASTODON);
    expect(Number.isInteger(body.api_versions.mastodon)).toBe(true);
  });

  it("has every field clients decode before sign-in", async () => {
    const body = await getInstance();
    const conf = body.configuration;
    expect(conf.urls.streaming).toBe("ws://petrel.test");
    expect(conf.urls.about).toBe(`${BASE}/about`);
    // The instance VAPID key (src/push/vapid.ts): a base64url uncompressed P-256 point.
    expect(conf.vapid.public_key).toMatch(/^B[A-Za-z0-9_-]{86}=$/);
    expect(conf.accounts).toEqual({ max_featured_tags: 10, max_pinned_statuses: 5 });
    expect(conf.statuses).toEqual({ max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 });
    expect(conf.polls).toEqual({ max_options: 4, max_characters_per_option: 50, min_expiration: 300, max_expiration: 2629746 });
    expect(conf.media_attachments.supported_mime_types).toContain("image/jpeg");
    expect(conf.media_attachments.image_size_limit).toBe(16777216);
    expect(conf.media_attachments.description_limit).toBe(1500);
    expect(conf.translation).toEqual({ enabled: false });
    expect(body.registrations).toMatchObject({ enabled: true, approval_required: false, message: null });
    expect(typeof body.contact.email).toBe("string");
    expect(body.contact.email).toBe("admin@petrel.test");
    expect(body.rules).toEqual([
      { id: "1", text: "Be kind.", hint: "" },
      { id: "2", text: "No spam.", hint: "" },
    ]);
  });

  it("points thumbnail and icon at an absolute PNG that Petrel serves", async () => {
    const body = await getInstance();
    expect(body.thumbnail.url).toBe(`${BASE}/instance/thumbnail.png`);
    expect(body.thumbnail.blurhash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/);
    expect(body.icon).toEqual([{ src: body.thumbnail.url, size: "48x48" }]);
    const res = await api(new URL(body.thumbnail.url).pathname);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: 48 × 48.
    const view = new DataView(bytes.buffer);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([48, 48]);
  });

  it("still answers when the client sends a stale token", async () => {
    const res = await api("/api/v2/instance", { token: "not-a-real-token" });
    expect(res.status).toBe(200);
  });

  it("counts users active in the last 30 days: created, signed in or using an app, not dormant", async () => {
    const before = (await getInstance()).usage.users.active_month;
    await createTestUser();
    const returning = await createTestUser();
    const appUser = await createTestUser();
    const dormant = await createTestUser();
    const now = Date.now();
    // Never signs in on the web, but used a mobile app yesterday.
    await db()
      .update(users)
      .set({ createdAt: now - 400 * DAY, lastSignInAt: null })
      .where(eq(users.id, appUser.user.id));
    await db()
      .update(oauthAccessTokens)
      .set({ lastUsedAt: now - DAY })
      .where(eq(oauthAccessTokens.userId, appUser.user.id));
    await db()
      .update(users)
      .set({ createdAt: now - 400 * DAY, lastSignInAt: now - 2 * DAY })
      .where(eq(users.id, returning.user.id));
    await db()
      .update(users)
      .set({ createdAt: now - 400 * DAY, lastSignInAt: now - 45 * DAY })
      .where(eq(users.id, dormant.user.id));
    const after = (await getInstance()).usage.users.active_month;
    expect(after - before).toBe(3);
  });

  it("names the earliest owner as the contact account, ahead of earlier admins", async () => {
    const admin = await createTestUser({ role: "admin" });
    const owner = await createTestUser({ role: "owner" });
    await db().update(users).set({ createdAt: 1 }).where(eq(users.id, admin.user.id));
    await db().update(users).set({ createdAt: 2 }).where(eq(users.id, owner.user.id));
    const body = await getInstance();
    expectEntity("Instance", body);
    expect(body.contact.account?.id).toBe(String(owner.account.id));
    expect(body.contact.account?.username).toBe(owner.account.username);
  });

  it("has a null contact account when there is no owner or admin", () => {
    const body = serializeInstance(config(), {
      users: { total: 0, activeMonth: 0, activeHalfyear: 0 },
      contact: undefined,
    });
    expect(body.contact.account).toBeNull();
    expectEntity("Instance", body);
  });

  it("follows REGISTRATIONS_MODE", async () => {
    const closed = await fetchWithEnv(`${BASE}/api/v2/instance`, { REGISTRATIONS_MODE: "closed" });
    expect((await closed.json<InstanceJson>()).registrations).toMatchObject({ enabled: false, approval_required: false });
    const approval = await fetchWithEnv(`${BASE}/api/v2/instance`, { REGISTRATIONS_MODE: "approval" });
    expect((await approval.json<InstanceJson>()).registrations).toMatchObject({ enabled: true, approval_required: true });
  });

  it("uses LOCAL_DOMAIN as domain and wss://WEB_DOMAIN for streaming in production", async () => {
    const res = await fetchWithEnv("https://social.example.com/api/v2/instance", SPLIT_DOMAINS);
    const body = await res.json<InstanceJson>();
    expectEntity("Instance", body);
    expect(body.domain).toBe("example.com");
    expect(body.configuration.urls.streaming).toBe("wss://social.example.com");
    expect(body.thumbnail.url).toBe("https://social.example.com/instance/thumbnail.png");
  });

  it("allows browser clients' preflight with Authorization and Idempotency-Key, exposing Link", async () => {
    const res = await api("/api/v2/instance", {
      method: "OPTIONS",
      headers: {
        origin: "https://phanpy.social",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization,idempotency-key",
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    const allowed = (res.headers.get("access-control-allow-headers") ?? "").toLowerCase();
    expect(allowed).toContain("authorization");
    expect(allowed).toContain("idempotency-key");
    const get = await api("/api/v2/instance", { headers: { origin: "https://phanpy.social" } });
    expect(get.headers.get("access-control-allow-origin")).toBe("*");
    expect(get.headers.get("access-control-expose-headers") ?? "").toContain("Link");
  });
});
