import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, follow, type Json, linkOf, ok, rows } from "./helpers";

async function listOf(user: TestUser): Promise<string> {
  return String((await ok("/api/v1/lists", user.token, "POST", { title: "Members" })).id);
}

const members = async (listId: string) =>
  (
    await rows<{ id: number }>("SELECT account_id AS id FROM list_accounts WHERE list_id = ? ORDER BY account_id", Number(listId))
  ).map((r) => r.id);

async function followed(owner: TestUser, n: number): Promise<TestUser[]> {
  const users: TestUser[] = [];
  for (let i = 0; i < n; i++) {
    const user = await createTestUser();
    await follow(owner, user);
    users.push(user);
  }
  return users;
}

describe("list members", () => {
  it("adds followed accounts, shows them as Accounts, and removes them", async () => {
    const alice = await createTestUser();
    const [bob, carol] = (await followed(alice, 2)) as [TestUser, TestUser];
    const listId = await listOf(alice);
    const ids = [String(bob.account.id), String(carol.account.id)];
    expect(await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", { account_ids: ids })).toEqual({});
    expect(await members(listId)).toEqual([bob.account.id, carol.account.id].sort((a, b) => a - b));

    const res = await api(`/api/v1/lists/${listId}/accounts`, { token: alice.token });
    const body = (await res.json()) as Json[];
    expectEntity("Account", body, { array: true });
    // Newest account first, as Mastodon pages them by account id.
    expect(body.map((a) => a.id)).toEqual([carol.account.id, bob.account.id].sort((a, b) => b - a).map(String));
    // A short page has no `next`, only `prev`.
    expect(linkOf(res, "next")).toBeUndefined();
    expect(linkOf(res, "prev")).toBeDefined();

    // The account joins the lists the relationships API reports.
    const containing = await ok<Json[]>(`/api/v1/accounts/${bob.account.id}/lists`, alice.token);
    expect(containing.map((l) => l.id)).toEqual([listId]);

    // Removing takes form arrays too; ids not in the list are ignored.
    const removed = await api(`/api/v1/lists/${listId}/accounts?account_ids[]=${bob.account.id}&account_ids[]=12345`, {
      token: alice.token,
      method: "DELETE",
    });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({});
    expect(await members(listId)).toEqual([carol.account.id]);
  });

  it("pages by Link headers only and returns everything with limit=0", async () => {
    const alice = await createTestUser();
    const people = await followed(alice, 5);
    const listId = await listOf(alice);
    await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", { account_ids: people.map((p) => String(p.account.id)) });
    const expected = people
      .map((p) => p.account.id)
      .sort((a, b) => b - a)
      .map(String);

    const seen: string[] = [];
    let next: string | undefined = `/api/v1/lists/${listId}/accounts?limit=2`;
    let pages = 0;
    while (next && pages < 10) {
      const res = await api(next, { token: alice.token });
      expect(res.status).toBe(200);
      const page = (await res.json()) as Json[];
      if (page.length === 0) expect(res.headers.get("link")).toBeNull();
      seen.push(...page.map((a) => String(a.id)));
      next = linkOf(res, "next");
      if (next) expect(next).toContain("limit=2");
      pages += 1;
    }
    expect(seen).toEqual(expected);

    // prev (min_id) pages back towards newer accounts.
    const lastPage = await api(`/api/v1/lists/${listId}/accounts?limit=2&max_id=${expected[2]}`, { token: alice.token });
    const prev = linkOf(lastPage, "prev");
    expect(prev).toBeDefined();
    const newer = (await (await api(prev as string, { token: alice.token })).json()) as Json[];
    expect(newer.map((a) => a.id)).toEqual(expected.slice(1, 3));
    // since_id works as in Mastodon's own prev links.
    const since = await ok<Json[]>(`/api/v1/lists/${listId}/accounts?since_id=${expected[2]}`, alice.token);
    expect(since.map((a) => a.id)).toEqual(expected.slice(0, 2));

    const all = await api(`/api/v1/lists/${listId}/accounts?limit=0`, { token: alice.token });
    expect(((await all.json()) as Json[]).map((a) => a.id)).toEqual(expected);
    expect(all.headers.get("link")).toBeNull();
  });

  it("refuses accounts the owner does not follow with 404, adding none of the batch", async () => {
    const alice = await createTestUser();
    const [bob] = (await followed(alice, 1)) as [TestUser];
    const stranger = await createTestUser();
    const listId = await listOf(alice);
    const res = await api(`/api/v1/lists/${listId}/accounts`, {
      token: alice.token,
      json: { account_ids: [String(bob.account.id), String(stranger.account.id)] },
    });
    await expectError(res, 404, "Record not found");
    expect(await members(listId)).toEqual([]);

    for (const bad of ["999999999", "abc"]) {
      const unknown = await api(`/api/v1/lists/${listId}/accounts`, { token: alice.token, json: { account_ids: [bad] } });
      await expectError(unknown, 404, "Record not found");
    }
    expect(await members(listId)).toEqual([]);
  });

  it("accepts a pending follow request and the owner themself, as Mastodon", async () => {
    const alice = await createTestUser();
    const locked = await createTestUser();
    await rows("UPDATE accounts SET locked = 1 WHERE id = ?", locked.account.id);
    await follow(alice, locked);
    expect(await count("SELECT 1 FROM follow_requests WHERE account_id = ?", alice.account.id)).toBe(1);
    const listId = await listOf(alice);
    const ids = [String(locked.account.id), String(alice.account.id)];
    await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", { account_ids: ids });
    expect(await members(listId)).toEqual([locked.account.id, alice.account.id].sort((a, b) => a - b));
  });

  it("refuses an account already in the list with 422 and adds nothing else", async () => {
    const alice = await createTestUser();
    const [bob, carol] = (await followed(alice, 2)) as [TestUser, TestUser];
    const listId = await listOf(alice);
    await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", { account_ids: [String(bob.account.id)] });
    const res = await api(`/api/v1/lists/${listId}/accounts`, {
      token: alice.token,
      json: { account_ids: [String(carol.account.id), String(bob.account.id)] },
    });
    await expectError(res, 422, "Validation failed: Account has already been taken");
    expect(await members(listId)).toEqual([bob.account.id]);
    // The same id twice in one request is one member.
    const twice = { account_ids: [String(carol.account.id), String(carol.account.id)] };
    await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", twice);
    expect(await members(listId)).toEqual([bob.account.id, carol.account.id].sort((a, b) => a - b));
    // No ids at all is a no-op.
    expect(await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", {})).toEqual({});
  });

  it("fills the list timeline with a new member's recent posts and empties it when they leave", async () => {
    const alice = await createTestUser();
    const [bob] = (await followed(alice, 1)) as [TestUser];
    const posted = await ok(`/api/v1/statuses`, bob.token, "POST", { status: "hello list" });
    const listId = await listOf(alice);
    expect(await ok<Json[]>(`/api/v1/timelines/list/${listId}`, alice.token)).toEqual([]);
    await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", { account_ids: [String(bob.account.id)] });
    const timeline = await ok<Json[]>(`/api/v1/timelines/list/${listId}`, alice.token);
    expect(timeline.map((s) => s.id)).toEqual([posted.id]);
    await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "DELETE", { account_ids: [String(bob.account.id)] });
    expect(await ok<Json[]>(`/api/v1/timelines/list/${listId}`, alice.token)).toEqual([]);
  });

  it("deletes the memberships with the list", async () => {
    const alice = await createTestUser();
    const [bob] = (await followed(alice, 1)) as [TestUser];
    const listId = await listOf(alice);
    await ok(`/api/v1/lists/${listId}/accounts`, alice.token, "POST", { account_ids: [String(bob.account.id)] });
    await ok(`/api/v1/lists/${listId}`, alice.token, "DELETE");
    expect(await members(listId)).toEqual([]);
    await expectError(await api(`/api/v1/timelines/list/${listId}`, { token: alice.token }), 404, "Record not found");
  });
});
