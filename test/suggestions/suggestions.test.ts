import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relate, users } from "../feeds/helpers";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

interface SuggestionJson {
  source: string;
  sources: string[];
  account: { id: string };
}

async function v2(user: TestUser, query = ""): Promise<SuggestionJson[]> {
  const res = await api(`/api/v2/suggestions${query}`, { token: user.token });
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as SuggestionJson[];
  expectEntity("Suggestion", body, { array: true });
  return body;
}

const discoverable = (id: number, extra = "") =>
  env.DB.prepare(`UPDATE accounts SET discoverable = 1 ${extra} WHERE id = ?`).bind(id).run();

describe("follow suggestions", () => {
  it("suggests friends of friends first, with their sources, and excludes followed, blocked, muted and dismissed accounts", async () => {
    const [me, friend, fof1, fof2, hiddenFof, blocked, muted, dismissed] = await users(8);
    if (!me || !friend || !fof1 || !fof2 || !hiddenFof || !blocked || !muted || !dismissed) throw new Error("users");
    for (const u of [friend, fof1, fof2, blocked, muted, dismissed]) await discoverable(u.account.id);
    await relate(me, friend.account.id, "follow");
    for (const u of [fof1, fof2, hiddenFof, blocked, muted, dismissed]) await relate(friend, u.account.id, "follow");
    await relate(me, blocked.account.id, "block");
    await relate(me, muted.account.id, "mute");
    const del = await api(`/api/v1/suggestions/${dismissed.account.id}`, { token: me.token, method: "DELETE" });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({});

    const list = await v2(me, "?limit=80");
    const fof = list.filter((s) => s.sources.includes("friends_of_friends")).map((s) => s.account.id);
    expect(fof.sort()).toEqual([fof1.account.id, fof2.account.id].map(String).sort());
    const all = list.map((s) => s.account.id);
    for (const u of [me, friend, hiddenFof, blocked, muted, dismissed]) expect(all).not.toContain(String(u.account.id));
    expect(list[0]?.sources).toContain("friends_of_friends");
    expect(list[0]?.source).toBe("past_interactions");

    const v1 = await api("/api/v1/suggestions?limit=80", { token: me.token });
    expect(v1.status).toBe(200);
    const accounts = (await v1.json()) as Array<{ id: string }>;
    expectEntity("Account", accounts, { array: true });
    expect(accounts.map((a) => a.id)).toEqual(all);

    const limited = await v2(me, "?limit=1");
    expect(limited).toHaveLength(1);
  }, 30_000);

  it("suggests most followed and recently active local accounts, unlocked only", async () => {
    const [me, popular, active, locked] = await users(4);
    if (!me || !popular || !active || !locked) throw new Error("users");
    const far = Date.now() + 20 * 365 * 86_400_000;
    await discoverable(popular.account.id, ", followers_count = 1000000");
    await discoverable(active.account.id, `, last_status_at = ${far}`);
    await discoverable(locked.account.id, `, locked = 1, followers_count = 2000000, last_status_at = ${far + 1}`);
    const list = await v2(me, "?limit=80");
    const byId = new Map(list.map((s) => [s.account.id, s]));
    expect(byId.get(String(popular.account.id))?.sources).toContain("most_followed");
    expect(byId.get(String(popular.account.id))?.source).toBe("global");
    expect(byId.get(String(active.account.id))?.sources).toContain("most_interactions");
    expect(byId.has(String(locked.account.id))).toBe(false);
    // Following removes it.
    await relate(me, popular.account.id, "follow");
    expect((await v2(me, "?limit=80")).map((s) => s.account.id)).not.toContain(String(popular.account.id));
  }, 30_000);

  it("checks scopes and unknown ids", async () => {
    const writer = await createTestUser({ scopes: "write" });
    expect((await api("/api/v2/suggestions", { token: writer.token })).status).toBe(403);
    expect((await api("/api/v1/suggestions", { token: writer.token })).status).toBe(403);
    const reader = await createTestUser({ scopes: "read" });
    expect((await api(`/api/v1/suggestions/${writer.account.id}`, { token: reader.token, method: "DELETE" })).status).toBe(403);
    expect((await api("/api/v2/suggestions")).status).toBe(401);
    const missing = await api("/api/v1/suggestions/99999999", { token: writer.token, method: "DELETE" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Record not found" });
  });
});
