import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { block, count, expectError, follow, ok, post, type StatusJson } from "./helpers";

const act = (user: TestUser, id: string, action: string, json?: unknown) =>
  api(`/api/v1/statuses/${id}/${action}`, { token: user.token, method: "POST", json });

async function acted(user: TestUser, id: string, action: string, json?: unknown): Promise<StatusJson> {
  const res = await act(user, id, action, json);
  const body = (await res.json()) as StatusJson;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectEntity("Status", body);
  return body;
}

const notificationsOf = (type: string, statusId: string) =>
  count("SELECT 1 FROM notifications WHERE type = ? AND status_id = ?", type, Number(statusId));

describe("favourites", () => {
  it("count one per user however many requests race, and notify the author once", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "like me");
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => act(bob, s.id, "favourite")));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const seen = await ok(`/api/v1/statuses/${s.id}`, bob);
    expect(seen).toMatchObject({ favourites_count: 1, favourited: true });
    expect(await count("SELECT 1 FROM favourites WHERE status_id = ?", Number(s.id))).toBe(1);
    expect(await count("SELECT 1 FROM notifications WHERE account_id = ? AND type = 'favourite'", alice.account.id)).toBe(1);
  });

  it("count five when five users favourite at once", async () => {
    const alice = await createTestUser();
    const fans = await Promise.all([1, 2, 3, 4, 5].map(() => createTestUser()));
    const s = await post(alice, "popular");
    await Promise.all(fans.map((f) => acted(f, s.id, "favourite")));
    expect((await ok(`/api/v1/statuses/${s.id}`, alice)).favourites_count).toBe(5);
    expect(await notificationsOf("favourite", s.id)).toBe(5);
  });

  it("undo the favourite and its notification; unfavouriting twice is harmless", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "meh");
    await acted(bob, s.id, "favourite");
    const undone = await acted(bob, s.id, "unfavourite");
    expect(undone).toMatchObject({ favourited: false, favourites_count: 0 });
    expect(await notificationsOf("favourite", s.id)).toBe(0);
    expect((await acted(bob, s.id, "unfavourite")).favourites_count).toBe(0);
  });

  it("are refused with 404 on statuses you can't see or whose author blocks you", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const secret = await post(alice, { status: "followers", visibility: "private" });
    await expectError(await act(bob, secret.id, "favourite"), 404, "Record not found");
    const open = await post(alice, "open");
    await block(alice, bob);
    await expectError(await act(bob, open.id, "favourite"), 404, "Record not found");
    await expectError(await act(bob, "999999", "favourite"), 404, "Record not found");
    expect(await count("SELECT 1 FROM favourites WHERE account_id = ?", bob.account.id)).toBe(0);
  });
});

describe("boosts", () => {
  it("wrap the original, count once, notify the author, and undo", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "boost me");
    const boost = await acted(bob, s.id, "reblog");
    expect(boost.reblog?.id).toBe(s.id);
    expect(boost.reblog).toMatchObject({ reblogged: true, reblogs_count: 1 });
    expect(boost.uri).toBe(`http://petrel.test/users/${bob.account.username}/statuses/${boost.id}/activity`);
    expect(boost).toMatchObject({ content: "", visibility: "public", reblogs_count: 0 });
    expect((await acted(bob, s.id, "reblog")).id).toBe(boost.id);
    expect(await notificationsOf("reblog", s.id)).toBe(1);

    const undone = await acted(bob, s.id, "unreblog");
    expect(undone).toMatchObject({ id: s.id, reblogged: false, reblogs_count: 0 });
    expect(await count("SELECT 1 FROM statuses WHERE reblog_of_id = ?", Number(s.id))).toBe(0);
    expect(await notificationsOf("reblog", s.id)).toBe(0);
  });

  it("make one boost however many requests race", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "race");
    const bodies = await Promise.all([1, 2, 3].map(() => acted(bob, s.id, "reblog")));
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect((await ok(`/api/v1/statuses/${s.id}`, alice)).reblogs_count).toBe(1);
  });

  it("of private statuses are for their author only, and stay private", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await follow(bob, alice);
    const secret = await post(alice, { status: "followers", visibility: "private" });
    await expectError(await act(bob, secret.id, "reblog"), 403, "This action is not allowed");
    expect(await count("SELECT 1 FROM statuses WHERE reblog_of_id = ?", Number(secret.id))).toBe(0);
    const own = await acted(alice, secret.id, "reblog", { visibility: "public" });
    expect(own.visibility).toBe("private");
    const dm = await post(alice, { status: `@${bob.account.username} hi`, visibility: "direct" });
    await expectError(await act(alice, dm.id, "reblog"), 403, "This action is not allowed");
  });

  it("take a visibility, and refuse unknown ones", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "quietly");
    await expectError(
      await act(bob, s.id, "reblog", { visibility: "loud" }),
      422,
      "Validation failed: Visibility is not included in the list",
    );
    await expectError(await act(bob, s.id, "reblog", { visibility: "direct" }), 422, "Validation failed: Visibility is reserved");
    expect(await count("SELECT 1 FROM statuses WHERE reblog_of_id = ?", Number(s.id))).toBe(0);
    expect((await acted(bob, s.id, "reblog", { visibility: "unlisted" })).visibility).toBe("unlisted");
  });
});

describe("bookmarks", () => {
  it("set and clear the bookmarked flag", async () => {
    const alice = await createTestUser();
    const s = await post(alice, "keep");
    expect((await acted(alice, s.id, "bookmark")).bookmarked).toBe(true);
    expect((await acted(alice, s.id, "bookmark")).bookmarked).toBe(true);
    expect(await count("SELECT 1 FROM bookmarks WHERE status_id = ?", Number(s.id))).toBe(1);
    expect((await acted(alice, s.id, "unbookmark")).bookmarked).toBe(false);
    expect(await count("SELECT 1 FROM bookmarks WHERE status_id = ?", Number(s.id))).toBe(0);
  });
});

