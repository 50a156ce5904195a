/**
 * A real Mastodon client library (masto.js) against a real local instance (`npm run dev` on workerd):
 * app registration, tokens by the password grant and by authorization code + PKCE through the HTML
 * sign-in, two-factor and consent pages (walked like a browser), credentials, profile updates and the
 * instance endpoints.
 */
import { createHash, randomBytes } from "node:crypto";
import { createOAuthAPIClient, createRestAPIClient, type mastodon } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Browser, findForm, loginFields, type Page, passwordFieldName } from "./helpers/browser";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { type CreatedUser, createAccount } from "./helpers/petrel-cli";
import { TOTP_PERIOD_SECONDS, totp, totpStep } from "./helpers/totp";

const REDIRECT_URI = "http://127.0.0.1:9/petrel-e2e/callback";
const SCOPES = "read write follow push";

let server: DevServer;
let alice: CreatedUser;
let bob: CreatedUser;
let app: mastodon.v1.Client;

beforeAll(async () => {
  server = await startDevServer();
  alice = await createAccount(server.stateDir, "alice", { role: "owner" });
  bob = await createAccount(server.stateDir, "bob");
});

afterAll(async () => {
  await server?.stop();
});

function base64Url(bytes: Buffer): string {
  return bytes.toString("base64url");
}

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64Url(randomBytes(32));
  return { verifier, challenge: base64Url(createHash("sha256").update(verifier).digest()) };
}

