import { env, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { currentTerms, termsOn } from "../../src/services/instance-policies";
import { api, BASE, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, tokenFor } from "../lists/helpers";
import { post } from "../statuses/helpers";

const get = (path: string) => SELF.fetch(`${BASE}${path}`);

async function setSetting(key: string, value: string, updatedAt = Date.now()): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO instance_settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
  )
    .bind(key, value, updatedAt)
    .run();
}

afterEach(async () => {
  await env.DB.prepare("DELETE FROM instance_settings WHERE key IN ('privacy_policy', 'terms_of_service')").run();
});

describe("GET /api/v1/instance/languages", () => {
  it("lists Mastodon's languages with their English names, without a token", async () => {
    const res = await get("/api/v1/instance/languages");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Array<{ code: string; name: string }>;
    expect(body.length).toBe(202);
    expect(body[0]).toEqual({ code: "aa", name: "Afar" });
    expect(body).toContainEqual({ code: "en", name: "English" });
    expect(body).toContainEqual({ code: "zh-TW", name: "Chinese (Taiwan)" });
    expect(body).toContainEqual({ code: "tok", name: "Toki Pona" });
    expect(new Set(body.map((l) => l.code)).size).toBe(body.length);
  });
});

describe("GET /api/v1/instance/translation_languages", () => {
  it("is empty: translation is disabled, as instance v2 says", async () => {
    const res = await get("/api/v1/instance/translation_languages");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    const instance = (await (await get("/api/v2/instance")).json()) as { configuration: { translation: { enabled: boolean } } };
    expect(instance.configuration.translation.enabled).toBe(false);
  });
});

describe("GET /api/v1/instance/privacy_policy", () => {
  it("serves a default policy naming the domain, dated as Mastodon's default", async () => {
    const res = await get("/api/v1/instance/privacy_policy");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { updated_at: string; content: string };
    expectEntity("PrivacyPolicy", body);
    expect(body.updated_at).toBe("2022-10-07T00:00:00.000Z");
    expect(body.content).toContain("<p>This is the privacy policy of petrel.test");
  });

  it("serves the operator's policy from instance_settings as HTML paragraphs", async () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    await setSetting("privacy_policy", "We keep <nothing>.\n\nSee https://example.com/more", at);
    const body = (await (await get("/api/v1/instance/privacy_policy")).json()) as { updated_at: string; content: string };
    expectEntity("PrivacyPolicy", body);
    expect(body.updated_at).toBe("2026-01-02T03:04:05.000Z");
    expect(body.content.startsWith('<p>We keep &lt;nothing&gt;.</p><p>See <a href="https://example.com/more"')).toBe(true);
  });
});

describe("GET /api/v1/instance/terms_of_service", () => {
  it("is Mastodon's 404 when the operator set none", async () => {
    await expectError(await get("/api/v1/instance/terms_of_service"), 404, "Record not found");
    await expectError(await get("/api/v1/instance/terms_of_service/2025-01-01"), 404, "Record not found");
  });

  it("serves the version in effect, and each version by its date with what succeeds it", async () => {
    await setSetting(
      "terms_of_service",
      JSON.stringify([
        { effective_date: "2099-01-01", text: "Future terms." },
        { effective_date: "2020-01-01", text: "Old terms." },
        { effective_date: "2024-06-01", text: "Current terms." },
        { effective_date: "not a date", text: "ignored" },
      ]),
    );
    const current = (await (await get("/api/v1/instance/terms_of_service")).json()) as Record<string, unknown>;
    expectEntity("TermsOfService", current);
    expect(current).toEqual({
      effective_date: "2024-06-01",
      effective: true,
      content: "<p>Current terms.</p>",
      succeeded_by: "2099-01-01",
    });
    const old = (await (await get("/api/v1/instance/terms_of_service/2020-01-01")).json()) as Record<string, unknown>;
    expectEntity("TermsOfService", old);
    expect(old).toMatchObject({ effective: true, succeeded_by: "2024-06-01", content: "<p>Old terms.</p>" });
    const future = (await (await get("/api/v1/instance/terms_of_service/2099-01-01")).json()) as Record<string, unknown>;
    expectEntity("TermsOfService", future);
    expect(future).toMatchObject({ effective: false, succeeded_by: null });
    await expectError(await get("/api/v1/instance/terms_of_service/2021-01-01"), 404, "Record not found");
    await expectError(await get("/api/v1/instance/terms_of_service/yesterday"), 404, "Record not found");
  });

  it("shows the first upcoming version while none is in effect yet", () => {
    const versions = [{ effectiveDate: "2030-01-01", text: "Soon." }];
    expect(currentTerms(versions, Date.UTC(2026, 0, 1))).toMatchObject({ effective: false, version: { text: "Soon." } });
    expect(termsOn(versions, "2030-01-01", Date.UTC(2030, 0, 1))).toMatchObject({ effective: true });
    expect(currentTerms([], Date.now())).toBeUndefined();
  });
});

describe("POST /api/v1/statuses/:id/translate", () => {
  it("refuses as Mastodon does without a translation service: 403 after the status checks", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const status = await post(bob, "Bonjour tout le monde");
    await expectError(
      await api(`/api/v1/statuses/${status.id}/translate`, { token: alice.token, json: { lang: "en" } }),
      403,
      "This action is not allowed",
    );
  });

  it("answers 404 for unknown statuses and ones the viewer may not see", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    await expectError(
      await api("/api/v1/statuses/123456789/translate", { token: alice.token, json: {} }),
      404,
      "Record not found",
    );
    await expectError(await api("/api/v1/statuses/nope/translate", { token: alice.token, json: {} }), 404, "Record not found");
    const hidden = await post(bob, { status: "for followers", visibility: "private" });
    await expectError(
      await api(`/api/v1/statuses/${hidden.id}/translate`, { token: alice.token, json: {} }),
      404,
      "Record not found",
    );
  });

  it("needs a token with read:statuses", async () => {
    const alice = await createTestUser();
    const status = await post(alice, "hello");
    await expectError(
      await api(`/api/v1/statuses/${status.id}/translate`, { method: "POST" }),
      401,
      "The access token is invalid",
    );
    const writeOnly = await tokenFor(alice, "write");
    await expectError(
      await api(`/api/v1/statuses/${status.id}/translate`, { token: writeOnly, method: "POST" }),
      403,
      "This action is outside the authorized scopes",
    );
  });
});
