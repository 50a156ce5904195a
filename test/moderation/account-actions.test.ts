/**
 * Staff actions on one account from /admin/accounts/:id: suspend and its undoing (a remote account
 * disappears and its follows of local accounts end with a Reject; a local user's token stops working
 * and followers' servers get an Update of the actor marked suspended), limit (silence: public posts
 * become unlisted) and its undoing. Moderators act only below their role and never on themselves;
 * bad input changes nothing.
 */
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { follow, remote, spies } from "../federation/outbound-helpers";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { Browser } from "../web/browser";

const app = createApp();

const PASSWORD = "moderator password";

async function signedIn(user: TestUser, page: string, s?: ReturnType<typeof spies>): Promise<Browser> {
  const browser = s
    ? new Browser({ fetch: async (request) => app.fetch(request, { ...env, ...s.overrides }, createExecutionContext()) })
    : new Browser();
  await browser.signIn(user.account.username, PASSWORD);
  await browser.get(page);
  return browser;
}

async function state(id: number) {
  return env.DB.prepare("SELECT suspended_at, silenced_at FROM accounts WHERE id = ?")
    .bind(id)
    .first<{ suspended_at: number | null; silenced_at: number | null }>();
}

async function follows(a: number, b: number): Promise<boolean> {
  return (
    (await env.DB.prepare("SELECT 1 FROM follows WHERE account_id = ? AND target_account_id = ?").bind(a, b).first()) !== null
  );
}

describe("account actions", () => {
  it("suspend a remote account (its follows of ours end with a Reject; ours of it wait) and undo it; reached from a report", async () => {
    const [mod, fan] = [await createTestUser({ password: PASSWORD, role: "moderator" }), await createTestUser()];
    const far = await remote();
    await follow(fan.account.id, far.account.id);
    await follow(far.account.id, fan.account.id);
    const filed = await api("/api/v1/reports", {
      token: fan.token,
      json: { account_id: String(far.account.id), comment: "bot spam" },
    });
    const { id: reportId } = (await filed.json()) as { id: string };
    const s = spies();
    const browser = await signedIn(mod, `/admin/reports/${reportId}`, s);
    const report = await browser.get(`/admin/reports/${reportId}`);
    expect(report.html).toContain(`href="/admin/accounts/${far.account.id}"`);

    const page = await browser.get(`/admin/accounts/${far.account.id}`);
    expect(page.html).toContain(`@${far.account.username}@`);
    expect(page.html).toContain("<dt>Open reports about it</dt><dd>1</dd>");
    expect(page.html).toContain("Active");
    const done = await browser.post(`/admin/accounts/${far.account.id}/suspend`, {});
    expect(done.path).toBe(`/admin/accounts/${far.account.id}?notice=account_suspend`);
    expect(done.html).toContain("The account has been suspended.");
    expect(done.html).toContain("Undo suspension");
    expect((await state(far.account.id))?.suspended_at).not.toBeNull();
    expect(await follows(far.account.id, fan.account.id)).toBe(false);
    expect(await follows(fan.account.id, far.account.id)).toBe(true);
    const [reject] = s.take();
    expect(reject?.inboxes).toEqual([(far.actor.document as { inbox: string }).inbox]);
    expect(reject?.activity).toMatchObject({ type: "Reject", object: { type: "Follow", actor: far.actor.id } });
    expect((await api(`/api/v1/accounts/${far.account.id}`)).status).toBe(404);

    await browser.post(`/admin/accounts/${far.account.id}/unsuspend`, {});
    expect((await state(far.account.id))?.suspended_at).toBeNull();
    expect((await api(`/api/v1/accounts/${far.account.id}`)).status).toBe(200);
    expect(await follows(fan.account.id, far.account.id)).toBe(true);
    expect(await follows(far.account.id, fan.account.id)).toBe(false);
    expect(s.take()).toEqual([]);
  });

  it("limit a local user (public posts become unlisted), suspend them (token refused, actor Update sent), and undo both", async () => {
    const [admin, user] = [await createTestUser({ password: PASSWORD, role: "admin" }), await createTestUser()];
    const far = await remote();
    await follow(far.account.id, user.account.id);
    const s = spies();
    const browser = await signedIn(admin, `/admin/accounts/${user.account.id}`, s);
    await browser.post(`/admin/accounts/${user.account.id}/silence`, {});
    expect((await state(user.account.id))?.silenced_at).not.toBeNull();
    const posted = await api("/api/v1/statuses", { token: user.token, json: { status: "hello all", visibility: "public" } });
    expect(((await posted.json()) as { visibility: string }).visibility).toBe("unlisted");
    await browser.post(`/admin/accounts/${user.account.id}/unsilence`, {});
    expect((await state(user.account.id))?.silenced_at).toBeNull();

    expect(s.take()).toEqual([]);

    await browser.post(`/admin/accounts/${user.account.id}/suspend`, {});
    expect((await api("/api/v1/accounts/verify_credentials", { token: user.token })).status).toBe(401);
    const [suspended] = s.take();
    expect(suspended?.activity).toMatchObject({ type: "Update", object: { suspended: true, name: "" } });
    // The follow stays: the suspension can be lifted.
    expect(await follows(far.account.id, user.account.id)).toBe(true);
    await browser.post(`/admin/accounts/${user.account.id}/unsuspend`, {});
    expect((await api("/api/v1/accounts/verify_credentials", { token: user.token })).status).toBe(200);
    const [restored] = s.take();
    expect(restored?.activity).toMatchObject({ type: "Update", object: { preferredUsername: user.account.username } });
    expect(restored?.activity.object).not.toHaveProperty("suspended");
  });

  it("are refused on oneself, on a role as high as one's own, to non-staff, without the form's token, and for unknown ids", async () => {
    const [mod, admin, user] = [
      await createTestUser({ password: PASSWORD, role: "moderator" }),
      await createTestUser({ password: PASSWORD, role: "admin" }),
      await createTestUser({ password: PASSWORD }),
    ];
    const browser = await signedIn(mod, `/admin/accounts/${user.account.id}`);
    const self = await browser.post(`/admin/accounts/${mod.account.id}/suspend`, {});
    expect(self.status).toBe(403);
    expect(self.html).toContain("You cannot moderate your own account");
    const higher = await browser.post(`/admin/accounts/${admin.account.id}/silence`, {});
    expect(higher.status).toBe(403);
    expect(higher.html).toContain("You cannot moderate an account whose role is the same as yours or higher");
    const noToken = await browser.post(`/admin/accounts/${user.account.id}/suspend`, { authenticity_token: "" });
    expect(noToken.status).toBe(422);
    expect((await browser.post("/admin/accounts/999999999999/suspend", {})).status).toBe(404);
    expect((await browser.get("/admin/accounts/999999999999")).status).toBe(404);
    for (const id of [mod.account.id, admin.account.id, user.account.id])
      expect(await state(id)).toEqual({ suspended_at: null, silenced_at: null });

    const plain = await signedIn(user, "/settings");
    expect((await plain.get(`/admin/accounts/${admin.account.id}`)).status).toBe(403);
    expect((await plain.post(`/admin/accounts/${mod.account.id}/suspend`, {})).status).toBe(403);
    expect(await state(mod.account.id)).toEqual({ suspended_at: null, silenced_at: null });
    // An admin may act on a moderator.
    const adminBrowser = await signedIn(admin, `/admin/accounts/${mod.account.id}`);
    await adminBrowser.post(`/admin/accounts/${mod.account.id}/silence`, {});
    expect((await state(mod.account.id))?.silenced_at).not.toBeNull();
  });
});
