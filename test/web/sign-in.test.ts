import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users, webSessions } from "../../src/db/schema";
import { BASE, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { Browser } from "./browser";

const GENERIC = "Invalid e-mail address or password.";

async function sessionCount(userId: number): Promise<number> {
  return (await db().select().from(webSessions).where(eq(webSessions.userId, userId))).length;
}

describe("sign-in page", () => {
  it("shows a form with a CSRF field and the security headers", async () => {
    const res = await SELF.fetch(`${BASE}/auth/sign_in?return_to=${encodeURIComponent("/settings/password")}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toMatch(/name="authenticity_token" value="[^"]+"/);
    expect(html).toContain('name="return_to" value="/settings/password"');
  });

  it("signs in by e-mail address and lands on settings", async () => {
    const u = await createTestUser({ password: "by-email password" });
    const browser = new Browser();
    const page = await browser.signIn(u.user.email.toUpperCase(), "by-email password");
    expect(page.redirects).toEqual(["/settings"]);
    expect(page.status).toBe(200);
    expect(page.html).toContain(`@${u.account.username}`);
    const [row] = await db().select().from(users).where(eq(users.id, u.user.id));
    expect(row?.lastSignInAt).toBeGreaterThan(Date.now() - 60_000);
  });

  it("signs in by username", async () => {
    const u = await createTestUser({ password: "by-name password" });
    const page = await new Browser().signIn(u.account.username, "by-name password");
    expect(page.path).toBe("/settings");
    expect(page.html).toContain(`@${u.account.username}`);
  });

  it("gives the same message for a wrong password and an unknown account", async () => {
    const u = await createTestUser({ password: "right password" });
    const wrong = await new Browser().signIn(u.account.username, "wrong password");
    const unknown = await new Browser().signIn(uniqueName("nobody"), "wrong password");
    expect(wrong.status).toBe(422);
    expect(unknown.status).toBe(422);
    expect(wrong.html).toContain(GENERIC);
    expect(unknown.html).toContain(GENERIC);
    expect(await sessionCount(u.user.id)).toBe(0);
  });

  it("keeps the login but never the password when the form comes back", async () => {
    const u = await createTestUser({ password: "right password" });
    const page = await new Browser().signIn(u.account.username, "a secret guess");
    expect(page.html).toContain(`value="${u.account.username}"`);
    expect(page.html).not.toContain("a secret guess");
  });

  it("goes to a same-site return_to after signing in", async () => {
    const u = await createTestUser({ password: "return password" });
    const page = await new Browser().signIn(u.account.username, "return password", "/settings/two_factor?x=1");
    expect(page.redirects).toEqual(["/settings/two_factor?x=1"]);
  });

  it.each([
    "//evil.example",
    "https://evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "evil.example",
  ])("falls back to /settings for return_to %j", async (returnTo) => {
    const u = await createTestUser({ password: "redirect password" });
    const page = await new Browser().signIn(u.account.username, "redirect password", returnTo);
    expect(page.redirects).toEqual(["/settings"]);
  });

  it("sends a signed-in browser straight on from the sign-in page", async () => {
    const u = await createTestUser({ password: "already password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "already password");
    const page = await browser.get("/auth/sign_in?return_to=%2F%2Fevil.example", { follow: false });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/settings");
  });

  it("refuses a missing or forged CSRF token with 422 and starts no session", async () => {
    const u = await createTestUser({ password: "csrf password" });
    const browser = new Browser();
    await browser.get("/auth/sign_in");
    const missing = await browser.post(
      "/auth/sign_in",
      { login: u.account.username, password: "csrf password" },
      { csrf: false },
    );
    expect(missing.status).toBe(422);
    const forged = await browser.post("/auth/sign_in", {
      login: u.account.username,
      password: "csrf password",
      authenticity_token: "forged-token",
    });
    expect(forged.status).toBe(422);
    expect(forged.html).toContain("Invalid authenticity token");
    // A token from another browser is tied to that browser's cookie.
    const other = new Browser();
    await other.get("/auth/sign_in");
    const foreign = await browser.post("/auth/sign_in", {
      login: u.account.username,
      password: "csrf password",
      authenticity_token: other.csrf ?? "",
    });
    expect(foreign.status).toBe(422);
    expect(await sessionCount(u.user.id)).toBe(0);
  });

  it("limits attempts per address with 429 and Retry-After", async () => {
    const browser = new Browser();
    let last = await browser.signIn(uniqueName("ghost"), "guess 0");
    for (let i = 1; i <= 10; i++)
      last = await browser.post("/auth/sign_in", { login: uniqueName("ghost"), password: `guess ${i}` });
    expect(last.status).toBe(429);
    expect(Number(last.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(last.headers.get("content-type")).toContain("text/html");
  });

  it("limits attempts per account across addresses", async () => {
    const u = await createTestUser({ password: "limited password" });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await new Browser().signIn(u.account.username, `guess ${i}`)).status);
    expect(statuses).toEqual([422, 422, 422, 422, 422, 429]);
    // Even the right password waits out the window.
    const right = await new Browser().signIn(u.account.username, "limited password");
    expect(right.status).toBe(429);
    expect(await sessionCount(u.user.id)).toBe(0);
  });

  it("tells a pending account it awaits approval only once the password is right", async () => {
    const u = await createTestUser({ password: "pending password" });
    await db().update(users).set({ approved: false }).where(eq(users.id, u.user.id));
    const wrong = await new Browser().signIn(u.account.username, "wrong password");
    expect(wrong.html).toContain(GENERIC);
    const right = await new Browser().signIn(u.account.username, "pending password");
    expect(right.status).toBe(422);
    expect(right.html).toContain("Your account is awaiting approval.");
    expect(await sessionCount(u.user.id)).toBe(0);
  });

  it("refuses a disabled account once the password is right", async () => {
    const u = await createTestUser({ password: "disabled password" });
    await db().update(users).set({ disabled: true }).where(eq(users.id, u.user.id));
    expect((await new Browser().signIn(u.account.username, "wrong password")).html).toContain(GENERIC);
    const right = await new Browser().signIn(u.account.username, "disabled password");
    expect(right.html).toContain("Your account has been disabled.");
    expect(await sessionCount(u.user.id)).toBe(0);
  });
});

describe("sign-out", () => {
  it("does not sign out on GET, and does on POST with CSRF", async () => {
    const u = await createTestUser({ password: "signout password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "signout password");
    const get = await browser.get("/auth/sign_out");
    expect(get.status).toBe(200);
    expect(get.html).toContain('action="/auth/sign_out"');
    expect(await sessionCount(u.user.id)).toBe(1);
    const forged = await browser.post("/auth/sign_out", { authenticity_token: "nope" });
    expect(forged.status).toBe(422);
    expect(await sessionCount(u.user.id)).toBe(1);
    const out = await browser.post("/auth/sign_out", {});
    expect(out.redirects).toEqual(["/auth/sign_in"]);
    expect(await sessionCount(u.user.id)).toBe(0);
    const settings = await browser.get("/settings", { follow: false });
    expect(settings.status).toBe(302);
    expect(settings.headers.get("location")).toBe("/auth/sign_in");
  });

  it("replaces the browser's old session on a new sign-in", async () => {
    const u = await createTestUser({ password: "twice password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "twice password");
    await browser.signIn(u.account.username, "twice password");
    expect(await sessionCount(u.user.id)).toBe(1);
  });
});
