import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json, linkOf, rows } from "../relationships/helpers";
import { getJson, note, status, v1Ids } from "./helpers";

/** A stranger's private mention of `to` (filtered by the default policy). */
async function dmFrom(from: TestUser, to: TestUser): Promise<{ id: number; statusId: number }> {
  const statusId = await status(from, { visibility: "direct", mentions: [to.account.id] });
  const id = await note(to, from, "mention", statusId);
  if (id === undefined) throw new Error("dropped");
  return { id, statusId };
}

async function requestsOf(user: TestUser, query = ""): Promise<{ items: Json[]; res: Response }> {
  const res = await api(`/api/v1/notifications/requests${query}`, { token: user.token });
  expect(res.status).toBe(200);
  const items = (await res.json()) as Json[];
  expectEntity("NotificationRequest", items, { array: true });
  return { items, res };
}

const post = (path: string, token: string, json?: unknown) => api(path, { token, method: "POST", json: json ?? {} });

describe("notification requests", () => {
  it("lists one request per sender with the count and latest status, newest first, paged with Link", async () => {
    const me = await createTestUser();
    const alice = await createTestUser();
    const bob = await createTestUser();
    await dmFrom(alice, me);
    const second = await dmFrom(alice, me);
    await dmFrom(bob, me);
    const { items } = await requestsOf(me);
    expect(items.map((r) => (r.account as Json).id)).toEqual([String(bob.account.id), String(alice.account.id)]);
    const fromAlice = items[1] as Json;
    expect(fromAlice.notifications_count).toBe("2");
    expect((fromAlice.last_status as Json).id).toBe(String(second.statusId));

    const page1 = await requestsOf(me, "?limit=1");
    expect(page1.items).toHaveLength(1);
    const next = linkOf(page1.res, "next");
    expect(next).toBeDefined();
    const page2 = await requestsOf(me, next?.replace(/^.*\/api\/v1\/notifications\/requests/, "") ?? "");
    expect(page2.items.map((r) => r.id)).toEqual([fromAlice.id]);

    const one = await getJson(`/api/v1/notifications/requests/${fromAlice.id}`, me.token);
    expectEntity("NotificationRequest", one);
    expect(one).toEqual(fromAlice);
  });

  it("accepting moves the sender's filtered notifications into the list and lets them through from then on", async () => {
    const me = await createTestUser();
    const alice = await createTestUser();
    const first = await dmFrom(alice, me);
    const [request] = (await requestsOf(me)).items;
    const res = await post(`/api/v1/notifications/requests/${request?.id}/accept`, me.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(await v1Ids(me)).toEqual([String(first.id)]);
    expect((await requestsOf(me)).items).toEqual([]);
    expect(await getJson("/api/v1/notifications/requests/merged", me.token)).toEqual({ merged: true });
    // Permission: the next private mention is not filtered.
    const later = await dmFrom(alice, me);
    expect(await v1Ids(me)).toEqual([String(later.id), String(first.id)]);
    expect(await count("SELECT count(*) AS n FROM notification_requests WHERE account_id = ?", me.account.id)).toBe(0);
  });

  it("dismissing deletes the request and the sender's filtered notifications, nothing else", async () => {
    const me = await createTestUser();
    const alice = await createTestUser();
    const friend = await createTestUser();
    await dmFrom(alice, me);
    await dmFrom(alice, me);
    const kept = await note(me, friend, "follow");
    const [request] = (await requestsOf(me)).items;
    expect((await post(`/api/v1/notifications/requests/${request?.id}/dismiss`, me.token)).status).toBe(200);
    expect((await requestsOf(me)).items).toEqual([]);
    expect(
      await count(
        "SELECT count(*) AS n FROM notifications WHERE account_id = ? AND from_account_id = ?",
        me.account.id,
        alice.account.id,
      ),
    ).toBe(0);
    expect(await v1Ids(me)).toEqual([String(kept)]);
    expect((await getJson("/api/v2/notifications/policy", me.token)).summary).toEqual({
      pending_requests_count: 0,
      pending_notifications_count: 0,
    });
  });

  it("accepts and dismisses in bulk with id[], ignoring ids that are not the viewer's", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    const [a, b, c] = [await createTestUser(), await createTestUser(), await createTestUser()];
    for (const s of [a, b, c]) if (s) await dmFrom(s, me);
    await dmFrom(a as TestUser, other);
    const theirs = (await requestsOf(other)).items[0] as Json;
    const mine = (await requestsOf(me)).items;
    const byAccount = (u: TestUser | undefined) => mine.find((r) => (r.account as Json).id === String(u?.account.id))?.id;

    const accept = await api("/api/v1/notifications/requests/accept", {
      token: me.token,
      method: "POST",
      form: { "id[]": String(byAccount(a)) },
    });
    expect(accept.status).toBe(200);
    const dismiss = await post("/api/v1/notifications/requests/dismiss", me.token, { id: [byAccount(b), theirs.id, "999999"] });
    expect(dismiss.status).toBe(200);
    expect((await requestsOf(me)).items.map((r) => r.id)).toEqual([byAccount(c)]);
    // Someone else's request is untouched.
    expect((await requestsOf(other)).items.map((r) => r.id)).toEqual([theirs.id]);
    expect(await count("SELECT count(*) AS n FROM notification_permissions WHERE account_id = ?", me.account.id)).toBe(1);
  });

  it("answers 404 Record not found for unknown or someone else's request, changing nothing", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    await dmFrom(await createTestUser(), other);
    const theirs = (await requestsOf(other)).items[0] as Json;
    for (const path of [
      `/api/v1/notifications/requests/${theirs.id}`,
      "/api/v1/notifications/requests/123456",
      "/api/v1/notifications/requests/nope",
    ]) {
      await expectError(await api(path, { token: me.token }), 404, "Record not found");
      await expectError(await post(`${path}/accept`, me.token), 404, "Record not found");
      await expectError(await post(`${path}/dismiss`, me.token), 404, "Record not found");
    }
    expect((await requestsOf(other)).items.map((r) => r.id)).toEqual([theirs.id]);
    expect(await rows("SELECT filtered FROM notifications WHERE account_id = ?", other.account.id)).toEqual([{ filtered: 1 }]);
  });

  it("needs read:notifications to read and write:notifications to act", async () => {
    const reader = await createTestUser({ scopes: "read" });
    await dmFrom(await createTestUser(), reader);
    const [request] = (await requestsOf(reader)).items;
    await expectError(await api("/api/v1/notifications/requests"), 401);
    await expectError(await post(`/api/v1/notifications/requests/${request?.id}/accept`, reader.token), 403);
    await expectError(await post("/api/v1/notifications/requests/dismiss", reader.token, { id: [request?.id] }), 403);
    expect((await requestsOf(reader)).items).toHaveLength(1);
    const writer = await createTestUser({ scopes: "write" });
    await expectError(await api("/api/v1/notifications/requests", { token: writer.token }), 403);
  });

  it("dismissing a filtered notification itself shrinks and then ends its request", async () => {
    const me = await createTestUser();
    const alice = await createTestUser();
    const one = await dmFrom(alice, me);
    const two = await dmFrom(alice, me);
    expect((await post(`/api/v1/notifications/${one.id}/dismiss`, me.token)).status).toBe(200);
    expect((await requestsOf(me)).items[0]?.notifications_count).toBe("1");
    expect((await post(`/api/v2/notifications/ungrouped-${two.id}/dismiss`, me.token)).status).toBe(200);
    expect((await requestsOf(me)).items).toEqual([]);
  });
});

describe("requests and relationships", () => {
  it("a blocked sender's request is no longer listed", async () => {
    const me = await createTestUser();
    const spammer = await createTestUser();
    await dmFrom(spammer, me);
    expect((await requestsOf(me)).items).toHaveLength(1);
    const blocked = await api(`/api/v1/accounts/${spammer.account.id}/block`, { token: me.token, method: "POST" });
    expect(blocked.status).toBe(200);
    expect((await requestsOf(me)).items).toEqual([]);
    // Gone, not just hidden: the policy's summary no longer counts it.
    const policy = await api("/api/v2/notifications/policy", { token: me.token });
    expect(((await policy.json()) as { summary: { pending_requests_count: number } }).summary.pending_requests_count).toBe(0);
  });
});
