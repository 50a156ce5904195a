import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { oauthAccessTokens, users, webSessions } from "../../src/db/schema";
import { api, createTestUser, db } from "../helpers/fixtures";
import { Browser } from "./browser";

describe("settings overview", () => {
  it("sends a signed-out browser to sign-in and back", async () => {
    const page = await new Browser().get("/settings/password", { follow: false });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/auth/sign_in?return_to=%2Fsettings%2Fpassword");
  });

  it("shows the handle, the settings links and a sign-out form", async () => {
    const u = await createTestUser({ password: "overview password" });
    const browser = new Browser();
    const page = await browser.signIn(u.account.username, "overview password");
    expect(page.html).toContain(`@${u.account.username}@petrel.test`);
    expect(page.html).toContain('href="/settings/password"');
    expect(page.html).toContain('href="/settings/two_factor"');
    expect(page.html).toMatch(/<form method="post" action="\/auth\/sign_out"><input type="hidden" name="authenticity_token"/);
  });
});

describe("password change", () => {
  it("changes nothing when the current password is wrong", async () => {
    const u = await createTestUser({ password: "original password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "original password");
    await browser.get("/settings/password");
    const page = await browser.post("/settings/password", {
      current_password: "not the password",
      password: "brand new password",
      password_confirmation: "brand new password",
    });
    expect(page.status).toBe(422);
    expect(page.html).toContain("Current password is invalid");
    const [row] = await db().select().from(users).where(eq(users.id, u.user.id));
    expect(row?.passwordHash).toBe(u.user.passwordHash);
  });

  it("refuses a short or unconfirmed new password", async () => {
    const u = await createTestUser({ password: "original password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "original password");
    await browser.get("/settings/password");
    const page = await browser.post("/settings/password", {
      current_password: "original password",
      password: "short",
      password_confirmation: "shorter",
    });
    expect(page.status).toBe(422);
    expect(page.html).toContain("Password is too short (minimum is 8 characters)");
    expect(page.html).toContain("Password confirmation doesn&#39;t match Password");
  });

  it("changes the password, keeps this browser and app tokens, and signs other browsers out", async () => {
    const u = await createTestUser({ password: "original password" });
    const other = new Browser();
    await other.signIn(u.account.username, "original password");
    const browser = new Browser();
    await browser.signIn(u.account.username, "original password");
    await browser.get("/settings/password");
    const page = await browser.post("/settings/password", {
      current_password: "original password",
      password: "brand new password",
      password_confirmation: "brand new password",
    });
    expect(page.redirects).toEqual(["/settings?notice=password_changed"]);
    expect(page.html).toContain("Your password has been changed.");

    expect((await browser.get("/settings", { follow: false })).status).toBe(200);
    expect((await other.get("/settings", { follow: false })).status).toBe(302);
    expect(await db().select().from(webSessions).where(eq(webSessions.userId, u.user.id))).toHaveLength(1);

    const tokenStillWorks = await api("/api/v1/accounts/verify_credentials", { token: u.token });
    expect(tokenStillWorks.status).toBe(200);
    const tokens = await db().select().from(oauthAccessTokens).where(eq(oauthAccessTokens.userId, u.user.id));
    expect(tokens.every((t) => t.revokedAt === null)).toBe(true);

    const old = await new Browser().signIn(u.account.username, "original password");
    expect(old.status).toBe(422);
    expect(old.html).toContain("Invalid e-mail address or password.");
    const fresh = await new Browser().signIn(u.account.username, "brand new password");
    expect(fresh.path).toBe("/settings");
  });

  it("refuses a forged CSRF token and changes nothing", async () => {
    const u = await createTestUser({ password: "original password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "original password");
    const page = await browser.post("/settings/password", {
      current_password: "original password",
      password: "brand new password",
      password_confirmation: "brand new password",
      authenticity_token: "forged",
    });
    expect(page.status).toBe(422);
    const [row] = await db().select().from(users).where(eq(users.id, u.user.id));
    expect(row?.passwordHash).toBe(u.user.passwordHash);
  });
});

describe("session idle expiry", () => {
  async function ageSessions(userId: number, minutes: number): Promise<void> {
    await db()
      .update(webSessions)
      .set({ lastActiveAt: Date.now() - minutes * 60 * 1000 })
      .where(eq(webSessions.userId, userId));
  }

  it("signs a moderator out after an hour idle", async () => {
    const u = await createTestUser({ role: "moderator", password: "moderator password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "moderator password");
    await ageSessions(u.user.id, 61);
    const page = await browser.get("/settings", { follow: false });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/auth/sign_in");
    expect(await db().select().from(webSessions).where(eq(webSessions.userId, u.user.id))).toHaveLength(0);
  });

  it("keeps a plain user signed in after an hour idle", async () => {
    const u = await createTestUser({ password: "plain password" });
    const browser = new Browser();
    await browser.signIn(u.account.username, "plain password");
    await ageSessions(u.user.id, 61);
    const page = await browser.get("/settings", { follow: false });
    expect(page.status).toBe(200);
  });
});
