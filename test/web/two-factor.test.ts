import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { base32Decode, hotp, totpStep } from "../../src/crypto/totp";
import { users, webSessions } from "../../src/db/schema";
import { createTestUser, db } from "../helpers/fixtures";
import { Browser, type Page } from "./browser";

async function userRow(id: number) {
  const [row] = await db().select().from(users).where(eq(users.id, id));
  if (!row) throw new Error("user vanished");
  return row;
}

function secretFrom(page: Page): string {
  const secret = /<code id="otp-secret">([A-Z2-7]+)<\/code>/.exec(page.html)?.[1];
  if (!secret) throw new Error("no secret on the page");
  return secret;
}

function recoveryCodesFrom(page: Page): string[] {
  return [...page.html.matchAll(/<li><code>([0-9a-f]{10})<\/code><\/li>/g)].map((m) => m[1] as string);
}

/** The code for the step after the current one: inside the ±1 drift and newer than any step already used. */
function nextCode(secret: string): Promise<string> {
  return hotp(base32Decode(secret), totpStep(Date.now()) + 1);
}

function wrongCode(right: string): string {
  return String((Number(right) + 500_000) % 1_000_000).padStart(6, "0");
}

/** Signs in, sets up 2FA and confirms it; returns the browser, the seed and the recovery codes. */
async function enableTwoFactor(password: string) {
  const u = await createTestUser({ password });
  const browser = new Browser();
  await browser.signIn(u.account.username, password);
  await browser.get("/settings/two_factor");
  const setup = await browser.post("/settings/two_factor/setup", { current_password: password });
  expect(setup.status).toBe(200);
  const secret = secretFrom(setup);
  const confirmed = await browser.post("/settings/two_factor/confirm", {
    code: await hotp(base32Decode(secret), totpStep(Date.now())),
  });
  expect(confirmed.status).toBe(200);
  const codes = recoveryCodesFrom(confirmed);
  return { u, browser, secret, codes, setup };
}