describe("pins", () => {
  it("pin your own statuses up to five, shown as pinned only to you", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const mine = [];
    for (let i = 0; i < 6; i++) mine.push(await post(alice, `pin ${i}`));
    for (const s of mine.slice(0, 5)) expect((await acted(alice, s.id, "pin")).pinned).toBe(true);
    const sixth = mine[5] as StatusJson;
    await expectError(
      await act(alice, sixth.id, "pin"),
      422,
      "Validation failed: You have already pinned the maximum number of posts",
    );
    expect(await count("SELECT 1 FROM status_pins WHERE account_id = ?", alice.account.id)).toBe(5);
    const first = mine[0] as StatusJson;
    expect(await ok(`/api/v1/statuses/${first.id}`, bob)).not.toHaveProperty("pinned");

    const pinned = await ok<StatusJson[]>(`/api/v1/accounts/${alice.account.id}/statuses?pinned=true`, bob);
    expect(pinned.map((s) => s.id)).toEqual(
      mine
        .slice(0, 5)
        .reverse()
        .map((s) => s.id),
    );
    expect((await acted(alice, first.id, "unpin")).pinned).toBe(false);
    expect((await acted(alice, sixth.id, "pin")).pinned).toBe(true);
  });

  it("refuse someone else's status, direct statuses and a second pin", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const hers = await post(alice, "not yours");
    await expectError(await act(bob, hers.id, "pin"), 422, "Validation failed: Someone else's post cannot be pinned");
    const dm = await post(bob, { status: `@${alice.account.username} psst`, visibility: "direct" });
    await expectError(
      await act(bob, dm.id, "pin"),
      422,
      "Validation failed: Posts that are only visible to mentioned users cannot be pinned",
    );
    const own = await post(bob, "mine");
    await acted(bob, own.id, "pin");
    await expectError(await act(bob, own.id, "pin"), 422, "Duplicate record");
    expect(await count("SELECT 1 FROM status_pins WHERE account_id = ?", bob.account.id)).toBe(1);
    const boost = await acted(bob, hers.id, "reblog");
    await expectError(await act(bob, boost.id, "pin"), 422, "Validation failed: A boost cannot be pinned");
  });
});

describe("conversation mutes", () => {
  it("mark the whole thread muted for the user", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const root = await post(alice, "thread");
    const reply = await post(alice, { status: "more", in_reply_to_id: root.id });
    expect((await acted(bob, reply.id, "mute")).muted).toBe(true);
    expect(
      await count(
        "SELECT 1 FROM conversation_mutes WHERE account_id = ? AND conversation_id = ?",
        bob.account.id,
        Number(root.id),
      ),
    ).toBe(1);
    expect((await ok(`/api/v1/statuses/${root.id}`, bob)).muted).toBe(true);
    expect((await ok(`/api/v1/statuses/${root.id}`, alice)).muted).toBe(false);
    expect((await acted(bob, root.id, "unmute")).muted).toBe(false);
    expect(await count("SELECT 1 FROM conversation_mutes WHERE account_id = ?", bob.account.id)).toBe(0);
  });
});

describe("favourited_by and reblogged_by", () => {
  it("page accounts by the favourite's id with Link headers, ending without one", async () => {
    const alice = await createTestUser();
    const fans = [await createTestUser(), await createTestUser(), await createTestUser()];
    const s = await post(alice, "fans");
    for (const f of fans) await acted(f, s.id, "favourite");

    const first = await api(`/api/v1/statuses/${s.id}/favourited_by?limit=2`);
    const page1 = (await first.json()) as Array<{ id: string }>;
    expectEntity("Account", page1, { array: true });
    expect(page1.map((a) => a.id)).toEqual([fans[2], fans[1]].map((f) => String(f?.account.id)));
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1];
    expect(next).toContain("limit=2");
    const second = await api(new URL(next ?? "").pathname + new URL(next ?? "").search);
    expect(((await second.json()) as Array<{ id: string }>).map((a) => a.id)).toEqual([String(fans[0]?.account.id)]);
    const last = /<([^>]+)>; rel="next"/.exec(second.headers.get("link") ?? "")?.[1] ?? "";
    const third = await api(new URL(last).pathname + new URL(last).search);
    expect(await third.json()).toEqual([]);
    expect(third.headers.get("link")).toBeNull();
  });

  it("list boosters, leaving out accounts the viewer blocks", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const s = await post(alice, "boosters");
    await acted(bob, s.id, "reblog");
    await acted(carol, s.id, "reblog");
    const all = await ok<Array<{ id: string }>>(`/api/v1/statuses/${s.id}/reblogged_by`, alice);
    expect(all.map((a) => a.id)).toEqual([carol, bob].map((u) => String(u.account.id)));
    await block(alice, carol);
    const filtered = await ok<Array<{ id: string }>>(`/api/v1/statuses/${s.id}/reblogged_by`, alice);
    expect(filtered.map((a) => a.id)).toEqual([String(bob.account.id)]);
  });

  it("refuse garbage paging cursors and unknown statuses", async () => {
    const alice = await createTestUser();
    const s = await post(alice, "x");
    await expectError(await api(`/api/v1/statuses/${s.id}/favourited_by?max_id=abc`), 400, "max_id must be a numeric id");
    await expectError(await api("/api/v1/statuses/123/reblogged_by"), 404, "Record not found");
    // A nonsensical limit falls back to the default, as Mastodon's does.
    expect((await api(`/api/v1/statuses/${s.id}/favourited_by?limit=lots`)).status).toBe(200);
  });
});
