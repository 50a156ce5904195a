import { describe, expect, it } from "vitest";
import type { NotificationType } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { notify } from "../../src/services/notifications";
import { api, createTestUser, db, type TestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, exec, expectError, type Json, linkOf, post, relationshipOf, remoteAccount, rows } from "../relationships/helpers";

async function status(author: TestUser | number, visibility = "public"): Promise<number> {
  const id = newId();
  const accountId = typeof author === "number" ? author : author.account.id;
  await exec(
    "INSERT INTO statuses (id, account_id, local, visibility, text, content, created_at) VALUES (?, ?, 1, ?, 'hi', '<p>hi</p>', ?)",
    id,
    accountId,
    visibility,
    Date.now(),
  );
  return id;
}

async function note(to: TestUser, from: TestUser | number, type: NotificationType, statusId?: number): Promise<string> {
  const fromAccountId = typeof from === "number" ? from : from.account.id;
  const id = await notify(db(), { recipientId: to.account.id, fromAccountId, type, statusId: statusId ?? null });
  if (id === undefined) throw new Error("notification was filtered");
  return String(id);
}

async function list(user: TestUser, query = ""): Promise<Json[]> {
  const res = await api(`/api/v1/notifications${query}`, { token: user.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json[];
  expectEntity("Notification", body, { array: true });
  return body;
}

const ids = (items: Json[]) => items.map((n) => n.id);

describe("GET /api/v1/notifications", () => {
  it("lists newest first with account, status for status types, and group_key; filters by types, exclude_types, account_id", async () => {
    const me = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const mine = await status(me);
    const follow = await note(me, bob, "follow");
    const fav = await note(me, carol, "favourite", mine);
    const mention = await note(me, bob, "mention", await status(bob));

    const all = await list(me);
    expect(ids(all)).toEqual([mention, fav, follow]);
    const favJson = all[1] as Json;
    // Favourites are grouped by status and hour bucket (Mastodon 4.3; test/notifications-v2 covers grouping).
    expect(favJson).toMatchObject({
      type: "favourite",
      group_key: expect.stringMatching(new RegExp(`^favourite-${mine}-\\d+$`)),
    });
    expect((all[0] as Json).group_key).toBe(`ungrouped-${mention}`);
    expect((favJson.status as Json).id).toBe(String(mine));
    expect((favJson.account as Json).id).toBe(String(carol.account.id));
    expect(all[2]).not.toHaveProperty("status");

    expect(ids(await list(me, "?types[]=follow&types[]=mention"))).toEqual([mention, follow]);
    expect(ids(await list(me, "?exclude_types[]=follow&exclude_types[]=mention"))).toEqual([fav]);
    expect(ids(await list(me, `?account_id=${bob.account.id}`))).toEqual([mention, follow]);
    expect(ids(await list(me, "?account_id=999999999999"))).toEqual([]);
    expect(ids(await list(me, "?types[]=pleroma:emoji_reaction"))).toEqual([]);
  });

  it("pages by id with Link headers (max_id, since_id, min_id)", async () => {
    const me = await createTestUser();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await note(me, await createTestUser(), "follow"));
    const newestFirst = [...made].reverse();
    const seen: string[] = [];
    let next: string | undefined = "/api/v1/notifications?limit=2";
    while (next) {
      const res = await api(next, { token: me.token });
      const page = (await res.json()) as Json[];
      seen.push(...ids(page).map(String));
      next = linkOf(res, "next");
      if (page.length === 0) expect(res.headers.get("link")).toBeNull();
    }
    expect(seen).toEqual(newestFirst);

    expect(ids(await list(me, `?since_id=${made[2]}`))).toEqual([made[4], made[3]]);
    expect(ids(await list(me, `?min_id=${made[1]}&limit=2`))).toEqual([made[3], made[2]]);
    const res = await api(`/api/v1/notifications?min_id=${made[1]}&limit=2`, { token: me.token });
    expect(linkOf(res, "prev")).toContain(`min_id=${made[3]}`);
    expect(linkOf(res, "next")).toContain(`max_id=${made[2]}`);
  });

  it("hides notifications from blocked, muted, domain-blocked and suspended accounts, and about statuses now hidden", async () => {
    const me = await createTestUser();
    const [blocked, muted, quiet, gone, friend] = [
      await createTestUser(),
      await createTestUser(),
      await createTestUser(),
      await createTestUser(),
      await createTestUser(),
    ];
    const domain = `${uniqueName("nd")}.example`;
    const remote = await remoteAccount(domain);
    const privateStatus = await status(friend, "private");
    const visible = await note(me, friend, "follow");
    await note(me, blocked, "follow");
    await note(me, muted, "follow");
    const quietOne = await note(me, quiet, "follow");
    await note(me, gone, "follow");
    await note(me, remote, "follow");
    await note(me, friend, "mention", privateStatus);
    const deleted = await status(friend);
    await note(me, friend, "reblog", deleted);

    // Rows written straight to D1, as if they came before the notifications did.
    const now = Date.now();
    await exec(
      "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
      newId(),
      me.account.id,
      blocked.account.id,
      now,
    );
    await exec(
      "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, created_at) VALUES (?, ?, ?, 1, ?)",
      newId(),
      me.account.id,
      muted.account.id,
      now,
    );
    await exec(
      "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, created_at) VALUES (?, ?, ?, 0, ?)",
      newId(),
      me.account.id,
      quiet.account.id,
      now,
    );
    await exec(
      "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?, ?, ?, ?)",
      newId(),
      me.account.id,
      domain,
      now,
    );
    await exec("UPDATE accounts SET suspended_at = ? WHERE id = ?", now, gone.account.id);
    await exec("DELETE FROM statuses WHERE id = ?", deleted);

    expect(ids(await list(me))).toEqual([quietOne, visible]);
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", me.account.id)).toBe(8);
    // A mute without notifications hidden keeps them; blocking through the API deletes them, as Mastodon does.
    await relationshipOf(await post(`/api/v1/accounts/${quiet.account.id}/block`, me.token));
    expect(ids(await list(me))).toEqual([visible]);
    expect(
      await count(
        "SELECT count(*) AS n FROM notifications WHERE account_id = ? AND from_account_id = ?",
        me.account.id,
        quiet.account.id,
      ),
    ).toBe(0);
  });

  it("reads a bounded number of rows per page and still reaches older notifications through `next`", async () => {
    const me = await createTestUser();
    const friend = await createTestUser();
    const oldest = await note(me, friend, "follow");
    const noisy = await createTestUser();
    for (let i = 0; i < 30; i++) {
      await exec(
        "INSERT INTO notifications (id, account_id, from_account_id, type, status_id, created_at) VALUES (?, ?, ?, 'favourite', ?, ?)",
        newId(),
        me.account.id,
        noisy.account.id,
        await status(noisy),
        Date.now(),
      );
    }
    await exec(
      "INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
      newId(),
      me.account.id,
      noisy.account.id,
      Date.now(),
    );

    const first = await api("/api/v1/notifications?limit=5", { token: me.token });
    expect(await first.json()).toEqual([]);
    let next = linkOf(first, "next");
    expect(next).toBeDefined();
    const found: string[] = [];
    for (let i = 0; next && i < 10; i++) {
      const res = await api(next, { token: me.token });
      found.push(...ids((await res.json()) as Json[]).map(String));
      next = linkOf(res, "next");
    }
    expect(found).toEqual([oldest]);
  });

  it("shows admin.sign_up only to staff", async () => {
    const user = await createTestUser();
    const admin = await createTestUser({ role: "admin" });
    const newcomer = await createTestUser();
    await note(user, newcomer, "admin.sign_up");
    const shown = await note(admin, newcomer, "admin.sign_up");
    expect(await list(user)).toEqual([]);
    expect(ids(await list(admin))).toEqual([shown]);
  });

  it("needs read:notifications", async () => {
    const writer = await createTestUser({ scopes: "write" });
    await expectError(
      await api("/api/v1/notifications", { token: writer.token }),
      403,
      "This action is outside the authorized scopes",
    );
    await expectError(await api("/api/v1/notifications"), 401, "The access token is invalid");
  });
});

describe("one notification: get, dismiss, clear", () => {
  it("gets your own by id; others' and unknown ones are 404", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    const mine = await note(me, other, "follow");
    const theirs = await note(other, me, "follow");
    const res = await api(`/api/v1/notifications/${mine}`, { token: me.token });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Json;
    expectEntity("Notification", body);
    expect(body.id).toBe(mine);
    await expectError(await api(`/api/v1/notifications/${theirs}`, { token: me.token }), 404, "Record not found");
    await expectError(await api("/api/v1/notifications/999999999999", { token: me.token }), 404, "Record not found");
    await expectError(await api("/api/v1/notifications/abc", { token: me.token }), 404, "Record not found");
  });

  it("dismisses one (not someone else's) and clears all", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    const a = await note(me, other, "follow");
    const b = await note(me, await createTestUser(), "follow");
    const theirs = await note(other, me, "follow");

    await expectError(await post(`/api/v1/notifications/${theirs}/dismiss`, me.token), 404, "Record not found");
    expect(await count("SELECT count(*) AS n FROM notifications WHERE id = ?", Number(theirs))).toBe(1);

    const dismissed = await post(`/api/v1/notifications/${a}/dismiss`, me.token);
    expect(dismissed.status).toBe(200);
    expect(await dismissed.json()).toEqual({});
    expect(ids(await list(me))).toEqual([b]);
    await expectError(await post(`/api/v1/notifications/${a}/dismiss`, me.token), 404, "Record not found");

    const reader = await createTestUser({ scopes: "read" });
    await expectError(await post("/api/v1/notifications/clear", reader.token), 403);

    const cleared = await post("/api/v1/notifications/clear", me.token);
    expect(cleared.status).toBe(200);
    expect(await cleared.json()).toEqual({});
    expect(await list(me)).toEqual([]);
    expect(await rows("SELECT id FROM notifications WHERE account_id = ?", other.account.id)).toHaveLength(1);
  });
});

describe("GET /api/v1/notifications/unread_count", () => {
  it("counts notifications newer than the notifications marker, capped by limit", async () => {
    const me = await createTestUser();
    const made: string[] = [];
    for (let i = 0; i < 4; i++) made.push(await note(me, await createTestUser(), "follow"));
    const unread = async (query = "") => {
      const res = await api(`/api/v1/notifications/unread_count${query}`, { token: me.token });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { count: number };
      expectEntity("CountResponse", body);
      return body.count;
    };
    expect(await unread()).toBe(4);
    const marked = await api("/api/v1/markers", {
      token: me.token,
      method: "POST",
      json: { notifications: { last_read_id: made[1] } },
    });
    expect(marked.status).toBe(200);
    expect(await unread()).toBe(2);
    expect(await unread("?limit=1")).toBe(1);
    expect(await unread("?types[]=mention")).toBe(0);
  });
});
