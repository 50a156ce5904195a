import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relate, users } from "../feeds/helpers";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

const pins = async (accountId: number) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM account_pins WHERE account_id = ?").bind(accountId).first<{ n: number }>())?.n;

describe("endorsements", () => {
  it("endorses a followed account (endorse and the 4.4 pin alias), lists it, and unendorses", async () => {
    const [me, a, b] = await users(3);
    if (!me || !a || !b) throw new Error("users");
    await relate(me, a.account.id, "follow");
    await relate(me, b.account.id, "follow");

    const rel = await json<{ endorsed: boolean; following: boolean }>(
      await api(`/api/v1/accounts/${a.account.id}/endorse`, { token: me.token, method: "POST" }),
    );
    expectEntity("Relationship", rel);
    expect(rel).toMatchObject({ endorsed: true, following: true });
    await json(await api(`/api/v1/accounts/${b.account.id}/pin`, { token: me.token, method: "POST" }));
    // Idempotent.
    await json(await api(`/api/v1/accounts/${b.account.id}/pin`, { token: me.token, method: "POST" }));
    expect(await pins(me.account.id)).toBe(2);

    const rels = await json<Array<{ id: string; endorsed: boolean }>>(
      await api(`/api/v1/accounts/relationships?id[]=${a.account.id}&id[]=${b.account.id}`, { token: me.token }),
    );
    expect(rels.map((r) => r.endorsed)).toEqual([true, true]);

    // Paged by account id, newest account first.
    const first = await api("/api/v1/endorsements?limit=1", { token: me.token });
    const page1 = await json<Array<{ id: string }>>(first);
    expectEntity("Account", page1, { array: true });
    expect(page1.map((x) => x.id)).toEqual([String(b.account.id)]);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1] ?? "";
    expect(next).toContain(`max_id=${b.account.id}`);
    const page2 = await json<Array<{ id: string }>>(await api(next.replace("http://petrel.test", ""), { token: me.token }));
    expect(page2.map((x) => x.id)).toEqual([String(a.account.id)]);

    const publicList = await json<Array<{ id: string }>>(await api(`/api/v1/accounts/${me.account.id}/endorsements`));
    expectEntity("Account", publicList, { array: true });
    expect(publicList.map((x) => x.id)).toEqual([String(b.account.id), String(a.account.id)]);

    const un = await json<{ endorsed: boolean }>(
      await api(`/api/v1/accounts/${a.account.id}/unendorse`, { token: me.token, method: "POST" }),
    );
    expect(un.endorsed).toBe(false);
    await json(await api(`/api/v1/accounts/${b.account.id}/unpin`, { token: me.token, method: "POST" }));
    expect(await json(await api("/api/v1/endorsements", { token: me.token }))).toEqual([]);
    expect(await pins(me.account.id)).toBe(0);
  }, 30_000);

  it("refuses accounts not followed (and self) with Mastodon's message; unknown ids 404", async () => {
    const [me, other] = await users(2);
    if (!me || !other) throw new Error("users");
    for (const id of [other.account.id, me.account.id]) {
      const res = await api(`/api/v1/accounts/${id}/endorse`, { token: me.token, method: "POST" });
      expect(res.status).toBe(422);
      expect(await res.json()).toEqual({
        error: "Validation failed: You must be already following the person you want to endorse",
      });
    }
    expect(await pins(me.account.id)).toBe(0);
    const missing = await api("/api/v1/accounts/99999999/endorse", { token: me.token, method: "POST" });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Record not found" });
    expect((await api("/api/v1/accounts/99999999/endorsements")).status).toBe(404);
  });

  it("drops an endorsement from view once the follow ends; hides lists as Mastodon does", async () => {
    const [me, a, viewer] = await users(3);
    if (!me || !a || !viewer) throw new Error("users");
    await relate(me, a.account.id, "follow");
    await json(await api(`/api/v1/accounts/${a.account.id}/endorse`, { token: me.token, method: "POST" }));
    // A viewer muting the endorsed account does not see it.
    await relate(viewer, a.account.id, "mute");
    expect(await json(await api(`/api/v1/accounts/${me.account.id}/endorsements`, { token: viewer.token }))).toEqual([]);
    await relate(me, a.account.id, "unfollow");
    const rel = await json<Array<{ endorsed: boolean }>>(
      await api(`/api/v1/accounts/relationships?id[]=${a.account.id}`, { token: me.token }),
    );
    expect(rel[0]?.endorsed).toBe(false);
    expect(await json(await api("/api/v1/endorsements", { token: me.token }))).toEqual([]);
    expect(await json(await api(`/api/v1/accounts/${me.account.id}/endorsements`))).toEqual([]);
  }, 30_000);

  it("checks scopes", async () => {
    const [target] = await users(1);
    if (!target) throw new Error("users");
    const reader = await createTestUser({ scopes: "read" });
    expect((await api(`/api/v1/accounts/${target.account.id}/endorse`, { token: reader.token, method: "POST" })).status).toBe(
      403,
    );
    const writer = await createTestUser({ scopes: "write" });
    expect((await api("/api/v1/endorsements", { token: writer.token })).status).toBe(403);
    expect((await api(`/api/v1/accounts/${target.account.id}/endorsements`, { token: writer.token })).status).toBe(403);
    expect((await api("/api/v1/endorsements")).status).toBe(401);
  });
});