describe("two-factor setup", () => {
  it("asks for the password, shows the otpauth URI and secret, and stores the seed sealed but not enabled", async () => {
    const u = await createTestUser({ password: "setup password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "setup password");
    const state = await browser.get("/settings/two_factor");
    expect(state.html).toContain("not enabled");
    const wrong = await browser.post("/settings/two_factor/setup", { current_password: "nope nope" });
    expect(wrong.status).toBe(422);
    expect((await userRow(u.user.id)).otpSecretSealed).toBeNull();

    const setup = await browser.post("/settings/two_factor/setup", { current_password: "setup password" });
    const secret = secretFrom(setup);
    expect(base32Decode(secret)).toHaveLength(20);
    expect(setup.html).toContain(
      `otpauth://totp/Petrel:${u.account.username}%40petrel.test?secret=${secret}&amp;issuer=Petrel&amp;algorithm=SHA1&amp;digits=6&amp;period=30`,
    );
    expect(setup.html).toContain("no QR code");
    const row = await userRow(u.user.id);
    expect(row.otpEnabled).toBe(false);
    expect(row.otpSecretSealed).toMatch(/^v1\./);
    expect(row.otpSecretSealed).not.toContain(secret);
  });

  it("refuses a wrong confirmation code and keeps 2FA off", async () => {
    const u = await createTestUser({ password: "confirm password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "confirm password");
    await browser.get("/settings/two_factor");
    const setup = await browser.post("/settings/two_factor/setup", { current_password: "confirm password" });
    const secret = secretFrom(setup);
    const right = await hotp(base32Decode(secret), totpStep(Date.now()));
    const page = await browser.post("/settings/two_factor/confirm", { code: wrongCode(right) });
    expect(page.status).toBe(422);
    expect(page.html).toContain("Invalid two-factor authentication code.");
    expect(secretFrom(page)).toBe(secret);
    expect((await userRow(u.user.id)).otpEnabled).toBe(false);
  });

  it("enables 2FA with a right code and shows ten recovery codes once, storing only hashes", async () => {
    const { u, browser, codes } = await enableTwoFactor("enable password");
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    const row = await userRow(u.user.id);
    expect(row.otpEnabled).toBe(true);
    expect(row.otpLastStep).toBeGreaterThan(0);
    expect(row.otpRecoveryHashes).toHaveLength(10);
    for (const code of codes) expect(row.otpRecoveryHashes).not.toContain(code);
    const state = await browser.get("/settings/two_factor");
    expect(state.html).toContain("<strong>enabled</strong>");
    for (const code of codes) expect(state.html).not.toContain(code);
  });
});

describe("signing in with two-factor", () => {
  it("asks for the code, refuses wrong and replayed codes, and takes a recovery code once", async () => {
    const password = "two factor password";
    const { u, browser, secret, codes } = await enableTwoFactor(password);
    await browser.signOut();

    const pending = await browser.signIn(u.account.username, password, "/settings/password");
    expect(pending.redirects).toEqual(["/auth/two_factor?return_to=%2Fsettings%2Fpassword"]);
    expect(pending.html).toContain('name="code"');
    // A session that still owes its code is not signed in anywhere else.
    const blocked = await browser.get("/settings", { follow: false });
    expect(blocked.status).toBe(302);

    const right = await nextCode(secret);
    const wrong = await browser.post("/auth/two_factor", { code: wrongCode(right), return_to: "/settings/password" });
    expect(wrong.status).toBe(422);
    expect(wrong.html).toContain("Invalid two-factor authentication code.");
    expect((await browser.get("/settings", { follow: false })).status).toBe(302);

    const ok = await browser.post("/auth/two_factor", { code: right, return_to: "/settings/password" });
    expect(ok.redirects).toEqual(["/settings/password"]);
    expect(ok.status).toBe(200);
    expect((await browser.get("/settings")).html).toContain(`@${u.account.username}`);

    // The same code again, from a fresh sign-in, is a replay.
    await browser.signOut();
    await browser.signIn(u.account.username, password);
    const replay = await browser.post("/auth/two_factor", { code: right });
    expect(replay.status).toBe(422);

    const recovery = codes[0] as string;
    const withRecovery = await browser.post("/auth/two_factor", { code: recovery.toUpperCase() });
    expect(withRecovery.redirects).toEqual(["/settings"]);
    expect((await userRow(u.user.id)).otpRecoveryHashes).toHaveLength(9);

    await browser.signOut();
    await browser.signIn(u.account.username, password);
    const reused = await browser.post("/auth/two_factor", { code: recovery });
    expect(reused.status).toBe(422);
    expect((await userRow(u.user.id)).otpRecoveryHashes).toHaveLength(9);
  });

  it("sends the two-factor page back to sign-in without a pending session", async () => {
    const page = await new Browser().get("/auth/two_factor", { follow: false });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/auth/sign_in");
  });

  it("refuses a code posted without the CSRF token", async () => {
    const password = "csrf two factor";
    const { u, browser, secret } = await enableTwoFactor(password);
    await browser.signOut();
    await browser.signIn(u.account.username, password);
    const page = await browser.post("/auth/two_factor", { code: await nextCode(secret) }, { csrf: false });
    expect(page.status).toBe(422);
    const [session] = await db().select().from(webSessions).where(eq(webSessions.userId, u.user.id));
    expect(session?.pendingOtp).toBe(true);
  });

  it("limits code guesses per account", async () => {
    const password = "limited two factor";
    const { u, browser, secret } = await enableTwoFactor(password);
    await browser.signOut();
    await browser.signIn(u.account.username, password);
    const bad = wrongCode(await nextCode(secret));
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await browser.post("/auth/two_factor", { code: bad })).status);
    expect(statuses.slice(0, 10).every((s) => s === 422)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe("managing two-factor", () => {
  it("disables 2FA with the password only", async () => {
    const password = "disable password";
    const { u, browser } = await enableTwoFactor(password);
    const wrong = await browser.post("/settings/two_factor/disable", { current_password: "not it at all" });
    expect(wrong.status).toBe(422);
    expect((await userRow(u.user.id)).otpEnabled).toBe(true);

    const done = await browser.post("/settings/two_factor/disable", { current_password: password });
    expect(done.redirects).toEqual(["/settings/two_factor?notice=two_factor_disabled"]);
    expect(done.html).toContain("Two-factor authentication has been disabled.");
    const row = await userRow(u.user.id);
    expect(row).toMatchObject({ otpEnabled: false, otpSecretSealed: null, otpRecoveryHashes: [], otpLastStep: null });

    await browser.signOut();
    expect((await browser.signIn(u.account.username, password)).path).toBe("/settings");
  });

  it("regenerates recovery codes with the password, retiring the old ones", async () => {
    const password = "regenerate password";
    const { u, browser, codes } = await enableTwoFactor(password);
    const wrong = await browser.post("/settings/two_factor/recovery_codes", { current_password: "wrong wrong" });
    expect(wrong.status).toBe(422);
    const page = await browser.post("/settings/two_factor/recovery_codes", { current_password: password });
    const fresh = recoveryCodesFrom(page);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((c) => codes.includes(c))).toBe(false);

    await browser.signOut();
    await browser.signIn(u.account.username, password);
    expect((await browser.post("/auth/two_factor", { code: codes[1] as string })).status).toBe(422);
    expect((await browser.post("/auth/two_factor", { code: fresh[1] as string })).path).toBe("/settings");
  });

  it("signs out other browsers when 2FA is turned on", async () => {
    const password = "other browsers";
    const u = await createTestUser({ password });
    const other = new Browser();
    await other.signIn(u.account.username, password);
    const browser = new Browser();
    await browser.signIn(u.account.username, password);
    await browser.get("/settings/two_factor");
    const setup = await browser.post("/settings/two_factor/setup", { current_password: password });
    await browser.post("/settings/two_factor/confirm", {
      code: await hotp(base32Decode(secretFrom(setup)), totpStep(Date.now())),
    });
    expect((await other.get("/settings", { follow: false })).status).toBe(302);
    expect((await browser.get("/settings", { follow: false })).status).toBe(200);
  });
});
