import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import {
  count,
  exec,
  expectError,
  follow,
  type Json,
  linkOf,
  lockedUser,
  post,
  relationshipOf,
  remoteAccount,
  walkPages,
} from "./helpers";

async function users(n: number): Promise<TestUser[]> {
  const out: TestUser[] = [];
  for (let i = 0; i < n; i++) out.push(await createTestUser());
  return out;
}

describe("GET /api/v1/accounts/:id/followers and /following", () => {
  it("page with Link headers only: each account exactly once, no next link at the end", async () => {
    const star = await createTestUser();
    const fans = await users(5);
    for (const fan of fans) await follow(fan, star);
    for (const fan of fans) await follow(star, fan);
    const newestFirst = fans.map((f) => String(f.account.id)).reverse();

    for (const direction of ["followers", "following"]) {
      const { seen, pages } = await walkPages(`/api/v1/accounts/${star.account.id}/${direction}?limit=2`, undefined);
      expect(seen).toEqual(newestFirst);
      expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
      const res = await api(`/api/v1/accounts/${star.account.id}/${direction}?limit=2`);
      expectEntity("Account", await res.json(), { array: true });
      // `prev` from the first page leads to nothing newer.
      const prev = linkOf(res, "prev");
      expect(prev).toBeDefined();
      const newer = await api(prev as string);
      expect(await newer.json()).toEqual([]);
      expect(newer.headers.get("link")).toBeNull();
    }
  });

  it("are empty when the owner hides them (except to the owner) or blocks the viewer; hide blocked accounts", async () => {
    const owner = await createTestUser();
    const [a, b, viewer] = await users(3);
    if (!a || !b || !viewer) throw new Error("setup");
    await follow(a, owner);
    await follow(b, owner);
    await relationshipOf(await post(`/api/v1/accounts/${a.account.id}/block`, viewer.token));
    const seenByViewer = await api(`/api/v1/accounts/${owner.account.id}/followers`, { token: viewer.token });
    expect(((await seenByViewer.json()) as Json[]).map((x) => x.id)).toEqual([String(b.account.id)]);

    await exec("UPDATE accounts SET hide_collections = 1 WHERE id = ?", owner.account.id);
    const hidden = await api(`/api/v1/accounts/${owner.account.id}/followers`, { token: viewer.token });
    expect(await hidden.json()).toEqual([]);
    expect(await (await api(`/api/v1/accounts/${owner.account.id}/followers`)).json()).toEqual([]);
    const own = await api(`/api/v1/accounts/${owner.account.id}/followers`, { token: owner.token });
    expect(((await own.json()) as Json[]).length).toBe(2);

    await exec("UPDATE accounts SET hide_collections = 0 WHERE id = ?", owner.account.id);
    await relationshipOf(await post(`/api/v1/accounts/${viewer.account.id}/block`, owner.token));
    expect(await (await api(`/api/v1/accounts/${owner.account.id}/followers`, { token: viewer.token })).json()).toEqual([]);
  });

  it("reject garbage paging params with 400 and unknown accounts with 404", async () => {
    const owner = await createTestUser();
    await expectError(await api(`/api/v1/accounts/${owner.account.id}/followers?max_id=abc`), 400, "max_id must be a numeric id");
    await expectError(
      await api(`/api/v1/accounts/${owner.account.id}/following?since_id=1e5`),
      400,
      "since_id must be a numeric id",
    );
    await expectError(await api("/api/v1/accounts/999999999999/followers"), 404, "Record not found");
    await expectError(await api("/api/v1/blocks?min_id=x", { token: owner.token }), 400, "min_id must be a numeric id");
    await expectError(await api("/api/v1/notifications?max_id=abc", { token: owner.token }), 400, "max_id must be a numeric id");
  });
});

describe("GET /api/v1/follow_requests", () => {
  it("pages with Link headers", async () => {
    const me = await lockedUser();
    const askers = await users(5);
    for (const asker of askers) await follow(asker, me);
    const { seen, pages } = await walkPages("/api/v1/follow_requests?limit=2", me.token);
    expect(seen).toEqual(askers.map((a) => String(a.account.id)).reverse());
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
  });
});

