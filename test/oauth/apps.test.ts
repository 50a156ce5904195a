import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/crypto/tokens";
import { oauthApplications, rateLimits } from "../../src/db/schema";
import { api, BASE, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { countAppsNamed, registerApp, tokenRequest, uniqueIp } from "./helpers";

const ICE_CUBES = "icecubesapp://";
const IVORY = "com.tapbots.Ivory.10217:/request_token";
const OOB = "urn:ietf:wg:oauth:2.0:oob";

/** Fixed windows reset on the boundary; a counter set just before one would be forgotten. */
async function waitUnlessFarFromWindowEnd(windowSeconds: number): Promise<void> {
  const left = windowSeconds * 1000 - (Date.now() % (windowSeconds * 1000));
  if (left < 3000) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

function post(body: { json?: unknown; form?: Record<string, string> }) {
  return api("/api/v1/apps", { ...body, headers: { "cf-connecting-ip": uniqueIp() } });
}

describe("POST /api/v1/apps", () => {
  it("registers an app from a JSON body and stores only the secret's hash", async () => {
    const name = uniqueName("elk");
    const res = await post({
      json: {
        client_name: name,
        redirect_uris: "https://elk.example/api/petrel.test/oauth/https%3A%2F%2Felk.example",
        scopes: "read write follow push",
        website: "https://elk.example",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const app = (await res.json()) as Record<string, unknown>;
    expectEntity("CredentialApplication", app);
    expect(app).toMatchObject({
      name,
      website: "https://elk.example",
      scopes: ["read", "write", "follow", "push"],
      redirect_uri: "https://elk.example/api/petrel.test/oauth/https%3A%2F%2Felk.example",
      redirect_uris: ["https://elk.example/api/petrel.test/oauth/https%3A%2F%2Felk.example"],
      client_secret_expires_at: 0,
      // The instance VAPID key (src/push/vapid.ts): a base64url P-256 point.
      vapid_key: expect.stringMatching(/^B[A-Za-z0-9_-]{86}=$/),
    });
    expect(app.id).toMatch(/^\d+$/);
    const rows = await db()
      .select()
      .from(oauthApplications)
      .where(eq(oauthApplications.clientId, app.client_id as string));
    expect(rows[0]?.clientSecretHash).toBe(await sha256Hex(app.client_secret as string));
    expect(JSON.stringify(rows[0])).not.toContain(app.client_secret as string);
  });

  it("registers from a form body with several redirect_uris[] and custom schemes", async () => {
    const name = uniqueName("tusky");
    const form = new URLSearchParams();
    form.set("client_name", name);
    form.append("redirect_uris[]", ICE_CUBES);
    form.append("redirect_uris[]", IVORY);
    form.set("scopes", "read+write");
    const res = await SELF.fetch(`${BASE}/api/v1/apps`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "cf-connecting-ip": uniqueIp() },
      body: form.toString(),
    });
    expect(res.status).toBe(200);
    const app = (await res.json()) as Record<string, unknown>;
    expectEntity("CredentialApplication", app);
    expect(app.redirect_uris).toEqual([ICE_CUBES, IVORY]);
    expect(app.redirect_uri).toBe(`${ICE_CUBES}\n${IVORY}`);
    expect(app.scopes).toEqual(["read", "write"]);
    expect(app.website).toBeNull();
  });

  it("registers from query-string parameters with no body (old Ice Cubes)", async () => {
    const name = uniqueName("ice");
    const query = new URLSearchParams({ client_name: name, redirect_uris: ICE_CUBES, scopes: "read write follow push" });
    const res = await SELF.fetch(`${BASE}/api/v1/apps?${query}`, { method: "POST", headers: { "cf-connecting-ip": uniqueIp() } });
    expect(res.status).toBe(200);
    const app = (await res.json()) as Record<string, unknown>;
    expectEntity("CredentialApplication", app);
    expect(app.name).toBe(name);
    expect(app.redirect_uris).toEqual([ICE_CUBES]);
  });

  it("accepts a whitespace-separated string of URIs, the oob URI, and defaults scopes to read", async () => {
    const app = await registerApp({ client_name: uniqueName("cli"), redirect_uris: `${OOB}\nhttps://a.example/cb  ${IVORY}` });
    expect(app.redirect_uris).toEqual([OOB, "https://a.example/cb", IVORY]);
    expect(app.scopes).toEqual(["read"]);
  });

  it.each([
    ["javascript:alert(1)", "Validation failed: Redirect URI is forbidden by the server."],
    ["JavaScript://x/%0aalert(1)", "Validation failed: Redirect URI is forbidden by the server."],
    ["data:text/html,<script>alert(1)</script>", "Validation failed: Redirect URI is forbidden by the server."],
    ["vbscript:msgbox", "Validation failed: Redirect URI is forbidden by the server."],
    ["https://app.example/cb#frag", "Validation failed: Redirect URI cannot contain a fragment."],
    ["/relative/path", "Validation failed: Redirect URI must be an absolute URI."],
    ["", "Validation failed: Redirect URI can't be blank"],
  ])("refuses redirect URI %j with 422 and stores nothing", async (uri, message) => {
    const name = uniqueName("bad");
    const res = await post({ json: { client_name: name, redirect_uris: uri } });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toContain("application/json");
    const body = await res.json();
    expectEntity("Error", body);
    expect(body).toEqual({ error: message });
    expect(await countAppsNamed(name)).toBe(0);
  });

  it("refuses an unknown scope with 422", async () => {
    const name = uniqueName("bad");
    const res = await post({ json: { client_name: name, redirect_uris: OOB, scopes: "read superpowers" } });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ error: "Validation failed: Scopes doesn't match configured on the server." });
    expect(await countAppsNamed(name)).toBe(0);
  });

  it("refuses a missing or too long client_name and an invalid website", async () => {
    const missing = await post({ json: { redirect_uris: OOB } });
    expect(missing.status).toBe(422);
    expect(await missing.json()).toEqual({ error: "Validation failed: Application name can't be blank" });

    const long = "x".repeat(61);
    const tooLong = await post({ json: { client_name: long, redirect_uris: OOB } });
    expect(tooLong.status).toBe(422);
    expect(((await tooLong.json()) as { error: string }).error).toBe(
      "Validation failed: Application name is too long (maximum is 60 characters)",
    );
    expect(await countAppsNamed(long)).toBe(0);

    const name = uniqueName("web");
    const site = await post({ json: { client_name: name, redirect_uris: OOB, website: "javascript:alert(1)" } });
    expect(site.status).toBe(422);
    expect(await site.json()).toEqual({ error: "Validation failed: Application website is invalid" });
    expect(await countAppsNamed(name)).toBe(0);
  });

  it("rate-limits registrations per IP with 429 and Retry-After", async () => {
    const ip = uniqueIp();
    const name = uniqueName("flood");
    const attempt = () =>
      api("/api/v1/apps", { json: { client_name: name, redirect_uris: "" }, headers: { "cf-connecting-ip": ip } });
    expect((await attempt()).status).toBe(422);
    // 299 more requests would only be slow: bring the counter to the limit of 300 directly.
    await waitUnlessFarFromWindowEnd(5 * 60);
    await db()
      .update(rateLimits)
      .set({ count: 300 })
      .where(eq(rateLimits.key, `apps:ip:${ip}`));
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toContain("application/json");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await countAppsNamed(name)).toBe(0);
  });
});

