import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { accounts, users, webSessions } from "../../src/db/schema";
import { createTestUser, db, uniqueName } from "../helpers/fixtures";
import { Browser } from "./browser";

/** A browser talking to the app under a different REGISTRATIONS_MODE. */
function browserInMode(mode: "approval" | "closed"): Browser {
  return new Browser({
    fetch: async (request) => {
      const ctx = createExecutionContext();
      const response = await createApp().fetch(request, { ...env, REGISTRATIONS_MODE: mode }, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    },
  });
}

function form(username: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    username,
    email: `${username}@example.net`,
    password: "sign up password",
    password_confirmation: "sign up password",
    agreement: "1",
    ...overrides,
  };
}

async function findUser(username: string) {
  const rows = await db()
    .select({ user: users })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(accounts.acctKey, username.toLowerCase()));
  return rows[0]?.user;
}

describe("web sign-up", () => {
  it("shows the form with the instance rules and no reason field in open mode", async () => {
    const page = await new Browser().get("/auth/sign_up");
    expect(page.status).toBe(200);
    expect(page.html).toContain("Be kind.");
    expect(page.html).toContain("No spam.");
    expect(page.html).toContain('name="agreement"');
    expect(page.html).not.toContain('name="reason"');
  });

  it("creates the account, signs in and goes to settings", async () => {
    const username = uniqueName("newbie");
    const browser = new Browser();
    const page = await browser.submit("/auth/sign_up", "/auth/sign_up", form(username));
    expect(page.redirects).toEqual(["/settings"]);
    expect(page.html).toContain(`@${username}@petrel.test`);
    const user = await findUser(username);
    expect(user).toMatchObject({ email: `${username}@example.net`, approved: true });
    expect(user?.agreedAt).not.toBeNull();
    expect(user?.lastSignInAt).not.toBeNull();
  });

  it("re-renders the form for a taken username and a taken e-mail, keeping the input but not the password", async () => {
    const existing = await createTestUser();
    const browser = new Browser();
    const byName = await browser.submit(
      "/auth/sign_up",
      "/auth/sign_up",
      form(existing.account.username, { email: `${uniqueName("other")}@example.net` }),
    );
    expect(byName.status).toBe(422);
    expect(byName.html).toContain("Username has already been taken");
    expect(byName.html).toContain(`value="${existing.account.username}"`);
    expect(byName.html).not.toContain("sign up password");

    const username = uniqueName("fresh");
    const byEmail = await browser.post("/auth/sign_up", form(username, { email: existing.user.email }));
    expect(byEmail.status).toBe(422);
    expect(byEmail.html).toContain("Email has already been taken");
    expect(byEmail.html).toContain(`value="${existing.user.email}"`);
    expect(await findUser(username)).toBeUndefined();
  });

  it("refuses a password confirmation that does not match", async () => {
    const username = uniqueName("mismatch");
    const page = await new Browser().submit(
      "/auth/sign_up",
      "/auth/sign_up",
      form(username, { password_confirmation: "something else" }),
    );
    expect(page.status).toBe(422);
    expect(page.html).toContain("Password confirmation doesn&#39;t match Password");
    expect(await findUser(username)).toBeUndefined();
  });

  it("refuses an over-long username with Mastodon's wording", async () => {
    const username = `a${"b".repeat(30)}`;
    const page = await new Browser().submit("/auth/sign_up", "/auth/sign_up", form(username));
    expect(page.status).toBe(422);
    expect(page.html).toContain("Username is too long (maximum is 30 characters)");
    expect(await findUser(username)).toBeUndefined();
  });

  it("requires the agreement", async () => {
    const username = uniqueName("noagree");
    const { agreement: _, ...fields } = form(username);
    const page = await new Browser().submit("/auth/sign_up", "/auth/sign_up", fields);
    expect(page.status).toBe(422);
    expect(page.html).toContain("Agreement must be accepted");
    expect(await findUser(username)).toBeUndefined();
  });

  it("refuses a forged CSRF token", async () => {
    const username = uniqueName("forged");
    const browser = new Browser();
    await browser.get("/auth/sign_up");
    const page = await browser.post("/auth/sign_up", { ...form(username), authenticity_token: "forged" });
    expect(page.status).toBe(422);
    expect(await findUser(username)).toBeUndefined();
  });

  it("escapes what was typed when it shows the form again", async () => {
    const page = await new Browser().submit(
      "/auth/sign_up",
      "/auth/sign_up",
      form("<script>x</script>", { email: '"><img src=x>' }),
    );
    expect(page.status).toBe(422);
    expect(page.html).not.toContain("<script>x</script>");
    expect(page.html).not.toContain('"><img src=x>');
    expect(page.html).toContain("&lt;script&gt;");
  });
});

describe("web sign-up in approval mode", () => {
  it("asks for a reason and leaves the account pending review, signed out", async () => {
    const browser = browserInMode("approval");
    const formPage = await browser.get("/auth/sign_up");
    expect(formPage.html).toContain('name="reason"');
    const username = uniqueName("applicant");
    const page = await browser.post("/auth/sign_up", form(username, { reason: "I like birds" }));
    expect(page.status).toBe(200);
    expect(page.html).toContain("Your application is pending review");
    const user = await findUser(username);
    expect(user).toMatchObject({ approved: false, reason: "I like birds" });
    const sessions = await db()
      .select()
      .from(webSessions)
      .where(eq(webSessions.userId, user?.id ?? 0));
    expect(sessions).toHaveLength(0);
  });
});

describe("web sign-up in closed mode", () => {
  it("says registrations are closed, on the form and on a post", async () => {
    const browser = browserInMode("closed");
    const page = await browser.get("/auth/sign_up");
    expect(page.status).toBe(403);
    expect(page.html).toContain("Registrations are closed");
    await browser.get("/auth/sign_in");
    const username = uniqueName("closed");
    const post = await browser.post("/auth/sign_up", form(username));
    expect(post.status).toBe(403);
    expect(await findUser(username)).toBeUndefined();
  });
});
