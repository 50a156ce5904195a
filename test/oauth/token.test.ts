import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../src/db/schema";
import { api, BASE, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { countTokens, createApp, tokenRequest, uniqueIp } from "./helpers";

const OOB = "urn:ietf:wg:oauth:2.0:oob";
const INVALID_GRANT =
  "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

function newApp(scopes = "read write follow push") {
  return createApp({ redirectUris: OOB, scopes });
}

function basic(id: string, secret: string): string {
  return btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`);
}

describe("GET /.well-known/oauth-authorization-server", () => {
  it("describes the server with absolute URLs", async () => {
    const res = await api("/.well-known/oauth-authorization-server");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta).toMatchObject({
      issuer: "http://petrel.test/",
      service_documentation: "https://docs.joinmastodon.org/",
      authorization_endpoint: "http://petrel.test/oauth/authorize",
      token_endpoint: "http://petrel.test/oauth/token",
      app_registration_endpoint: "http://petrel.test/api/v1/apps",
      revocation_endpoint: "http://petrel.test/oauth/revoke",
      userinfo_endpoint: "http://petrel.test/oauth/userinfo",
      response_types_supported: ["code"],
      response_modes_supported: ["query", "fragment", "form_post"],
      code_challenge_methods_supported: ["S256"],
      grant_types_supported: ["authorization_code", "password", "client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
    });
    expect(meta.scopes_supported).toEqual(
      expect.arrayContaining(["read", "write", "follow", "push", "profile", "read:statuses"]),
    );
  });
});

describe("POST /oauth/token: client_credentials", () => {
  it("issues an app token from a JSON body, defaulting to read", async () => {
    const app = await newApp();
    const res = await tokenRequest({
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const token = (await res.json()) as Record<string, unknown>;
    expectEntity("Token", token);
    expect(token).toMatchObject({ token_type: "Bearer", scope: "read" });
    expect(Number.isInteger(token.created_at)).toBe(true);
    expect(Math.abs((token.created_at as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  it("accepts a form body with scope joined by + and client auth by HTTP Basic", async () => {
    const app = await newApp();
    const res = await tokenRequest(
      { grant_type: "client_credentials", scope: "read+write" },
      { form: true, basic: basic(app.client_id, app.client_secret) },
    );
    expect(res.status).toBe(200);
    const token = await res.json();
    expectEntity("Token", token);
    expect(token).toMatchObject({ scope: "read write" });
  });

  it("refuses scopes beyond the app's with invalid_scope and issues nothing", async () => {
    const app = await newApp("read");
    const before = await countTokens(app.id);
    const res = await tokenRequest({
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
      scope: "read write",
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expectEntity("Error", body);
    expect(body).toEqual({ error: "invalid_scope", error_description: "The requested scope is invalid, unknown, or malformed." });
    expect(await countTokens(app.id)).toBe(before);
  });

  it("refuses a wrong secret (body or Basic) with 401 invalid_client", async () => {
    const app = await newApp();
    for (const res of [
      await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id, client_secret: "wrong" }),
      await tokenRequest({ grant_type: "client_credentials" }, { basic: basic(app.client_id, "wrong") }),
      await tokenRequest({ grant_type: "client_credentials", client_id: "nobody", client_secret: app.client_secret }),
      await tokenRequest({ grant_type: "client_credentials", client_id: app.client_id }),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toContain("application/json");
      const body = (await res.json()) as Record<string, unknown>;
      expectEntity("Error", body);
      expect(body.error).toBe("invalid_client");
    }
    expect(await countTokens(app.id)).toBe(0);
  });

  it("answers a missing or unknown grant_type with RFC 6749 errors", async () => {
    const app = await newApp();
    const missing = await tokenRequest({ client_id: app.client_id, client_secret: app.client_secret });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: grant_type.",
    });
    const unknown = await tokenRequest({ grant_type: "implicit", client_id: app.client_id, client_secret: app.client_secret });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: string }).error).toBe("unsupported_grant_type");
  });

  it("answers a malformed JSON body with invalid_request", async () => {
    const res = await SELF.fetch(`${BASE}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": uniqueIp() },
      body: '{"grant_type": "client_credentials",',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(((await res.json()) as { error: string }).error).toBe("invalid_request");
  });
});

