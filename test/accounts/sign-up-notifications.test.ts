/**
 * `admin.sign_up` (Mastodon's BootstrapTimelineService#notify_staff!): a sign-up that can use its
 * account at once tells every moderator, admin and owner, grouped as Mastodon groups them; a
 * sign-up waiting for approval tells nobody yet (`npm run petrel -- accounts approve` does, see
 * test/e2e/cli.test.ts).
 */
import { describe, expect, it } from "vitest";
import { api, createTestUser, db, type TestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { appToken, signUp, signUpInMode } from "./helpers";

function person() {
  const username = uniqueName("reg");
  return { username, email: `${username}@example.com`, password: "a sound passphrase", agreement: "true", locale: "en" };
}

async function accountIdOf(username: string): Promise<string> {
  const row = await db()
    .$client.prepare("SELECT id FROM accounts WHERE acct_key = ?")
    .bind(username.toLowerCase())
    .first<{ id: number }>();
  if (!row) throw new Error(`no account ${username}`);
  return String(row.id);
}

async function signUps(viewer: TestUser): Promise<Array<{ type: string; account: { id: string }; group_key: string }>> {
  const res = await api("/api/v1/notifications?types[]=admin.sign_up", { token: viewer.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Array<{ type: string; account: { id: string }; group_key: string }>;
  expectEntity("Notification", body, { array: true });
  return body;
}

describe("admin.sign_up notifications", () => {
  it("tell staff about each new account, in one group, and nobody else", async () => {
    const [mod, owner, user] = [
      await createTestUser({ role: "moderator" }),
      await createTestUser({ role: "owner" }),
      await createTestUser(),
    ];
    const token = await appToken();
    const [first, second] = [person(), person()];
    for (const p of [first, second]) expect((await signUp(token, { form: p })).status).toBe(200);
    const ids = [await accountIdOf(first.username), await accountIdOf(second.username)];

    for (const staff of [mod, owner]) {
      const mine = (await signUps(staff)).filter((n) => ids.includes(n.account.id));
      expect(mine.map((n) => n.account.id).sort()).toEqual([...ids].sort());
      expect(new Set(mine.map((n) => n.group_key)).size).toBe(1);
      expect(mine[0]?.group_key).toMatch(/^admin\.sign_up-\d+$/);
    }
    expect(await signUps(user)).toEqual([]);

    const res = await api("/api/v2/notifications?types[]=admin.sign_up", { token: mod.token });
    const grouped = (await res.json()) as { notification_groups: Array<{ type: string; sample_account_ids: string[] }> };
    expectEntity("GroupedNotificationsResults", grouped);
    const group = grouped.notification_groups.find((g) => g.sample_account_ids.includes(ids[0] as string));
    expect(group?.sample_account_ids).toEqual(expect.arrayContaining(ids));
  });

  it("wait for approval in approval mode", async () => {
    const mod = await createTestUser({ role: "moderator" });
    const token = await appToken();
    const p = person();
    const res = await signUpInMode("approval", token, p);
    expect(res.status).toBe(200);
    const id = await accountIdOf(p.username);
    const stored = await db()
      .$client.prepare("SELECT count(*) AS n FROM notifications WHERE type = 'admin.sign_up' AND from_account_id = ?")
      .bind(Number(id))
      .first<{ n: number }>();
    expect(stored?.n).toBe(0);
    expect((await signUps(mod)).filter((n) => n.account.id === id)).toEqual([]);
  });
});
