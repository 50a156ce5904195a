import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, users } from "../../src/db/schema";
import { api, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { appToken, type Body, countAccounts, countUsers, expectError, signUp, signUpInMode, uniqueIp } from "./helpers";

function person(overrides: Record<string, string> = {}) {
  const username = uniqueName("reg");
  return {
    username,
    email: `${username}@example.com`,
    password: "a sound passphrase",
    agreement: "true",
    locale: "en",
    ...overrides,
  };
}

function multipart(fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

async function expectToken(res: Response): Promise<{ access_token: string; scope: string; created_at: number }> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { access_token: string; token_type: string; scope: string; created_at: number };
  expectEntity("Token", body);
  expect(body.token_type).toBe("Bearer");
  expect(Math.abs(body.created_at - Date.now() / 1000)).toBeLessThan(60);
  return body;
}

describe("POST /api/v1/accounts", () => {
  const encodings: Array<[string, (p: Record<string, string>) => Body]> = [
    ["JSON", (p) => ({ json: { ...p, agreement: true } })],
    ["form", (p) => ({ form: p })],
    ["multipart", (p) => ({ multipart: multipart(p) })],
  ];
  for (const [name, body] of encodings) {
    it(`signs up with a ${name} body and returns a token that works at once`, async () => {
      const token = await appToken();
      const p = person();
      const issued = await expectToken(await signUp(token, body(p)));
      // Mastodon grants the app's registered scopes, not those of the app token that asked.
      expect(issued.scope).toBe("read write follow push");
      const me = await api("/api/v1/accounts/verify_credentials", { token: issued.access_token });
      expect(me.status).toBe(200);
      const account = (await me.json()) as { username: string; acct: string; source: { privacy: string } };
      expectEntity("CredentialAccount", account);
      expect(account.username).toBe(p.username);
      expect(account.acct).toBe(p.username);
      const [user] = await db().select().from(users).where(eq(users.email, p.email));
      expect(user?.approved).toBe(true);
      expect(user?.agreedAt).not.toBeNull();
    });
  }

  it("grants the app's scopes even when the app token holds only write:accounts", async () => {
    const token = await appToken("write:accounts");
    const issued = await expectToken(await signUp(token, { json: { ...person(), agreement: true } }));
    expect(issued.scope).toBe("write:accounts");
  });

  it("refuses missing fields with Mastodon's 422 and stores nothing", async () => {
    const token = await appToken();
    const body = await expectError(await signUp(token, { json: { agreement: true, email: "" } }), 422);
    expect(body.error).toMatch(/^Validation failed: /);
    expect(body.error).toContain("Username can't be blank");
    expect(Object.keys(body.details ?? {})).toEqual(expect.arrayContaining(["username", "email", "password"]));
    expect(await countUsers("")).toBe(0);
  });

  it("refuses an invalid username", async () => {
    const token = await appToken();
    const p = person({ username: "not valid!" });
    const body = await expectError(await signUp(token, { form: p }), 422);
    expect(body.error).toContain("Username must contain only letters, numbers and underscores");
    expect(await countUsers(p.email)).toBe(0);
  });

  it("refuses a reserved username", async () => {
    const token = await appToken();
    const p = person({ username: "Admin" });
    const before = await countAccounts("admin");
    const body = await expectError(await signUp(token, { form: p }), 422);
    expect(body.error).toContain("Username is reserved");
    expect(await countAccounts("admin")).toBe(before);
    expect(await countUsers(p.email)).toBe(0);
  });

  it("refuses a username taken in another case", async () => {
    const existing = await createTestUser();
    const token = await appToken();
    const p = person({ username: existing.account.username.toUpperCase() });
    const body = await expectError(await signUp(token, { form: p }), 422);
    expect(body.error).toContain("Username has already been taken");
    expect(body.details?.username).toEqual([expect.objectContaining({ error: "ERR_TAKEN" })]);
    expect(await countAccounts(existing.account.username)).toBe(1);
    expect(await countUsers(p.email)).toBe(0);
  });

  it("refuses an e-mail address already in use, whatever its case", async () => {
    const existing = await createTestUser();
    const token = await appToken();
    const p = person({ email: existing.user.email.toUpperCase() });
    const body = await expectError(await signUp(token, { form: p }), 422);
    expect(body.error).toContain("Email has already been taken");
    expect(await countUsers(existing.user.email)).toBe(1);
    expect(await countAccounts(p.username)).toBe(0);
  });

  it("requires the agreement", async () => {
    const token = await appToken();
    const p = person({ agreement: "false" });
    const body = await expectError(await signUp(token, { form: p }), 422);
    expect(body.error).toContain("Agreement must be accepted");
    expect(await countAccounts(p.username)).toBe(0);
  });

  it("answers 401 without a token and stores nothing", async () => {
    const p = person();
    await expectError(await signUp(undefined, { form: p }), 401);
    expect(await countAccounts(p.username)).toBe(0);
  });

  it("answers 403 to a user's token: only an app may sign people up", async () => {
    const someone = await createTestUser();
    const p = person();
    const body = await expectError(await signUp(someone.token, { form: p }), 403);
    expect(body.error).toBe("This method requires an client credentials authentication");
    expect(await countAccounts(p.username)).toBe(0);
  });

  it("answers 403 to an app token without write:accounts", async () => {
    const token = await appToken("read");
    const p = person();
    await expectError(await signUp(token, { form: p }), 403);
    expect(await countAccounts(p.username)).toBe(0);
  });

  it("keeps the account pending in approval mode; its token works only once approved", async () => {
    const token = await appToken();
    const p = person({ reason: "I study seabirds." });
    const res = await signUpInMode("approval", token, p);
    const issued = await expectToken(res);
    const [user] = await db().select().from(users).where(eq(users.email, p.email));
    expect(user?.approved).toBe(false);
    expect(user?.reason).toBe("I study seabirds.");

    await expectError(await api("/api/v1/accounts/verify_credentials", { token: issued.access_token }), 401);
    // Not discoverable while pending either.
    await expectError(await api(`/api/v1/accounts/${user?.accountId}`), 404);

    await db().update(users).set({ approved: true }).where(eq(users.email, p.email));
    const me = await api("/api/v1/accounts/verify_credentials", { token: issued.access_token });
    expect(me.status).toBe(200);
  });

  it("refuses everyone when registrations are closed, storing nothing", async () => {
    const token = await appToken();
    const p = person();
    const res = await signUpInMode("closed", token, p);
    const body = await expectError(res, 403);
    expect(body.error).toBe("This action is not allowed");
    expect(await countAccounts(p.username)).toBe(0);
    expect(await countUsers(p.email)).toBe(0);
  });

  it("rate-limits sign-ups per IP with 429 and Retry-After", async () => {
    const token = await appToken();
    const ip = uniqueIp();
    // Attempts count whether or not they succeed, so invalid ones are enough to reach the limit.
    for (let i = 0; i < 5; i++) await expectError(await signUp(token, { json: {} }, ip), 422);
    const p = person();
    const res = await signUp(token, { form: p }, ip);
    await expectError(res, 429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await countAccounts(p.username)).toBe(0);
    // Another address is unaffected.
    await expectToken(await signUp(token, { form: p }));
  });

  it("stores the username as typed and the e-mail lower-cased", async () => {
    const token = await appToken();
    const p = person();
    const mixed = `Mixed${p.username}`.slice(0, 30);
    await expectToken(await signUp(token, { form: { ...p, username: mixed, email: p.email.toUpperCase() } }));
    const [account] = await db().select().from(accounts).where(eq(accounts.acctKey, mixed.toLowerCase()));
    expect(account?.username).toBe(mixed);
    expect(await countUsers(p.email)).toBe(1);
  });
});
