import { describe, expect, it } from "vitest";
import { notify } from "../../src/services/notifications";
import { api, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import {
  accountCounts,
  count,
  exec,
  expectError,
  follow,
  type Json,
  lockedUser,
  post,
  relationship,
  relationshipOf,
  rows,
  walkPages,
} from "./helpers";

describe("blocks", () => {
  it("end follows both ways, withdraw requests both ways, and clear the blocked account's notifications", async () => {
    const alice = await lockedUser();
    const bob = await lockedUser();
    const carol = await createTestUser();
    const dave = await createTestUser();
    // alice ⇄ carol follow each other; bob asked to follow alice and alice asked to follow bob.
    await follow(carol, alice);
    await relationshipOf(await post(`/api/v1/follow_requests/${carol.account.id}/authorize`, alice.token));
    await follow(alice, carol);
    await follow(bob, alice);
    await follow(alice, bob);
    await follow(dave, alice);
    expect(await accountCounts(alice)).toEqual({ followers: 1, following: 1 });

    const blockedCarol = await relationshipOf(await post(`/api/v1/accounts/${carol.account.id}/block`, alice.token));
    expect(blockedCarol).toMatchObject({ blocking: true, following: false, followed_by: false });
    const blockedBob = await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/block`, alice.token));
    expect(blockedBob).toMatchObject({ blocking: true, requested: false, requested_by: false });
    expect(await accountCounts(alice)).toEqual({ followers: 0, following: 0 });
    expect(await accountCounts(carol)).toEqual({ followers: 0, following: 0 });
    expect(await relationship(carol, alice)).toMatchObject({ blocked_by: true, following: false, followed_by: false });
    expect(
      await count(
        "SELECT count(*) AS n FROM follow_requests WHERE account_id IN (?, ?) AND target_account_id IN (?, ?)",
        alice.account.id,
        bob.account.id,
        alice.account.id,
        bob.account.id,
      ),
    ).toBe(0);
    // Only dave's request notification is left for alice.
    const left = await rows<{ from: number }>(
      "SELECT from_account_id AS [from] FROM notifications WHERE account_id = ?",
      alice.account.id,
    );
    expect(left).toEqual([{ from: dave.account.id }]);

    // Blocked either way: following is not allowed, and nothing is stored.
    await expectError(await post(`/api/v1/accounts/${alice.account.id}/follow`, carol.token), 403, "This action is not allowed");
    await expectError(await post(`/api/v1/accounts/${carol.account.id}/follow`, alice.token), 403, "This action is not allowed");
    expect(await count("SELECT count(*) AS n FROM follows WHERE account_id = ?", carol.account.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM follow_requests WHERE account_id = ?", carol.account.id)).toBe(0);

    const unblocked = await relationshipOf(await post(`/api/v1/accounts/${carol.account.id}/unblock`, alice.token));
    expect(unblocked).toMatchObject({ blocking: false, following: false });
    expect(await follow(carol, alice)).toMatchObject({ requested: true });
  });

  it("blocking or muting yourself does nothing, as in Mastodon", async () => {
    const alice = await createTestUser();
    expect(await relationshipOf(await post(`/api/v1/accounts/${alice.account.id}/block`, alice.token))).toMatchObject({
      blocking: false,
    });
    expect(await relationshipOf(await post(`/api/v1/accounts/${alice.account.id}/mute`, alice.token))).toMatchObject({
      muting: false,
    });
    expect(await count("SELECT count(*) AS n FROM blocks WHERE account_id = ?", alice.account.id)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM mutes WHERE account_id = ?", alice.account.id)).toBe(0);
  });

  it("GET /api/v1/blocks pages by block with Link headers only", async () => {
    const me = await createTestUser();
    const targets = [];
    for (let i = 0; i < 5; i++) {
      const t = await createTestUser();
      targets.push(t);
      await relationshipOf(await post(`/api/v1/accounts/${t.account.id}/block`, me.token));
    }
    const { seen, pages } = await walkPages("/api/v1/blocks?limit=2", me.token);
    expect(seen).toEqual(targets.map((t) => String(t.account.id)).reverse());
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const res = await api("/api/v1/blocks", { token: me.token });
    expectEntity("Account", await res.json(), { array: true });
  });
});

describe("mutes", () => {
  it("mute with a duration and without notifications, then unmute", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const rel = await relationshipOf(
      await post(`/api/v1/accounts/${bob.account.id}/mute`, alice.token, { notifications: false, duration: 60 }),
    );
    expect(rel).toMatchObject({ muting: true, muting_notifications: false });
    const expires = Date.parse(String(rel.muting_expires_at));
    expect(Math.abs(expires - (Date.now() + 60_000))).toBeLessThan(10_000);

    // Muting again replaces the options: forever, notifications hidden.
    const again = await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/mute`, alice.token, { duration: 0 }));
    expect(again).toMatchObject({ muting: true, muting_notifications: true, muting_expires_at: null });

    const unmuted = await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/unmute`, alice.token));
    expect(unmuted).toMatchObject({ muting: false, muting_notifications: false });
    expect(await count("SELECT count(*) AS n FROM mutes WHERE account_id = ?", alice.account.id)).toBe(0);
  });

  it("reads duration like Rails' to_i: garbage and negatives mean forever", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    for (const duration of ["abc", "-30", ""]) {
      const res = await api(`/api/v1/accounts/${bob.account.id}/mute`, {
        token: alice.token,
        method: "POST",
        form: { duration },
      });
      expect(await relationshipOf(res)).toMatchObject({ muting: true, muting_expires_at: null });
    }
    expect(await count("SELECT count(*) AS n FROM mutes WHERE account_id = ?", alice.account.id)).toBe(1);
  });

  it("an expired mute counts as none", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/mute`, alice.token, { duration: 30 }));
    await exec("UPDATE mutes SET expires_at = ? WHERE account_id = ?", Date.now() - 1000, alice.account.id);
    expect(await relationship(alice, bob)).toMatchObject({ muting: false });
    const list = await api("/api/v1/mutes", { token: alice.token });
    expect(await list.json()).toEqual([]);
    // And notifications flow again.
    expect(await notify(db(), { recipientId: alice.account.id, fromAccountId: bob.account.id, type: "follow" })).toBeDefined();
  });

  it("muting with notifications clears the muted account's notifications", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await follow(bob, alice);
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", alice.account.id)).toBe(1);
    await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/mute`, alice.token));
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", alice.account.id)).toBe(0);
    // Mutes leave follows alone.
    expect(await relationship(alice, bob)).toMatchObject({ followed_by: true, muting: true });
  });

  it("GET /api/v1/mutes pages with Link headers and shows mute_expires_at", async () => {
    const me = await createTestUser();
    const targets = [];
    for (let i = 0; i < 5; i++) {
      const t = await createTestUser();
      targets.push(t);
      await relationshipOf(await post(`/api/v1/accounts/${t.account.id}/mute`, me.token, i === 4 ? { duration: 600 } : {}));
    }
    const { seen } = await walkPages("/api/v1/mutes?limit=2", me.token);
    expect(seen).toEqual(targets.map((t) => String(t.account.id)).reverse());
    const res = await api("/api/v1/mutes", { token: me.token });
    const list = (await res.json()) as Json[];
    expectEntity("MutedAccount", list, { array: true });
    expect(list[0]?.mute_expires_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/));
    expect(list[1]?.mute_expires_at).toBeNull();
  });
});

describe("POST /api/v1/accounts/:id/note", () => {
  it("sets, replaces and clears a note", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const set = await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/note`, alice.token, { comment: "first" }));
    expect(set.note).toBe("first");
    const form = await api(`/api/v1/accounts/${bob.account.id}/note`, {
      token: alice.token,
      method: "POST",
      form: { comment: "second" },
    });
    expect((await relationshipOf(form)).note).toBe("second");
    // Only the author sees it.
    expect((await relationship(bob, alice)).note).toBe("");
    const cleared = await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/note`, alice.token, { comment: "" }));
    expect(cleared.note).toBe("");
    expect(await count("SELECT count(*) AS n FROM account_notes WHERE account_id = ?", alice.account.id)).toBe(0);
  });

  it("rejects notes over 2000 characters with 422 and keeps the old one", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await relationshipOf(await post(`/api/v1/accounts/${bob.account.id}/note`, alice.token, { comment: "keep me" }));
    const res = await post(`/api/v1/accounts/${bob.account.id}/note`, alice.token, { comment: "x".repeat(2001) });
    await expectError(res, 422, "Validation failed: Comment is too long (maximum is 2000 characters)");
    expect((await relationship(alice, bob)).note).toBe("keep me");
  });
});
