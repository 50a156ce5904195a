import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json, linkOf, rows } from "../relationships/helpers";
import { getJson, grouped, groupsOf, note, status } from "./helpers";

const HOUR = 3600_000;

async function users(n: number): Promise<TestUser[]> {
  const out: TestUser[] = [];
  for (let i = 0; i < n; i++) out.push(await createTestUser());
  return out;
}

async function must(p: Promise<number | undefined>): Promise<number> {
  const id = await p;
  if (id === undefined) throw new Error("not stored");
  return id;
}

describe("GET /api/v2/notifications", () => {
  it("groups favourites of one status and follows; other types stay single; accounts and statuses are deduplicated", async () => {
    const me = await createTestUser();
    const [a, b, c] = await users(3);
    const post = await status(me);
    const f1 = await must(note(me, a as TestUser, "favourite", post));
    await must(note(me, b as TestUser, "follow"));
    const f2 = await must(note(me, b as TestUser, "favourite", post));
    const mention = await must(note(me, c as TestUser, "mention", await status(c as TestUser, { mentions: [me.account.id] })));
    const f3 = await must(note(me, c as TestUser, "favourite", post));
    const follow2 = await must(note(me, c as TestUser, "follow"));

    const { body, res } = await grouped(me);
    const groups = groupsOf(body);
    expect(groups.map((g) => g.type)).toEqual(["follow", "favourite", "mention"]);
    const [follows, favs, single] = groups as [Json, Json, Json];
    expect(favs).toMatchObject({
      notifications_count: 3,
      most_recent_notification_id: f3,
      page_min_id: String(f1),
      page_max_id: String(f3),
      sample_account_ids: [String(c?.account.id), String(b?.account.id), String(a?.account.id)],
      status_id: String(post),
    });
    expect(favs.group_key).toMatch(new RegExp(`^favourite-${post}-\\d+$`));
    expect(follows).toMatchObject({
      notifications_count: 2,
      most_recent_notification_id: follow2,
      sample_account_ids: [String(c?.account.id), String(b?.account.id)],
    });
    expect(follows.group_key).toMatch(/^follow-\d+$/);
    expect(follows).not.toHaveProperty("status_id");
    expect(single).toMatchObject({
      group_key: `ungrouped-${mention}`,
      notifications_count: 1,
      most_recent_notification_id: mention,
    });
    expect(typeof single.latest_page_notification_at).toBe("string");

    const statusIds = (body.statuses as Json[]).map((s) => s.id);
    expect(new Set(statusIds).size).toBe(statusIds.length);
    expect(statusIds).toContain(String(post));
    const accountIds = (body.accounts as Json[]).map((x) => x.id);
    expect(new Set(accountIds).size).toBe(accountIds.length);
    for (const u of [me, a, b, c]) expect(accountIds).toContain(String(u?.account.id));
    expect(body).not.toHaveProperty("partial_accounts");
    expect(linkOf(res, "prev")).toContain(`min_id=${follow2}`);

    // The v1 entity carries the same keys.
    const v1 = (await (await api("/api/v1/notifications", { token: me.token })).json()) as Json[];
    expect(v1.find((n) => n.id === String(f2))?.group_key).toBe(favs.group_key);

    // grouped_types limits grouping; types[] and exclude_types[] filter.
    const onlyFollows = groupsOf((await grouped(me, "?grouped_types[]=follow")).body);
    expect(onlyFollows.map((g) => g.group_key)).toEqual([
      follows.group_key,
      `ungrouped-${f3}`,
      `ungrouped-${mention}`,
      `ungrouped-${f2}`,
      `ungrouped-${f1}`,
    ]);
    expect(groupsOf((await grouped(me, "?types[]=favourite")).body).map((g) => g.notifications_count)).toEqual([3]);
    expect(groupsOf((await grouped(me, "?exclude_types[]=favourite&exclude_types[]=follow")).body)).toHaveLength(1);
    expect(groupsOf((await grouped(me, `?account_id=${a?.account.id}`)).body).map((g) => g.type)).toEqual(["favourite"]);
  });

  it("keeps a group open for 12 hours from its first hour, then starts a new one", async () => {
    const me = await createTestUser();
    const start = Date.UTC(2026, 0, 5, 3, 10);
    const [a, b, c] = await users(3);
    const first = await must(note(me, a as TestUser, "follow", null, start));
    const sameGroup = await must(note(me, b as TestUser, "follow", null, start + 11 * HOUR));
    const later = await must(note(me, c as TestUser, "follow", null, start + 12 * HOUR));
    const keys = await rows<{ id: number; group_key: string }>(
      "SELECT id, group_key FROM notifications WHERE account_id = ? ORDER BY id",
      me.account.id,
    );
    const bucket = Math.floor(start / HOUR);
    expect(keys).toEqual([
      { id: first, group_key: `follow-${bucket}` },
      { id: sameGroup, group_key: `follow-${bucket}` },
      { id: later, group_key: `follow-${bucket + 12}` },
    ]);
    const post = await status(me);
    const other = await status(me);
    await must(note(me, a as TestUser, "reblog", post, start));
    await must(note(me, a as TestUser, "reblog", other, start));
    expect(groupsOf((await grouped(me, "?types[]=reblog")).body).map((g) => g.group_key)).toEqual([
      `reblog-${other}-${bucket}`,
      `reblog-${post}-${bucket}`,
    ]);
  });

  it("pages groups with Link headers; a group split across pages counts up to each page's newest notification, as Mastodon", async () => {
    const me = await createTestUser();
    const fans = await users(3);
    const posts = [await status(me), await status(me), await status(me)];
    // Oldest first: post0 ×1, post1 ×2, post2 ×1, post0 ×1 (newest).
    await must(note(me, fans[0] as TestUser, "favourite", posts[0]));
    await must(note(me, fans[0] as TestUser, "favourite", posts[1]));
    await must(note(me, fans[1] as TestUser, "favourite", posts[1]));
    await must(note(me, fans[0] as TestUser, "favourite", posts[2]));
    await must(note(me, fans[1] as TestUser, "favourite", posts[0]));

    const first = await grouped(me, "?limit=2");
    expect(groupsOf(first.body).map((g) => [g.status_id, g.notifications_count])).toEqual([
      [String(posts[0]), 2],
      [String(posts[2]), 1],
    ]);
    const next = linkOf(first.res, "next");
    expect(next).toBeDefined();
    const second = await grouped(me, next?.replace(/^.*\/api\/v2\/notifications/, "") ?? "");
    expect(groupsOf(second.body).map((g) => [g.status_id, g.notifications_count])).toEqual([
      [String(posts[1]), 2],
      [String(posts[0]), 1],
    ]);
    const last = linkOf(second.res, "next");
    const third = await grouped(me, last?.replace(/^.*\/api\/v2\/notifications/, "") ?? "");
    expect(groupsOf(third.body)).toEqual([]);
    expect(third.res.headers.get("link")).toBeNull();

    // min_id pages forward from a cursor: the groups immediately newer.
    const oldestId = (
      await rows<{ id: number }>("SELECT min(id) AS id FROM notifications WHERE account_id = ?", me.account.id)
    )[0]?.id;
    const forward = await grouped(me, `?min_id=${oldestId}&limit=1`);
    expect(groupsOf(forward.body).map((g) => g.status_id)).toEqual([String(posts[1])]);
  });

  it("expand_accounts=partial_avatars renders only each group's newest account in full", async () => {
    const me = await createTestUser();
    const fans = await users(3);
    const post = await status(me);
    for (const f of fans) await must(note(me, f, "favourite", post));
    const { body } = await grouped(me, "?expand_accounts=partial_avatars");
    const partial = body.partial_accounts as Json[];
    expectEntity("PartialAccountWithAvatar", partial, { array: true });
    expect(partial.map((p) => p.id).sort()).toEqual([String(fans[0]?.account.id), String(fans[1]?.account.id)].sort());
    expect((body.accounts as Json[]).map((x) => x.id)).toContain(String(fans[2]?.account.id));
    expect((body.accounts as Json[]).map((x) => x.id)).not.toContain(String(fans[0]?.account.id));

    const bad = await api("/api/v2/notifications?expand_accounts=all", { token: me.token });
    await expectError(bad, 400, "Invalid value for 'expand_accounts': 'all', allowed values are 'full' and 'partial_avatars'");
  });

  it("needs a user token with read:notifications", async () => {
    const writer = await createTestUser({ scopes: "write" });
    await expectError(await api("/api/v2/notifications"), 401);
    await expectError(await api("/api/v2/notifications", { token: writer.token }), 403);
    await expectError(await api("/api/v2/notifications/unread_count", { token: writer.token }), 403);
  });
});

