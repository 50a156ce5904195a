import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/crypto/tokens";
import { oauthAccessGrants } from "../../src/db/schema";
import { api, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { Browser, countGrants, createApp, hiddenFields, pkcePair, type RegisteredApp, tokenRequest } from "./helpers";

const ELK = "https://elk.example/api/oauth?origin=x";
const OOB = "urn:ietf:wg:oauth:2.0:oob";
const INVALID_GRANT =
  "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";

async function setup(redirectUris: string = ELK) {
  const user = await createTestUser();
  const app = await createApp({ redirectUris });
  const browser = new Browser();
  await browser.signIn(user.user.id);
  return { user, app, browser };
}

function authorizePath(app: RegisteredApp, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({
    client_id: app.client_id,
    redirect_uri: app.redirect_uris[0] as string,
    response_type: "code",
    scope: "read write",
    ...extra,
  });
  return `/oauth/authorize?${query}`;
}

/** Opens the consent page and submits it with `decision`; returns the final response. */
async function decide(browser: Browser, path: string, decision: "approve" | "deny" = "approve") {
  const page = await browser.request(path);
  expect(page.status).toBe(200);
  const fields = hiddenFields(await page.text());
  expect(fields.map(([k]) => k)).toContain("authenticity_token");
  return browser.request("/oauth/authorize", { form: [...fields, ["decision", decision]] });
}

function codeFrom(location: string): string {
  const code = new URL(location).searchParams.get("code");
  expect(code).toBeTruthy();
  return code as string;
}

function exchange(app: RegisteredApp, code: string, extra: Record<string, string> = {}) {
  return tokenRequest({
    grant_type: "authorization_code",
    client_id: app.client_id,
    client_secret: app.client_secret,
    redirect_uri: app.redirect_uris[0] as string,
    code,
    ...extra,
  });
}

describe("authorization code flow", () => {
  it("runs end to end with PKCE S256, keeping the redirect URI's own query", async () => {
    const { user, app, browser } = await setup();
    const { verifier, challenge } = await pkcePair();
    const path = authorizePath(app, { state: "st&ate=1", code_challenge: challenge, code_challenge_method: "S256" });

    const page = await browser.request(path);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("form-action 'self' https://elk.example");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).toContain(app.client_id);
    expect(html).toContain(`@${user.account.username}`);
    expect(html).toContain("https://app.example");
    expect(html).toContain("elk.example");
    expect(html).toContain("Change anything in your account");
    expect(html).toMatch(/<button[^>]*value="approve"[^>]*>\s*Authorize/);
    expect(html).toMatch(/<button[^>]*value="deny"[^>]*>\s*Deny/);

    const res = await browser.request("/oauth/authorize", { form: [...hiddenFields(html), ["decision", "approve"]] });
    expect(res.status).toBe(302);
    const location = res.headers.get("location") ?? "";
    expect(location.startsWith("https://elk.example/api/oauth?origin=x&code=")).toBe(true);
    const url = new URL(location);
    expect(url.searchParams.get("origin")).toBe("x");
    expect(url.searchParams.get("state")).toBe("st&ate=1");
    const code = codeFrom(location);
    const stored = await db()
      .select()
      .from(oauthAccessGrants)
      .where(eq(oauthAccessGrants.codeHash, await sha256Hex(code)));
    expect(stored[0]).toMatchObject({
      scopes: "read write",
      codeChallenge: challenge,
      codeChallengeMethod: "S256",
      usedAt: null,
    });

    const tokenRes = await exchange(app, code, { code_verifier: verifier });
    expect(tokenRes.status).toBe(200);
    const token = (await tokenRes.json()) as { access_token: string; scope: string };
    expectEntity("Token", token);
    expect(token.scope).toBe("read write");
    const info = await api("/oauth/userinfo", { token: token.access_token });
    expect(((await info.json()) as { preferred_username: string }).preferred_username).toBe(user.account.username);
  });

  it("refuses a reused code and revokes the token it bought", async () => {
    const { app, browser } = await setup();
    const code = codeFrom((await decide(browser, authorizePath(app))).headers.get("location") ?? "");
    const first = await exchange(app, code);
    expect(first.status).toBe(200);
    const { access_token } = (await first.json()) as { access_token: string };

    const again = await exchange(app, code);
    expect(again.status).toBe(400);
    const body = await again.json();
    expectEntity("Error", body);
    expect(body).toEqual({ error: "invalid_grant", error_description: INVALID_GRANT });
    expect((await api("/api/v1/apps/verify_credentials", { token: access_token })).status).toBe(401);
  });

  it("lets only one of two concurrent redemptions win", async () => {
    const { app, browser } = await setup();
    const code = codeFrom((await decide(browser, authorizePath(app))).headers.get("location") ?? "");
    const results = await Promise.all([exchange(app, code), exchange(app, code)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it("refuses a wrong code_verifier, asks for a missing one, and leaves the code usable", async () => {
    const { app, browser } = await setup();
    const { verifier, challenge } = await pkcePair();
    const path = authorizePath(app, { code_challenge: challenge, code_challenge_method: "S256" });
    const code = codeFrom((await decide(browser, path)).headers.get("location") ?? "");

    const wrong = await exchange(app, code, { code_verifier: `${verifier}x` });
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toEqual({ error: "invalid_grant", error_description: INVALID_GRANT });

    const missing = await exchange(app, code);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: "invalid_request",
      error_description: "Missing required parameter: code_verifier.",
    });

    const otherRedirect = await exchange(app, code, { code_verifier: verifier, redirect_uri: "https://elk.example/other" });
    expect(otherRedirect.status).toBe(400);
    expect(((await otherRedirect.json()) as { error: string }).error).toBe("invalid_grant");

    expect((await exchange(app, code, { code_verifier: verifier })).status).toBe(200);
  });

  it("refuses an expired code", async () => {
    const { app, browser } = await setup();
    const code = codeFrom((await decide(browser, authorizePath(app))).headers.get("location") ?? "");
    await db()
      .update(oauthAccessGrants)
      .set({ expiresAt: Date.now() - 1000 })
      .where(eq(oauthAccessGrants.codeHash, await sha256Hex(code)));
    const res = await exchange(app, code);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "invalid_grant", error_description: INVALID_GRANT });
  });

  it("refuses a code presented by another client", async () => {
    const { app, browser } = await setup();
    const other = await createApp({ redirectUris: ELK });
    const code = codeFrom((await decide(browser, authorizePath(app))).headers.get("location") ?? "");
    const res = await exchange(other, code);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
    expect((await exchange(app, code)).status).toBe(200);
  });

  it("hands out the same token for the same app, user and scopes", async () => {
    const { app, browser } = await setup();
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const code = codeFrom((await decide(browser, authorizePath(app))).headers.get("location") ?? "");
      const res = await exchange(app, code);
      tokens.push(((await res.json()) as { access_token: string }).access_token);
    }
    expect(tokens[0]).toBe(tokens[1]);
  });

  it("shows the code in HTML for the out-of-band redirect URI", async () => {
    const { app, browser } = await setup(OOB);
    const res = await decide(browser, authorizePath(app));
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    const html = await res.text();
    const code = /id="authorization-code">([^<]+)</.exec(html)?.[1] ?? "";
    expect(code).not.toBe("");
    expect((await exchange(app, code)).status).toBe(200);
  });

  it("redirects to custom schemes unchanged and allows them in form-action", async () => {
    const ivory = "com.tapbots.Ivory.10217:/request_token";
    const { app, browser } = await setup(`icecubesapp:// ${ivory}`);
    const page = await browser.request(authorizePath(app, { redirect_uri: ivory, state: "s" }));
    expect(page.headers.get("content-security-policy")).toContain("form-action 'self' com.tapbots.ivory.10217:");
    const res = await browser.request("/oauth/authorize", {
      form: [...hiddenFields(await page.text()), ["decision", "approve"]],
    });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^com\.tapbots\.Ivory\.10217:\/request_token\?code=[\w-]+&state=s$/);

    const ice = await decide(browser, authorizePath(app, { redirect_uri: "icecubesapp://" }));
    expect(ice.headers.get("location")).toMatch(/^icecubesapp:\/\/\?code=[\w-]+$/);
  });

  it("supports response_mode=fragment", async () => {
    const { app, browser } = await setup("https://phanpy.example/");
    const res = await decide(browser, authorizePath(app, { response_mode: "fragment", state: "z" }));
    expect(res.headers.get("location")).toMatch(/^https:\/\/phanpy\.example\/#code=[\w-]+&state=z$/);
  });

  it("supports response_mode=form_post with a page that posts to the client", async () => {
    const { app, browser } = await setup("https://pinafore.example/cb");
    const res = await decide(browser, authorizePath(app, { response_mode: "form_post", state: "p" }));
    expect(res.status).toBe(200);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("form-action 'self' https://pinafore.example");
    expect(csp).toMatch(/script-src 'nonce-[\w-]+'/);
    const html = await res.text();
    expect(html).toContain('action="https://pinafore.example/cb"');
    const fields = Object.fromEntries(hiddenFields(html));
    expect(fields.state).toBe("p");
    expect((await exchange(app, fields.code as string)).status).toBe(200);
  });

  it("treats DELETE /oauth/authorize (Rails' deny form) as a denial", async () => {
    const { app, browser } = await setup();
    const html = await (await browser.request(authorizePath(app))).text();
    const res = await browser.request("/oauth/authorize", { method: "DELETE", form: hiddenFields(html) });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get("location") ?? "").searchParams.get("error")).toBe("access_denied");
    const viaMethod = await browser.request("/oauth/authorize", { form: [...hiddenFields(html), ["_method", "delete"]] });
    expect(new URL(viaMethod.headers.get("location") ?? "").searchParams.get("error")).toBe("access_denied");
    expect(await countGrants(app.id)).toBe(0);
  });

  it("redirects access_denied (with state) when the user denies, creating no grant", async () => {
    const { app, browser } = await setup();
    const res = await decide(browser, authorizePath(app, { state: "abc" }), "deny");
    expect(res.status).toBe(302);
    const url = new URL(res.headers.get("location") ?? "");
    expect(url.origin + url.pathname).toBe("https://elk.example/api/oauth");
    expect(url.searchParams.get("origin")).toBe("x");
    expect(url.searchParams.get("error")).toBe("access_denied");
    expect(url.searchParams.get("state")).toBe("abc");
    expect(url.searchParams.has("code")).toBe(false);
    expect(await countGrants(app.id)).toBe(0);
  });

  it("refuses a forged CSRF token with 422 and creates no grant", async () => {
    const { app, browser } = await setup();
    const html = await (await browser.request(authorizePath(app))).text();
    const fields = hiddenFields(html).map(([k, v]): [string, string] => (k === "authenticity_token" ? [k, "forged"] : [k, v]));
    const res = await browser.request("/oauth/authorize", { form: [...fields, ["decision", "approve"]] });
    expect(res.status).toBe(422);
    expect(res.headers.get("location")).toBeNull();
    const missingCookie = new Browser();
    await missingCookie.signIn((await createTestUser()).user.id);
    const res2 = await missingCookie.request("/oauth/authorize", { form: [...hiddenFields(html), ["decision", "approve"]] });
    expect(res2.status).toBe(422);
    expect(await countGrants(app.id)).toBe(0);
  });
});