describe("/api/v1/domain_blocks", () => {
  it("adds, lists with Link paging, and removes domains; blocking ends follows with accounts there", async () => {
    const me = await createTestUser();
    const domains = [1, 2, 3].map(() => `${uniqueName("dom")}.example`);
    const remote = await remoteAccount(domains[0] as string);
    await exec(
      "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
      Date.now() * 4096 + 11,
      remote,
      me.account.id,
      Date.now(),
    );
    for (const domain of domains) {
      const res = await api("/api/v1/domain_blocks", { token: me.token, method: "POST", form: { domain: domain.toUpperCase() } });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    // Blocking twice is fine.
    expect((await api("/api/v1/domain_blocks", { token: me.token, method: "POST", json: { domain: domains[0] } })).status).toBe(
      200,
    );
    expect(await count("SELECT count(*) AS n FROM follows WHERE target_account_id = ?", me.account.id)).toBe(0);

    const { seen } = await walkPages("/api/v1/domain_blocks?limit=2", me.token, (d) => String(d));
    expect(seen).toEqual([...domains].reverse());

    const removed = await api(`/api/v1/domain_blocks?domain=${domains[1]}`, { token: me.token, method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({});
    const list = await api("/api/v1/domain_blocks", { token: me.token });
    expect(await list.json()).toEqual([domains[2], domains[0]]);
  });

  it("rejects invalid and blank domains with 422 and stores nothing", async () => {
    const me = await createTestUser();
    for (const domain of ["not a domain", "https://example.com/x", "exa$mple.com", `${"a".repeat(64)}.com`]) {
      const res = await api("/api/v1/domain_blocks", { token: me.token, method: "POST", json: { domain } });
      await expectError(res, 422, "Validation failed: Domain is not a valid domain name");
    }
    await expectError(
      await api("/api/v1/domain_blocks", { token: me.token, method: "POST", json: {} }),
      422,
      "Validation failed: Domain can't be blank",
    );
    expect(await count("SELECT count(*) AS n FROM account_domain_blocks WHERE account_id = ?", me.account.id)).toBe(0);
  });
});

describe("GET /api/v1/accounts/search", () => {
  it("matches handles by prefix and display names by word, exact handle first; following=true narrows", async () => {
    const me = await createTestUser();
    const stem = uniqueName("srch").slice(0, 20).toLowerCase();
    const exact = await createTestUser({ username: stem });
    const longer = await createTestUser({ username: `${stem}x` });
    const named = await createTestUser();
    await exec("UPDATE accounts SET display_name = ? WHERE id = ?", `Dr ${stem.toUpperCase()} Who`, named.account.id);

    const res = await api(`/api/v1/accounts/search?q=${stem.toUpperCase()}`, { token: me.token });
    expect(res.status).toBe(200);
    const list = (await res.json()) as Json[];
    expectEntity("Account", list, { array: true });
    expect(list.map((a) => a.id)).toEqual([exact, longer, named].map((u) => String(u.account.id)));

    const withAt = await api(`/api/v1/accounts/search?q=@${stem}x`, { token: me.token });
    expect(((await withAt.json()) as Json[]).map((a) => a.id)).toEqual([String(longer.account.id)]);

    const paged = await api(`/api/v1/accounts/search?q=${stem}&limit=1&offset=1`, { token: me.token });
    expect(((await paged.json()) as Json[]).map((a) => a.id)).toEqual([String(longer.account.id)]);

    await follow(me, named);
    const following = await api(`/api/v1/accounts/search?q=${stem}&following=true`, { token: me.token });
    expect(((await following.json()) as Json[]).map((a) => a.id)).toEqual([String(named.account.id)]);

    // Someone who blocks you is not found.
    await relationshipOf(await post(`/api/v1/accounts/${me.account.id}/block`, exact.token));
    const afterBlock = await api(`/api/v1/accounts/search?q=${stem}`, { token: me.token });
    expect(((await afterBlock.json()) as Json[]).map((a) => a.id)).not.toContain(String(exact.account.id));
  });

  it("returns [] for a blank query and escapes LIKE wildcards", async () => {
    const me = await createTestUser();
    expect(await (await api("/api/v1/accounts/search?q=", { token: me.token })).json()).toEqual([]);
    expect(await (await api("/api/v1/accounts/search", { token: me.token })).json()).toEqual([]);
    expect(await (await api("/api/v1/accounts/search?q=%25%25%25zz", { token: me.token })).json()).toEqual([]);
    await expectError(await api("/api/v1/accounts/search?q=a"), 401);
  });
});

describe("GET /api/v1/accounts/familiar_followers", () => {
  it("lists the accounts you follow that follow each id, in order, leaving out those hiding their collections", async () => {
    const me = await createTestUser();
    const [friend, shy, stranger, target, other] = await users(5);
    if (!friend || !shy || !stranger || !target || !other) throw new Error("setup");
    await follow(me, friend);
    await follow(me, shy);
    await follow(friend, target);
    await follow(shy, target);
    await follow(stranger, target);
    await exec("UPDATE accounts SET hide_collections = 1 WHERE id = ?", shy.account.id);

    const res = await api(
      `/api/v1/accounts/familiar_followers?id[]=${other.account.id}&id[]=${target.account.id}&id[]=999999999999`,
      { token: me.token },
    );
    expect(res.status).toBe(200);
    const list = (await res.json()) as Array<{ id: string; accounts: Json[] }>;
    expectEntity("FamiliarFollowers", list, { array: true });
    expect(list.map((r) => [r.id, r.accounts.map((a) => a.id)])).toEqual([
      [String(other.account.id), []],
      [String(target.account.id), [String(friend.account.id)]],
    ]);
  });
});

describe("GET /api/v1/accounts/:id/lists", () => {
  it("lists the viewer's lists containing the account", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    const listId = Date.now() * 4096 + 77;
    await exec(
      "INSERT INTO lists (id, account_id, title, created_at) VALUES (?, ?, ?, ?)",
      listId,
      me.account.id,
      "Pals",
      Date.now(),
    );
    await exec("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)", listId, other.account.id);
    const res = await api(`/api/v1/accounts/${other.account.id}/lists`, { token: me.token });
    const lists = (await res.json()) as Json[];
    expectEntity("List", lists, { array: true });
    expect(lists).toEqual([{ id: String(listId), title: "Pals", replies_policy: "list", exclusive: false }]);
    // Someone else's view of the same account has none.
    expect(await (await api(`/api/v1/accounts/${other.account.id}/lists`, { token: other.token })).json()).toEqual([]);
  });
});