describe("one notification group", () => {
  it("shows a group (whole count, no page fields), its accounts paged, and an ungrouped one; 404 for unknown keys", async () => {
    const me = await createTestUser();
    const fans = await users(3);
    const post = await status(me);
    for (const f of fans) await must(note(me, f, "favourite", post));
    const lone = await must(
      note(me, fans[0] as TestUser, "mention", await status(fans[0] as TestUser, { mentions: [me.account.id] })),
    );
    const key = (
      await rows<{ k: string }>(
        "SELECT group_key AS k FROM notifications WHERE account_id = ? AND type = 'favourite' LIMIT 1",
        me.account.id,
      )
    )[0]?.k;

    const one = await getJson(`/api/v2/notifications/${key}`, me.token);
    expectEntity("GroupedNotificationsResults", one);
    const [group] = groupsOf(one);
    expect(group).toMatchObject({ group_key: key, notifications_count: 3, status_id: String(post) });
    expect(group).not.toHaveProperty("page_min_id");
    const single = await getJson(`/api/v2/notifications/ungrouped-${lone}`, me.token);
    expect(groupsOf(single).map((g) => g.type)).toEqual(["mention"]);

    const page = await api(`/api/v2/notifications/${key}/accounts?limit=2`, { token: me.token });
    const accounts = (await page.json()) as Json[];
    expectEntity("Account", accounts, { array: true });
    expect(accounts.map((x) => x.id)).toEqual([String(fans[2]?.account.id), String(fans[1]?.account.id)]);
    const next = linkOf(page, "next");
    const rest = (await (await api(next?.replace(/^https?:\/\/[^/]+/, "") ?? "", { token: me.token })).json()) as Json[];
    expect(rest.map((x) => x.id)).toEqual([String(fans[0]?.account.id)]);

    const other = await createTestUser();
    for (const path of [
      `/api/v2/notifications/favourite-1-1`,
      `/api/v2/notifications/ungrouped-${lone}x`,
      "/api/v2/notifications/ungrouped-123",
    ]) {
      await expectError(await api(path, { token: me.token }), 404, "Record not found");
    }
    await expectError(await api(`/api/v2/notifications/${key}`, { token: other.token }), 404, "Record not found");
  });

  it("dismisses a whole group and nothing else; dismissing another's group changes nothing", async () => {
    const me = await createTestUser();
    const fans = await users(2);
    const post = await status(me);
    for (const f of fans) await must(note(me, f, "favourite", post));
    const follow = await must(note(me, fans[0] as TestUser, "follow"));
    const key = (
      await rows<{ k: string }>(
        "SELECT group_key AS k FROM notifications WHERE account_id = ? AND type = 'favourite' LIMIT 1",
        me.account.id,
      )
    )[0]?.k;
    const intruder = await createTestUser();
    const tried = await api(`/api/v2/notifications/${key}/dismiss`, { token: intruder.token, method: "POST" });
    expect(tried.status).toBe(200);
    expect(await count("SELECT count(*) AS n FROM notifications WHERE account_id = ?", me.account.id)).toBe(3);
    const reader = await createTestUser({ scopes: "read" });
    await expectError(await api(`/api/v2/notifications/${key}/dismiss`, { token: reader.token, method: "POST" }), 403);

    const res = await api(`/api/v2/notifications/${key}/dismiss`, { token: me.token, method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(groupsOf((await grouped(me)).body).map((g) => g.most_recent_notification_id)).toEqual([follow]);
  });
});

describe("GET /api/v2/notifications/unread_count", () => {
  it("counts unread groups after the marker, capped by limit", async () => {
    const me = await createTestUser();
    const fans = await users(3);
    const post = await status(me);
    const first = await must(note(me, fans[0] as TestUser, "follow"));
    for (const f of fans) await must(note(me, f, "favourite", post));
    await must(note(me, fans[1] as TestUser, "follow"));
    const unread = async (query = "") => {
      const body = await getJson(`/api/v2/notifications/unread_count${query}`, me.token);
      expectEntity("CountResponse", body);
      return body.count;
    };
    expect(await unread()).toBe(2);
    expect((await getJson("/api/v1/notifications/unread_count", me.token)).count).toBe(5);
    expect(await unread("?grouped_types[]=follow")).toBe(4);
    expect(await unread("?limit=1")).toBe(1);
    const marked = await api("/api/v1/markers", {
      token: me.token,
      method: "POST",
      json: { notifications: { last_read_id: String(first) } },
    });
    expect(marked.status).toBe(200);
    expect(await unread()).toBe(2);
    expect(await unread("?types[]=follow")).toBe(1);
  });
});