describe("GET /oauth/authorize", () => {
  it("sends a signed-out browser to sign in, coming back to the same request", async () => {
    const { app } = await setup();
    const path = authorizePath(app, { state: "q" });
    const res = await new Browser().request(path);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`/auth/sign_in?return_to=${encodeURIComponent(path)}`);
  });

  it("signs the user out for force_login and returns without force_login", async () => {
    const { app, browser } = await setup();
    const path = authorizePath(app, { force_login: "true" });
    const res = await browser.request(path);
    expect(res.status).toBe(302);
    const location = res.headers.get("location") ?? "";
    const returnTo = new URL(location, "http://petrel.test").searchParams.get("return_to") ?? "";
    expect(location.startsWith("/auth/sign_in?return_to=")).toBe(true);
    expect(returnTo).toContain(`client_id=${app.client_id}`);
    expect(returnTo).not.toContain("force_login");
    expect(await browser.sessionExists()).toBe(false);
  });

  it("shows a 400 page, never a redirect, for an unknown client or an unregistered redirect URI", async () => {
    const { app, browser } = await setup();
    const unknown = await browser.request(authorizePath({ ...app, client_id: "no-such-client" }));
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get("location")).toBeNull();
    expect(unknown.headers.get("content-type")).toContain("text/html");
    expect(await unknown.text()).toContain("unknown client");

    for (const redirect of ["https://evil.example/steal", "https://elk.example/api/oauth", ""]) {
      const res = await browser.request(authorizePath(app, { redirect_uri: redirect }));
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("redirect uri");
    }
    expect(await countGrants(app.id)).toBe(0);
  });

  it("sends request errors back to the client: bad scope, plain PKCE, wrong response_type", async () => {
    const { app, browser } = await setup();
    const cases: Array<[Record<string, string>, string]> = [
      [{ scope: "read admin:write" }, "invalid_scope"],
      [{ scope: "read nonsense" }, "invalid_scope"],
      [{ code_challenge: "abc", code_challenge_method: "plain" }, "invalid_request"],
      [{ code_challenge: "abc" }, "invalid_request"],
      [{ response_type: "token" }, "unsupported_response_type"],
    ];
    for (const [extra, error] of cases) {
      const res = await browser.request(authorizePath(app, { state: "s1", ...extra }));
      expect(res.status).toBe(302);
      const url = new URL(res.headers.get("location") ?? "");
      expect(url.searchParams.get("error")).toBe(error);
      expect(url.searchParams.get("error_description")).toBeTruthy();
      expect(url.searchParams.get("state")).toBe("s1");
      expect(url.searchParams.get("origin")).toBe("x");
    }
  });

  it("defaults the scope to read when none is asked for", async () => {
    const { app, browser } = await setup();
    const query = new URLSearchParams({ client_id: app.client_id, redirect_uri: ELK, response_type: "code" });
    const code = codeFrom((await decide(browser, `/oauth/authorize?${query}`)).headers.get("location") ?? "");
    const token = (await (await exchange(app, code)).json()) as { scope: string };
    expect(token.scope).toBe("read");
  });
});