async function exchangeCode(code: string, verifier: string): Promise<Response> {
  return fetch(`${server.baseUrl}/oauth/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      client_id: app.clientId ?? "",
      client_secret: app.clientSecret ?? "",
      code_verifier: verifier,
    }),
  });
}

function authorizeUrl(state: string, challenge: string): string {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: app.clientId ?? "",
    redirect_uri: REDIRECT_URI,
    scope: "read write",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  return `/oauth/authorize?${params}`;
}

/** GET /oauth/authorize while signed out must send the browser to the sign-in page, coming back afterwards. */
async function startAuthorization(browser: Browser, state: string, challenge: string): Promise<Page> {
  const first = await browser.get(authorizeUrl(state, challenge));
  expect(first.status, first.html.slice(0, 500)).toBe(302);
  const location = new URL(first.location ?? "");
  expect(location.pathname).toBe("/auth/sign_in");
  const returnTo = location.searchParams.get("return_to") ?? "";
  expect(returnTo.startsWith("/oauth/authorize?")).toBe(true);
  expect(new URLSearchParams(returnTo.split("?")[1]).get("state")).toBe(state);
  const signIn = await browser.get(first.location ?? "");
  expect(signIn.status).toBe(200);
  return signIn;
}

async function signIn(browser: Browser, page: Page, user: CreatedUser): Promise<Page> {
  const form = findForm(page.html, "/auth/sign_in");
  expect(form.inputs.some((i) => i.name === "authenticity_token" && i.value.length > 0)).toBe(true);
  return browser.submit(page, "/auth/sign_in", loginFields(form, user.email, user.password));
}

/** Approves on the consent page and returns the code from the redirect back to the client. */
async function approve(browser: Browser, consent: Page, state: string): Promise<string> {
  expect(consent.status, consent.html.slice(0, 1000)).toBe(200);
  const form = findForm(consent.html, "/oauth/authorize");
  expect(form.method).toBe("post");
  const decision = await browser.submit(consent, "/oauth/authorize", {}, "approve");
  expect(decision.status, decision.html.slice(0, 1000)).toBe(302);
  const back = new URL(decision.location ?? "");
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  expect(back.searchParams.get("state")).toBe(state);
  const code = back.searchParams.get("code");
  expect(code).toBeTruthy();
  return code ?? "";
}

describe("masto.js against npm run dev", { timeout: 120_000 }, () => {
  it("registers an app", async () => {
    const rest = createRestAPIClient({ url: server.baseUrl });
    app = await rest.v1.apps.create({ clientName: "Petrel e2e", redirectUris: REDIRECT_URI, scopes: SCOPES, website: null });
    expect(app.name).toBe("Petrel e2e");
    expect(app.clientId).toBeTruthy();
    expect(app.clientSecret).toBeTruthy();
    expect(app.redirectUris).toEqual([REDIRECT_URI]);
  });

  it("gets a token by the password grant (masto's multipart) and reads and updates credentials", async () => {
    const oauth = createOAuthAPIClient({ url: server.baseUrl });
    const token = await oauth.token.create({
      grantType: "password",
      clientId: app.clientId ?? "",
      clientSecret: app.clientSecret ?? "",
      redirectUri: REDIRECT_URI,
      username: alice.email,
      password: alice.password,
      scope: "read write",
    });
    expect(token.accessToken).toBeTruthy();
    expect(token.tokenType).toBe("Bearer");
    expect(token.scope).toBe("read write");

    const client = createRestAPIClient({ url: server.baseUrl, accessToken: token.accessToken });
    const me = await client.v1.accounts.verifyCredentials();
    expect(me.username).toBe("alice");
    expect(me.acct).toBe("alice");
    expect(me.url).toBe(`http://${server.domain}/@alice`);
    expect(me.source.privacy).toBe("public");

    const updated = await client.v1.accounts.updateCredentials({
      displayName: "Alice <3",
      note: "Hello from the e2e suite & friends",
      fieldsAttributes: [
        { name: "Pronouns", value: "she/her" },
        { name: "Home", value: "Petrel" },
      ],
    });
    expect(updated.displayName).toBe("Alice <3");
    expect(updated.note).toBe("<p>Hello from the e2e suite &amp; friends</p>");
    expect(updated.source.note).toBe("Hello from the e2e suite & friends");
    expect(updated.fields.map((f) => [f.name, f.value])).toEqual([
      ["Pronouns", "she/her"],
      ["Home", "Petrel"],
    ]);
    expect(updated.source.fields.map((f) => [f.name, f.value])).toEqual([
      ["Pronouns", "she/her"],
      ["Home", "Petrel"],
    ]);

    const again = await client.v1.accounts.verifyCredentials();
    expect(again.displayName).toBe("Alice <3");
    expect(again.fields).toHaveLength(2);
  });

  it("also gets a token by the password grant with a plain form post", async () => {
    const res = await fetch(`${server.baseUrl}/oauth/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "password",
        client_id: app.clientId ?? "",
        client_secret: app.clientSecret ?? "",
        username: alice.email,
        password: alice.password,
        scope: "read",
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; scope: string };
    expect(body.scope).toBe("read");
    const bad = await fetch(`${server.baseUrl}/oauth/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "password",
        client_id: app.clientId ?? "",
        client_secret: app.clientSecret ?? "",
        username: alice.email,
        password: "wrong password",
      }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("fetches the instance, v2 and v1", async () => {
    const client = createRestAPIClient({ url: server.baseUrl });
    const v2 = await client.v2.instance.fetch();
    expect(v2.domain).toBe(server.domain);
    expect(v2.title).toBe("Petrel");
    expect(v2.version).toMatch(/^4\.\d+\.\d+/);
    expect(v2.registrations.enabled).toBe(true);
    expect(v2.configuration.statuses.maxCharacters).toBeGreaterThan(0);
    const v1 = await client.v1.instance.fetch();
    expect(v1.uri).toBe(server.domain);
    expect(v1.title).toBe("Petrel");
    expect(v1.stats.userCount).toBeGreaterThanOrEqual(2);
  });

  it("gets a token by authorization code + PKCE through the sign-in and consent pages", async () => {
    const browser = new Browser(server.baseUrl);
    const { verifier, challenge } = pkcePair();
    const state = base64Url(randomBytes(12));

    const signInPage = await startAuthorization(browser, state, challenge);
    const afterSignIn = await signIn(browser, signInPage, alice);
    expect(afterSignIn.status, afterSignIn.html.slice(0, 1000)).toBe(302);
    expect(new URL(afterSignIn.location ?? "").pathname).toBe("/oauth/authorize");

    const consent = await browser.follow(afterSignIn);
    expect(consent.html).toContain("Petrel e2e");
    const code = await approve(browser, consent, state);

    const res = await exchangeCode(code, verifier);
    expect(res.status).toBe(200);
    const token = (await res.json()) as { access_token: string; scope: string };
    expect(token.scope).toBe("read write");
    const me = await createRestAPIClient({
      url: server.baseUrl,
      accessToken: token.access_token,
    }).v1.accounts.verifyCredentials();
    expect(me.username).toBe("alice");

    // A code is good once.
    const replay = await exchangeCode(code, verifier);
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("refuses the code with the wrong PKCE verifier", async () => {
    const browser = new Browser(server.baseUrl);
    const { challenge } = pkcePair();
    const state = base64Url(randomBytes(12));
    const consent = await browser.follow(await signIn(browser, await startAuthorization(browser, state, challenge), alice));
    const code = await approve(browser, consent, state);
    const res = await exchangeCode(code, pkcePair().verifier);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("invalid_grant");
  });

  describe("with two-factor authentication", { timeout: 150_000 }, () => {
    let secret = "";
    let lastStep = 0;

    /** A code for a time step the server has not seen yet (it refuses a step twice), waiting for one if need be. */
    async function freshCode(): Promise<string> {
      let step = totpStep();
      if (step <= lastStep) {
        // The server accepts one step of drift either way; past that, wait for the clock.
        if (lastStep + 1 - step > 1)
          await new Promise((r) => setTimeout(r, (lastStep + 1 - step - 1) * TOTP_PERIOD_SECONDS * 1000));
        step = lastStep + 1;
      }
      lastStep = step;
      return totp(secret, step * TOTP_PERIOD_SECONDS * 1000);
    }

    /** A code valid for none of the steps the server could accept right now. */
    function wrongCode(): string {
      const now = totpStep();
      const valid = new Set([now - 1, now, now + 1, now + 2].map((step) => totp(secret, step * TOTP_PERIOD_SECONDS * 1000)));
      for (let n = 0; ; n++) {
        const candidate = String(n).padStart(6, "0");
        if (!valid.has(candidate)) return candidate;
      }
    }

    it("enables 2FA through the settings pages", async () => {
      const browser = new Browser(server.baseUrl);
      const signInPage = await browser.get("/auth/sign_in");
      expect(signInPage.status).toBe(200);
      const signedIn = await signIn(browser, signInPage, bob);
      expect(signedIn.status, signedIn.html.slice(0, 1000)).toBe(302);

      const settings = await browser.get("/settings/two_factor");
      expect(settings.status, settings.html.slice(0, 1000)).toBe(200);
      const setupForm = findForm(settings.html, "/settings/two_factor/setup");
      const setup = await browser.submit(settings, "/settings/two_factor/setup", {
        [passwordFieldName(setupForm)]: bob.password,
      });
      expect(setup.status, setup.html.slice(0, 2000)).toBe(200);

      const uri = /otpauth:\/\/totp\/[^"'<\s]+/.exec(setup.html)?.[0];
      const fromUri = uri ? new URL(uri.replace(/&amp;/g, "&")).searchParams.get("secret") : null;
      const fromText = /id="otp-secret"[^>]*>\s*([A-Z2-7 ]+)\s*</.exec(setup.html)?.[1];
      secret = (fromUri ?? fromText ?? "").replace(/\s/g, "");
      expect(secret, "the setup page shows the TOTP secret").toMatch(/^[A-Z2-7]{16,}$/);

      const confirmed = await browser.submit(setup, "/settings/two_factor/confirm", { code: await freshCode() });
      expect(confirmed.status, confirmed.html.slice(0, 2000)).toBe(200);
      expect(confirmed.html.toLowerCase()).toContain("recovery");
    });

    it("asks for the code after the password in the authorization flow, then issues a working token", async () => {
      expect(secret).not.toBe("");
      const browser = new Browser(server.baseUrl);
      const { verifier, challenge } = pkcePair();
      const state = base64Url(randomBytes(12));

      const afterPassword = await signIn(browser, await startAuthorization(browser, state, challenge), bob);
      expect(afterPassword.status, afterPassword.html.slice(0, 1000)).toBe(302);
      expect(new URL(afterPassword.location ?? "").pathname).toBe("/auth/two_factor");

      // Until the code is given, the session is not signed in: the authorize page sends back to sign-in.
      const early = await browser.get(authorizeUrl(state, challenge));
      expect(early.status).toBe(302);
      expect(new URL(early.location ?? "").pathname).toBe("/auth/sign_in");

      const codePage = await browser.follow(afterPassword);
      expect(codePage.status, codePage.html.slice(0, 1000)).toBe(200);
      const wrong = await browser.submit(codePage, "/auth/two_factor", { code: wrongCode() });
      expect(wrong.status).toBe(422);

      const afterCode = await browser.submit(wrong, "/auth/two_factor", { code: await freshCode() });
      expect(afterCode.status, afterCode.html.slice(0, 1000)).toBe(302);
      expect(new URL(afterCode.location ?? "").pathname).toBe("/oauth/authorize");

      const code = await approve(browser, await browser.follow(afterCode), state);
      const res = await exchangeCode(code, verifier);
      expect(res.status).toBe(200);
      const token = (await res.json()) as { access_token: string };
      const me = await createRestAPIClient({
        url: server.baseUrl,
        accessToken: token.access_token,
      }).v1.accounts.verifyCredentials();
      expect(me.username).toBe("bob");
    });
  });
});
