import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { relate, remoteAccount, users } from "../feeds/helpers";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

async function ids(path: string, token?: string): Promise<string[]> {
  const res = await api(path, token ? { token } : {});
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as Array<{ id: string }>;
  expectEntity("Account", body, { array: true });
  return body.map((a) => a.id);
}

async function discoverable(id: number, lastStatusAt: number | null): Promise<void> {
  await env.DB.prepare("UPDATE accounts SET discoverable = 1, last_status_at = ? WHERE id = ?").bind(lastStatusAt, id).run();
}

describe("GET /api/v1/directory", () => {
  it("lists discoverable accounts by latest status or newest, local only on request, with offset and limit", async () => {
    const [a, b, c, hidden, viewer] = await users(5);
    if (!a || !b || !c || !hidden || !viewer) throw new Error("users");
    // Far-future activity puts these first whatever other files left in the database.
    const t = Date.now() + 10 * 365 * 86_400_000;
    await discoverable(a.account.id, t + 3000);
    await discoverable(b.account.id, t + 1000);
    await discoverable(c.account.id, t + 2000);
    const remote = await remoteAccount();
    await discoverable(remote.id, t + 4000);
    await env.DB.prepare("UPDATE accounts SET discoverable = 0, last_status_at = ? WHERE id = ?")
      .bind(t + 5000, hidden.account.id)
      .run();

    const all = await ids("/api/v1/directory?limit=4");
    expect(all).toEqual([remote.id, a.account.id, c.account.id, b.account.id].map(String));
    expect(await ids("/api/v1/directory?limit=3&local=true")).toEqual([a.account.id, c.account.id, b.account.id].map(String));
    expect(await ids("/api/v1/directory?limit=2&offset=1&local=1")).toEqual([c.account.id, b.account.id].map(String));
    const newest = await ids("/api/v1/directory?order=new&limit=80");
    const mine = newest.filter((id) => [a, b, c].some((u) => String(u.account.id) === id));
    expect(mine).toEqual([c.account.id, b.account.id, a.account.id].map(String));
    expect(newest).not.toContain(String(hidden.account.id));

    await relate(viewer, a.account.id, "block");
    expect(await ids("/api/v1/directory?limit=2&local=true", viewer.token)).toEqual([c.account.id, b.account.id].map(String));
    const dom = await api("/api/v1/domain_blocks", { token: viewer.token, json: { domain: remote.domain } });
    expect(dom.status).toBe(200);
    expect(await ids("/api/v1/directory?limit=1", viewer.token)).toEqual([String(c.account.id)]);
  }, 30_000);

  it("treats a bad offset as 0 and checks a token's scope", async () => {
    const res = await api("/api/v1/directory?offset=-5&limit=abc");
    expect(res.status).toBe(200);
    const writer = await createTestUser({ scopes: "write" });
    expect((await api("/api/v1/directory", { token: writer.token })).status).toBe(403);
  });
});
