/**
 * The staff pages under /admin, through the real pages and D1: a report filed through the API is
 * listed, shown with the status it names, resolved and reopened; a sign-up waiting for review is
 * approved (staff get `admin.sign_up`) or rejected (the account is deleted). Others get 403, and the
 * settings page links the pages only for staff.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createLocalAccount } from "../../src/services/accounts";
import { insertStatus } from "../federation/outbound-helpers";
import { api, createTestUser, db, type TestUser, uniqueName } from "../helpers/fixtures";
import { Browser } from "./browser";

const PASSWORD = "staff password";

async function signedIn(user: TestUser): Promise<Browser> {
  const browser = new Browser();
  await browser.signIn(user.account.username, PASSWORD);
  return browser;
}

async function pending(reason: string) {
  const username = uniqueName("wait");
  return createLocalAccount(db(), { username, email: `${username}@example.com`, password: PASSWORD, approved: false, reason });
}

describe("staff pages", () => {
  it("are for staff only", async () => {
    const [user, mod] = [
      await createTestUser({ password: PASSWORD }),
      await createTestUser({ password: PASSWORD, role: "moderator" }),
    ];
    const away = await new Browser().get("/admin/reports", { follow: false });
    expect(away.headers.get("location")).toBe("/auth/sign_in?return_to=%2Fadmin%2Freports");
    const browser = await signedIn(user);
    expect((await browser.get("/settings")).html).not.toContain('href="/admin"');
    for (const path of ["/admin", "/admin/reports", "/admin/accounts/pending"]) {
      const page = await browser.get(path);
      expect(page.status).toBe(403);
      expect(page.html).toContain("This page is for the moderators and administrators of this server");
    }
    const { account } = await pending("let me in");
    expect((await browser.post(`/admin/accounts/${account.id}/approve`, {})).status).toBe(403);
    expect(await env.DB.prepare("SELECT approved FROM users WHERE account_id = ?").bind(account.id).first()).toEqual({
      approved: 0,
    });
    expect((await (await signedIn(mod)).get("/settings")).html).toContain('href="/admin"');
  });

  it("list a report, show its statuses, resolve and reopen it", async () => {
    const [mod, reporter, target] = [
      await createTestUser({ password: PASSWORD, role: "moderator" }),
      await createTestUser(),
      await createTestUser(),
    ];
    const statusId = await insertStatus(target.account.id, { text: "buy cheap <pills> & more" });
    const filed = await api("/api/v1/reports", {
      token: reporter.token,
      json: { account_id: String(target.account.id), status_ids: [String(statusId)], comment: "spam again", category: "spam" },
    });
    expect(filed.status).toBe(200);
    const { id } = (await filed.json()) as { id: string };

    const browser = await signedIn(mod);
    const open = await browser.get("/admin");
    expect(open.path).toBe("/admin/reports");
    expect(open.html).toContain(`href="/admin/reports/${id}"`);
    expect(open.html).toContain(`@${target.account.username}`);
    const shown = await browser.get(`/admin/reports/${id}`);
    expect(shown.html).toContain("spam again");
    expect(shown.html).toContain("buy cheap &lt;pills&gt; &amp; more");
    expect(shown.html).toContain(`@${reporter.account.username}`);

    const resolved = await browser.post(`/admin/reports/${id}/resolve`, {});
    expect(resolved.path).toBe(`/admin/reports/${id}?notice=report_resolved`);
    expect(resolved.html).toContain("The report has been marked as resolved.");
    expect((await browser.get("/admin/reports")).html).not.toContain(`href="/admin/reports/${id}"`);
    expect((await browser.get("/admin/reports?resolved=1")).html).toContain(`href="/admin/reports/${id}"`);
    const row = await env.DB.prepare("SELECT action_taken_at FROM reports WHERE id = ?")
      .bind(Number(id))
      .first<{ action_taken_at: number | null }>();
    expect(row?.action_taken_at).toBeGreaterThan(0);

    await browser.post(`/admin/reports/${id}/reopen`, {});
    expect((await browser.get("/admin/reports")).html).toContain(`href="/admin/reports/${id}"`);
    expect((await browser.post("/admin/reports/999999999/resolve", {})).status).toBe(404);
    // Without the form's token nothing changes.
    expect((await browser.post(`/admin/reports/${id}/resolve`, {}, { csrf: false })).status).toBe(422);
    expect(await env.DB.prepare("SELECT action_taken_at FROM reports WHERE id = ?").bind(Number(id)).first()).toEqual({
      action_taken_at: null,
    });
  });

  it("approve a waiting sign-up (staff are told) and reject another (the account is deleted)", async () => {
    const admin = await createTestUser({ password: PASSWORD, role: "admin" });
    const [welcome, unwelcome] = [await pending("I knit"), await pending("I sell things")];
    const browser = await signedIn(admin);
    const list = await browser.get("/admin/accounts/pending");
    expect(list.html).toContain(`@${welcome.account.username}`);
    expect(list.html).toContain("I sell things");

    const approved = await browser.post(`/admin/accounts/${welcome.account.id}/approve`, {});
    expect(approved.html).toContain("The account has been approved.");
    expect(approved.html).not.toContain(`@${welcome.account.username}`);
    expect(await env.DB.prepare("SELECT approved FROM users WHERE account_id = ?").bind(welcome.account.id).first()).toEqual({
      approved: 1,
    });
    expect(
      await env.DB.prepare(
        "SELECT 1 AS told FROM notifications WHERE account_id = ? AND type = 'admin.sign_up' AND from_account_id = ?",
      )
        .bind(admin.account.id, welcome.account.id)
        .first(),
    ).toEqual({ told: 1 });
    expect((await browser.post(`/admin/accounts/${welcome.account.id}/reject`, {})).status).toBe(404);

    const rejected = await browser.post(`/admin/accounts/${unwelcome.account.id}/reject`, {});
    expect(rejected.html).toContain("The sign-up has been rejected and the account deleted.");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM accounts WHERE id = ?").bind(unwelcome.account.id).first()).toEqual({
      n: 0,
    });
    expect(await env.DB.prepare("SELECT count(*) AS n FROM users WHERE id = ?").bind(unwelcome.user.id).first()).toEqual({
      n: 0,
    });
    expect((await browser.post(`/admin/accounts/${unwelcome.account.id}/approve`, {})).status).toBe(404);
  });
});
