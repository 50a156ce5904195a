import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { accountCounts, count, expectError, follow, lockedUser, post, relationship, relationshipOf, rows } from "./helpers";

describe("POST /api/v1/accounts/:id/follow and /unfollow", () => {
  it("follows, counts on both sides, notifies the target, and unfollows", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const rel = await follow(alice, bob);
    expect(rel).toMatchObject({ id: String(bob.account.id), following: true, requested: false, showing_reblogs: true });
    expect(rel.notifying).toBe(false);
    expect(rel.languages).toBeNull();
    expect(await accountCounts(alice)).toEqual({ followers: 0, following: 1 });
    expect(await accountCounts(bob)).toEqual({ followers: 1, following: 0 });
    const notes = await rows<{ type: string; from: number }>(
      "SELECT type, from_account_id AS [from] FROM notifications WHERE account_id = ?",
      bob.account.id,
    );
    expect(notes).toEqual([{ type: "follow", from: alice.account.id }]);

    // Following again changes nothing but the options.
    await follow(alice, bob);
    expect(await accountCounts(bob)).toEqual({ followers: 1, following: 0 });
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", bob.account.id)).toBe(1);

    const after = await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/unfollow`, alice.token));
    expect(after).toMatchObject({ following: false, requested: false, showing_reblogs: false });
    expect(await accountCounts(alice)).toEqual({ followers: 0, following: 0 });
    expect(await accountCounts(bob)).toEqual({ followers: 0, following: 0 });
    // Mastodon destroys the follow notification with the follow.
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", bob.account.id)).toBe(0);

    // Unfollowing someone you don't follow is fine.
    await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/unfollow`, alice.token));
  });

  it("changes reblogs, notify and languages when following again", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    expect(await follow(alice, bob, { reblogs: false })).toMatchObject({ showing_reblogs: false, notifying: false });
    expect(await follow(alice, bob, { notify: true })).toMatchObject({ showing_reblogs: false, notifying: true });
    const rel = await follow(alice, bob, { languages: ["en", "ES", "en"] });
    expect(rel).toMatchObject({ showing_reblogs: false, notifying: true, languages: ["en", "es"] });
    // Form encoding works too, and an empty list means all languages again.
    const res = await api(`/api/v1/accounts/${bob.account.id}/follow`, {
      token: alice.token,
      method: "POST",
      form: { reblogs: "true", "languages[]": "" },
    });
    expect(await relationshipOf(res)).toMatchObject({ showing_reblogs: true, notifying: true, languages: null });
  });

  it("refuses to follow yourself with Mastodon's 403 and stores nothing", async () => {
    const alice = await createTestUser();
    const res = await post(`/api/v1/accounts/${alice.account.id}/follow`, alice.token);
    await expectError(res, 403, "Following your own account is not allowed");
    expect(await count("SELECT count(*) AS n FROM follows WHERE account_id = ?", alice.account.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM follow_requests WHERE account_id = ?", alice.account.id)).toBe(0);
    expect(await accountCounts(alice)).toEqual({ followers: 0, following: 0 });
  });

  it("answers 404 Record not found for unknown, malformed and suspended accounts", async () => {
    const alice = await createTestUser();
    const gone = await createTestUser();
    await rows("UPDATE accounts SET suspended_at = ? WHERE id = ?", Date.now(), gone.account.id);
    for (const id of ["999999999999", "abc", String(gone.account.id)]) {
      for (const action of ["follow", "unfollow", "block", "mute", "note", "remove_from_followers"]) {
        await expectError(await post(`/api/v1/accounts/${id}/${action}`, alice.token), 404, "Record not found");
      }
    }
    expect(await count("SELECT count(*) AS n FROM follows WHERE account_id = ?", alice.account.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM blocks WHERE account_id = ?", alice.account.id)).toBe(0);
  });

  it("rejects invalid languages with 422 and keeps the follow as it was", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await follow(alice, bob, { languages: ["de"] });
    const res = await post(`/api/v1/accounts/${bob.account.id}/follow`, alice.token, { languages: ["not a language!"] });
    const error = await expectError(res, 422);
    expect(error).toMatch(/^Validation failed: Languages/);
    expect((await relationship(alice, bob)).languages).toEqual(["de"]);
  });

  it("needs a token with write:follows", async () => {
    const bob = await createTestUser();
    const reader = await createTestUser({ scopes: "read" });
    await expectError(await post(`/api/v1/accounts/${bob.account.id}/follow`, reader.token), 403);
    await expectError(await api(`/api/v1/accounts/${bob.account.id}/follow`, { method: "POST" }), 401);
    expect(await count("SELECT count(*) AS n FROM follows WHERE target_account_id = ?", bob.account.id)).toBe(0);
    // The legacy `follow` scope is enough.
    const legacy = await createTestUser({ scopes: "follow" });
    expect(await follow(legacy, bob)).toMatchObject({ following: true });
  });
});

describe("locked accounts and follow requests", () => {
  it("request → follow_request notification → authorize → following (with the requested options)", async () => {
    const alice = await createTestUser();
    const bob = await lockedUser();
    const rel = await follow(alice, bob, { reblogs: false, notify: true });
    expect(rel).toMatchObject({ following: false, requested: true, showing_reblogs: false, notifying: true });
    expect(await accountCounts(bob)).toEqual({ followers: 0, following: 0 });
    expect(await relationship(bob, alice)).toMatchObject({ requested_by: true, followed_by: false });

    const notes = await api("/api/v1/notifications", { token: bob.token });
    const list = (await notes.json()) as Array<{ type: string; account: { id: string } }>;
    expectEntity("Notification", list, { array: true });
    expect(list.map((n) => [n.type, n.account.id])).toEqual([["follow_request", String(alice.account.id)]]);

    const requests = await api("/api/v1/follow_requests", { token: bob.token });
    const accounts = (await requests.json()) as Array<{ id: string }>;
    expectEntity("Account", accounts, { array: true });
    expect(accounts.map((a) => a.id)).toEqual([String(alice.account.id)]);

    const authorized = await relationshipOf(await post(`/api/v1/follow_requests/${alice.account.id}/authorize`, bob.token));
    expect(authorized).toMatchObject({ id: String(alice.account.id), followed_by: true, requested_by: false });
    expect(await relationship(alice, bob)).toMatchObject({
      following: true,
      requested: false,
      showing_reblogs: false,
      notifying: true,
    });
    expect(await accountCounts(bob)).toEqual({ followers: 1, following: 0 });
    // The request notification went with the request; Mastodon then notifies the new follow.
    const types = await rows<{ type: string }>("SELECT type FROM notifications WHERE account_id = ? ORDER BY id", bob.account.id);
    expect(types.map((t) => t.type)).toEqual(["follow"]);

    // Nothing is pending any more.
    await expectError(await post(`/api/v1/follow_requests/${alice.account.id}/authorize`, bob.token), 404, "Record not found");
  });

  it("rejects a request, and withdraws one by unfollowing", async () => {
    const alice = await createTestUser();
    const carol = await createTestUser();
    const bob = await lockedUser();
    await follow(alice, bob);
    await follow(carol, bob);
    const rejected = await relationshipOf(await post(`/api/v1/follow_requests/${alice.account.id}/reject`, bob.token));
    expect(rejected).toMatchObject({ followed_by: false, requested_by: false });
    expect(await relationship(alice, bob)).toMatchObject({ following: false, requested: false });
    await expectError(await post(`/api/v1/follow_requests/${alice.account.id}/reject`, bob.token), 404, "Record not found");

    const withdrawn = await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/unfollow`, carol.token));
    expect(withdrawn).toMatchObject({ following: false, requested: false });
    expect(await count("SELECT count(*) AS n FROM follow_requests WHERE target_account_id = ?", bob.account.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", bob.account.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM follows WHERE target_account_id = ?", bob.account.id)).toBe(0);
  });

  it("authorize and reject answer 404 for unknown accounts and for accounts that asked nothing", async () => {
    const bob = await lockedUser();
    const stranger = await createTestUser();
    for (const action of ["authorize", "reject"]) {
      await expectError(await post(`/api/v1/follow_requests/999999999999/${action}`, bob.token), 404, "Record not found");
      await expectError(
        await post(`/api/v1/follow_requests/${stranger.account.id}/${action}`, bob.token),
        404,
        "Record not found",
      );
    }
    expect(await count("SELECT count(*) AS n FROM follows WHERE target_account_id = ?", bob.account.id)).toBe(0);
  });
});

describe("POST /api/v1/accounts/:id/remove_from_followers", () => {
  it("removes a follower and leaves your own follow alone", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await follow(alice, bob);
    await follow(bob, alice);
    const rel = await relationshipOf(await post(`/api/v1/accounts/${alice.account.id}/remove_from_followers`, bob.token));
    expect(rel).toMatchObject({ followed_by: false, following: true });
    expect(await accountCounts(bob)).toEqual({ followers: 0, following: 1 });
    expect(await relationship(alice, bob)).toMatchObject({ following: false, followed_by: true });
  });
});