describe("POST /oauth/token: password", () => {
  it("issues a user token for e-mail + password, and hands the same token out again", async () => {
    const user = await createTestUser();
    const app = await newApp();
    const body = {
      grant_type: "password",
      client_id: app.client_id,
      client_secret: app.client_secret,
      username: user.user.email,
      password: user.password,
      scope: "read write",
    };
    const first = await tokenRequest(body);
    expect(first.status).toBe(200);
    const token = (await first.json()) as { access_token: string; scope: string; created_at: number };
    expectEntity("Token", token);
    expect(token.scope).toBe("read write");

    const second = await tokenRequest(body, { form: true });
    expect(second.status).toBe(200);
    const again = (await second.json()) as { access_token: string; created_at: number };
    expect(again.access_token).toBe(token.access_token);
    expect(again.created_at).toBe(token.created_at);
    expect(await countTokens(app.id)).toBe(1);

    const me = await api("/api/v1/apps/verify_credentials", { token: token.access_token });
    expect(me.status).toBe(200);
  });

  it("accepts HTTP Basic client authentication", async () => {
    const user = await createTestUser();
    const app = await newApp();
    const res = await tokenRequest(
      { grant_type: "password", username: user.user.email, password: user.password },
      { form: true, basic: basic(app.client_id, app.client_secret) },
    );
    expect(res.status).toBe(200);
    expectEntity("Token", await res.json());
  });

  it("gives a wrong password and an unknown user the same invalid_grant", async () => {
    const user = await createTestUser();
    const app = await newApp();
    const creds = { grant_type: "password", client_id: app.client_id, client_secret: app.client_secret };
    const wrong = await tokenRequest({ ...creds, username: user.user.email, password: "not the password" });
    const unknown = await tokenRequest({ ...creds, username: `${uniqueName("ghost")}@example.com`, password: "whatever123" });
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(400);
      const body = await res.json();
      expectEntity("Error", body);
      expect(body).toEqual({ error: "invalid_grant", error_description: INVALID_GRANT });
    }
    expect(await countTokens(app.id)).toBe(0);
  });

  it("refuses users with two-factor on, disabled or unapproved users, even with the right password", async () => {
    const app = await newApp();
    const cases: Array<Partial<typeof users.$inferInsert>> = [{ otpEnabled: true }, { disabled: true }, { approved: false }];
    for (const change of cases) {
      const user = await createTestUser();
      await db().update(users).set(change).where(eq(users.id, user.user.id));
      const res = await tokenRequest({
        grant_type: "password",
        client_id: app.client_id,
        client_secret: app.client_secret,
        username: user.user.email,
        password: user.password,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: "invalid_grant", error_description: INVALID_GRANT });
    }
    expect(await countTokens(app.id)).toBe(0);
  });

  it("rate-limits repeated attempts from one IP with 429 and Retry-After", async () => {
    const user = await createTestUser();
    const app = await newApp();
    const ip = uniqueIp();
    const attempt = (password: string) =>
      tokenRequest(
        {
          grant_type: "password",
          client_id: app.client_id,
          client_secret: app.client_secret,
          username: user.user.email,
          password,
        },
        { ip },
      );
    for (let i = 0; i < 25; i++) expect((await attempt(`wrong-${i}`)).status).toBe(400);
    const limited = await attempt(user.password);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("content-type")).toContain("application/json");
    expect(await countTokens(app.id)).toBe(0);
  });
});

describe("POST /oauth/revoke", () => {
  it("revokes a token so it no longer works, and answers {} as JSON", async () => {
    const user = await createTestUser();
    const app = await newApp();
    const issued = await tokenRequest({
      grant_type: "password",
      client_id: app.client_id,
      client_secret: app.client_secret,
      username: user.user.email,
      password: user.password,
    });
    const { access_token } = (await issued.json()) as { access_token: string };
    expect((await api("/api/v1/apps/verify_credentials", { token: access_token })).status).toBe(200);

    const res = await api("/oauth/revoke", {
      form: { client_id: app.client_id, client_secret: app.client_secret, token: access_token },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({});
    expect((await api("/api/v1/apps/verify_credentials", { token: access_token })).status).toBe(401);
  });

  it("answers {} for an unknown token, and 403 unauthorized_client for bad credentials or another app's token", async () => {
    const app = await newApp();
    const other = await newApp();
    const unknown = await api("/oauth/revoke", {
      json: { client_id: app.client_id, client_secret: app.client_secret, token: "no-such-token" },
    });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toEqual({});

    const tokenRes = await tokenRequest({
      grant_type: "client_credentials",
      client_id: other.client_id,
      client_secret: other.client_secret,
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    for (const creds of [
      { client_id: app.client_id, client_secret: "wrong" },
      { client_id: app.client_id, client_secret: app.client_secret },
    ]) {
      const res = await api("/oauth/revoke", { json: { ...creds, token: access_token } });
      expect(res.status).toBe(403);
      const body = await res.json();
      expectEntity("Error", body);
      expect(body).toEqual({ error: "unauthorized_client", error_description: "You are not authorized to revoke this token" });
    }
    expect((await api("/api/v1/apps/verify_credentials", { token: access_token })).status).toBe(200);

    const viaBasic = await api("/oauth/revoke", {
      form: { token: access_token },
      headers: { authorization: `Basic ${basic(other.client_id, other.client_secret)}` },
    });
    expect(viaBasic.status).toBe(200);
    expect((await api("/api/v1/apps/verify_credentials", { token: access_token })).status).toBe(401);
  });
});

describe("GET /oauth/userinfo", () => {
  it("describes the token's user", async () => {
    const user = await createTestUser({ scopes: "profile" });
    const res = await api("/oauth/userinfo", { token: user.token });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(await res.json()).toEqual({
      iss: "http://petrel.test/",
      sub: `http://petrel.test/users/${user.account.username}`,
      name: user.account.displayName,
      preferred_username: user.account.username,
      profile: `http://petrel.test/@${user.account.username}`,
      picture: "http://petrel.test/avatars/original/missing.png",
    });
  });

  it("refuses app tokens (422), tokens without profile/read (403) and no token (401)", async () => {
    const app = await newApp();
    const appToken = await tokenRequest({
      grant_type: "client_credentials",
      client_id: app.client_id,
      client_secret: app.client_secret,
    });
    const { access_token } = (await appToken.json()) as { access_token: string };
    expect((await api("/oauth/userinfo", { token: access_token })).status).toBe(422);
    const writer = await createTestUser({ scopes: "write" });
    expect((await api("/oauth/userinfo", { token: writer.token })).status).toBe(403);
    expect((await api("/oauth/userinfo")).status).toBe(401);
  });
});
