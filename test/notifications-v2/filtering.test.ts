import { describe, expect, it } from "vitest";
import { notify } from "../../src/services/notifications";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { count, exec, rows } from "../relationships/helpers";
import { getJson, grouped, groupsOf, note, recordingDb, status, v1Ids } from "./helpers";

async function setPolicy(user: TestUser, json: Record<string, string>) {
  const res = await api("/api/v2/notifications/policy", { token: user.token, method: "PATCH", json });
  expect(res.status).toBe(200);
}

async function followAt(follower: TestUser, target: TestUser, at = Date.now()) {
  await exec(
    "INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)",
    Math.floor(Math.random() * 1e15),
    follower.account.id,
    target.account.id,
    at,
  );
}

const filteredFlag = async (id: number | undefined) =>
  (await rows<{ filtered: number }>("SELECT filtered FROM notifications WHERE id = ?", id ?? -1))[0]?.filtered;

describe("the policy when notifying", () => {
  it("filters a stranger's private mention by default: stored filtered, no event, hidden from v1/v2 lists, request made", async () => {
    const me = await createTestUser();
    const stranger = await createTestUser();
    const dm = await status(stranger, { visibility: "direct", mentions: [me.account.id] });
    const { db, created } = recordingDb();
    const id = await notify(db, {
      recipientId: me.account.id,
      fromAccountId: stranger.account.id,
      type: "mention",
      statusId: dm,
    });
    expect(id).toBeDefined();
    expect(await filteredFlag(id)).toBe(1);
    expect(created).toEqual([]);

    expect(await v1Ids(me)).toEqual([]);
    expect(groupsOf((await grouped(me)).body)).toEqual([]);
    expect(await v1Ids(me, "?include_filtered=true")).toEqual([String(id)]);
    // Asking for one sender includes their filtered notifications (Mastodon's browserable).
    expect(await v1Ids(me, `?account_id=${stranger.account.id}`)).toEqual([String(id)]);
    expect(groupsOf((await grouped(me, "?include_filtered=true")).body).map((g) => g.group_key)).toEqual([`ungrouped-${id}`]);
    expect((await getJson("/api/v1/notifications/unread_count", me.token)).count).toBe(0);
    expect((await getJson("/api/v2/notifications/unread_count", me.token)).count).toBe(0);

    const requests = await rows("SELECT * FROM notification_requests WHERE account_id = ?", me.account.id);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ from_account_id: stranger.account.id, last_status_id: dm, notifications_count: 1 });
    expect((await getJson("/api/v2/notifications/policy", me.token)).summary).toEqual({
      pending_requests_count: 1,
      pending_notifications_count: 1,
    });
  });

  it("accepts private mentions from accounts the recipient follows, replies in a DM thread the recipient started, and public mentions", async () => {
    const me = await createTestUser();
    const friend = await createTestUser();
    const stranger = await createTestUser();
    await followAt(me, friend);
    const { db, created } = recordingDb();
    const fromFriend = await notify(db, {
      recipientId: me.account.id,
      fromAccountId: friend.account.id,
      type: "mention",
      statusId: await status(friend, { visibility: "direct", mentions: [me.account.id] }),
    });
    // I wrote to the stranger privately; their private reply (two levels down) is a response, not spam.
    const mine = await status(me, { visibility: "direct", mentions: [stranger.account.id] });
    const theirs = await status(stranger, { visibility: "direct", inReplyTo: mine, mentions: [me.account.id] });
    const reply = await status(stranger, { visibility: "direct", inReplyTo: theirs, mentions: [me.account.id] });
    const inThread = await notify(db, {
      recipientId: me.account.id,
      fromAccountId: stranger.account.id,
      type: "mention",
      statusId: reply,
    });
    const publicMention = await notify(db, {
      recipientId: me.account.id,
      fromAccountId: stranger.account.id,
      type: "mention",
      statusId: await status(stranger, { mentions: [me.account.id] }),
    });
    for (const id of [fromFriend, inThread, publicMention]) expect(await filteredFlag(id)).toBe(0);
    // A private reply to my public post is not a conversation I started privately.
    const other = await createTestUser();
    const replyToPublic = await status(other, { visibility: "direct", inReplyTo: await status(me), mentions: [me.account.id] });
    const stray = await notify(db, {
      recipientId: me.account.id,
      fromAccountId: other.account.id,
      type: "mention",
      statusId: replyToPublic,
    });
    expect(await filteredFlag(stray)).toBe(1);
    expect(created).toEqual([fromFriend, inThread, publicMention]);
    expect(await rows("SELECT from_account_id FROM notification_requests WHERE account_id = ?", me.account.id)).toEqual([
      { from_account_id: other.account.id },
    ]);
  });

  it("drops what a `drop` policy covers: nothing stored", async () => {
    const me = await createTestUser();
    const stranger = await createTestUser();
    await setPolicy(me, { for_not_following: "drop" });
    const mine = await status(me);
    expect(await note(me, stranger, "favourite", mine)).toBeUndefined();
    expect(await note(me, stranger, "follow")).toBeUndefined();
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", me.account.id)).toBe(0);
    // Types Mastodon never filters still arrive.
    expect(await note(me, stranger, "update", mine)).toBeDefined();
  });

  it("filters limited (silenced) accounts the recipient does not follow, but not types that are never filtered", async () => {
    const me = await createTestUser();
    const limited = await createTestUser();
    await exec("UPDATE accounts SET silenced_at = ? WHERE id = ?", Date.now(), limited.account.id);
    const mine = await status(me);
    const fav = await note(me, limited, "favourite", mine);
    expect(await filteredFlag(fav)).toBe(1);
    // Filtered notifications carry no group key; only mentions make a request.
    expect((await rows("SELECT group_key FROM notifications WHERE id = ?", fav))[0]).toEqual({ group_key: null });
    expect(await count("SELECT count(*) AS n FROM notification_requests WHERE account_id = ?", me.account.id)).toBe(0);
    const poll = await note(me, limited, "poll", mine);
    expect(await filteredFlag(poll)).toBe(0);
    await setPolicy(me, { for_limited_accounts: "accept" });
    expect(await filteredFlag(await note(me, limited, "reblog", mine))).toBe(0);
  });

  it("for_not_followers counts followers of less than 3 days as not following; for_new_accounts spares followed accounts", async () => {
    const me = await createTestUser();
    const newFollower = await createTestUser();
    const oldFollower = await createTestUser();
    await setPolicy(me, { for_not_followers: "filter" });
    await followAt(newFollower, me);
    await followAt(oldFollower, me, Date.now() - 4 * 24 * 3600_000);
    const mine = await status(me);
    expect(await filteredFlag(await note(me, newFollower, "favourite", mine))).toBe(1);
    expect(await filteredFlag(await note(me, oldFollower, "favourite", mine))).toBe(0);

    const other = await createTestUser();
    const followed = await createTestUser();
    await setPolicy(other, { for_new_accounts: "filter" });
    await followAt(other, followed);
    const theirs = await status(other);
    expect(await filteredFlag(await note(other, newFollower, "favourite", theirs))).toBe(1);
    expect(await filteredFlag(await note(other, followed, "favourite", theirs))).toBe(0);
    await exec("UPDATE accounts SET created_at = ? WHERE id = ?", Date.now() - 40 * 24 * 3600_000, oldFollower.account.id);
    expect(await filteredFlag(await note(other, oldFollower, "favourite", theirs))).toBe(0);
  });

  it("lets a moderator's private mention through to a user", async () => {
    const me = await createTestUser();
    const mod = await createTestUser({ role: "moderator" });
    const dm = await status(mod, { visibility: "direct", mentions: [me.account.id] });
    expect(await filteredFlag(await note(me, mod, "mention", dm))).toBe(0);
  });
});