describe("GET /api/v1/apps/verify_credentials", () => {
  it("returns the Application (without secrets) for an app token", async () => {
    const app = await registerApp({ client_name: uniqueName("vc"), redirect_uris: OOB, scopes: "read write" });
    const tokenRes = await tokenRequest({
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const res = await api("/api/v1/apps/verify_credentials", { token: access_token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expectEntity("Application", body);
    expect(body).toMatchObject({
      id: app.id,
      scopes: ["read", "write"],
      redirect_uris: [OOB],
      vapid_key: expect.stringMatching(/^B[A-Za-z0-9_-]{86}=$/),
    });
    expect(body).not.toHaveProperty("client_secret");
    expect(body).not.toHaveProperty("client_id");
  });

  it("returns the Application for a user token", async () => {
    const user = await createTestUser();
    const res = await api("/api/v1/apps/verify_credentials", { token: user.token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expectEntity("Application", body);
    expect(body.name).toBe("Test App");
  });

  it("answers 401 without a token or with a bad one", async () => {
    for (const token of [undefined, "not-a-token"]) {
      const res = await api("/api/v1/apps/verify_credentials", token ? { token } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = await res.json();
      expectEntity("Error", body);
      expect(body).toEqual({ error: "The access token is invalid" });
    }
  });
});
