import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type AnnouncementInput,
  createAnnouncement,
  d1Runner,
  deleteAnnouncement,
  listAnnouncements,
  updateAnnouncement,
} from "../../src/services/announcements";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json, ok, tokenFor } from "../lists/helpers";

const db = () => d1Runner(env.DB);
const HOUR = 3_600_000;

// Announcements are instance-wide: each test starts from none.
beforeEach(async () => {
  await env.DB.batch(
    ["announcement_reactions", "announcement_dismissals", "announcements"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
});

async function announce(input: AnnouncementInput): Promise<string> {
  return String((await createAnnouncement(db(), input)).id);
}

async function shown(user: TestUser): Promise<Json[]> {
  const list = await ok<Json[]>("/api/v1/announcements", user.token);
  expectEntity("Announcement", list, { array: true });
  return list;
}

const react = (user: TestUser | string, id: string, name: string, method = "PUT") =>
  api(`/api/v1/announcements/${id}/reactions/${encodeURIComponent(name)}`, {
    token: typeof user === "string" ? user : user.token,
    method,
  });

describe("GET /api/v1/announcements", () => {
  it("shows published announcements in Mastodon's order, rendered, with read and reactions", async () => {
    const alice = await createTestUser();
    const now = Date.now();
    const plain = await announce({ text: "Maintenance tonight.\n\nDetails: https://status.example.com/x" });
    const event = await announce({ text: "Party", startsAt: now - HOUR, endsAt: now + HOUR, allDay: true });
    const list = await shown(alice);
    // COALESCE(starts_at, scheduled_at, published_at, created_at): the event started before the other was published.
    expect(list.map((a) => a.id)).toEqual([event, plain]);
    const [party, maintenance] = list as [Json, Json];
    expect(maintenance).toMatchObject({
      starts_at: null,
      ends_at: null,
      all_day: false,
      read: false,
      reactions: [],
      mentions: [],
    });
    expect(maintenance.content).toBe(
      '<p>Maintenance tonight.</p><p>Details: <a href="https://status.example.com/x" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="">status.example.com/x</span><span class="invisible"></span></a></p>',
    );
    expect(party).toMatchObject({
      all_day: true,
      starts_at: new Date(now - HOUR).toISOString(),
      ends_at: new Date(now + HOUR).toISOString(),
    });
    expect(typeof party.published_at).toBe("string");
  });

  it("leaves out unpublished, not yet scheduled and ended announcements, and shows upcoming events", async () => {
    const alice = await createTestUser();
    const now = Date.now();
    await announce({ text: "draft", published: false });
    await announce({ text: "later", scheduledAt: now + HOUR });
    await announce({ text: "over", startsAt: now - 2 * HOUR, endsAt: now - HOUR });
    const due = await announce({ text: "due", scheduledAt: now - 1000 });
    const upcoming = await announce({ text: "tomorrow", startsAt: now + 24 * HOUR, endsAt: now + 25 * HOUR });
    expect((await shown(alice)).map((a) => a.id)).toEqual([due, upcoming]);
  });

  it("needs a user token, whatever its scopes", async () => {
    const alice = await createTestUser();
    await announce({ text: "hello" });
    expect(await ok<Json[]>("/api/v1/announcements", await tokenFor(alice, "write"))).toHaveLength(1);
    await expectError(await api("/api/v1/announcements"), 401, "The access token is invalid");
  });
});

describe("dismissing", () => {
  it("marks an announcement read for that user only, idempotently", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const id = await announce({ text: "read me" });
    expect(await ok(`/api/v1/announcements/${id}/dismiss`, alice.token, "POST")).toEqual({});
    expect(await ok(`/api/v1/announcements/${id}/dismiss`, alice.token, "POST")).toEqual({});
    expect((await shown(alice))[0]).toMatchObject({ id, read: true });
    expect((await shown(bob))[0]).toMatchObject({ id, read: false });
  });

  it("answers 404 for unknown and unpublished announcements and 403 without write:accounts", async () => {
    const alice = await createTestUser();
    const draft = await announce({ text: "draft", published: false });
    for (const id of [draft, "999999", "abc"]) {
      await expectError(
        await api(`/api/v1/announcements/${id}/dismiss`, { token: alice.token, method: "POST" }),
        404,
        "Record not found",
      );
    }
    const id = await announce({ text: "hello" });
    const res = await api(`/api/v1/announcements/${id}/dismiss`, {
      token: await tokenFor(alice, "read write:favourites"),
      method: "POST",
    });
    await expectError(res, 403, "This action is outside the authorized scopes");
    expect(await count("SELECT 1 FROM announcement_dismissals WHERE account_id = ?", alice.account.id)).toBe(0);
  });
});

describe("reactions", () => {
  it("adds and removes unicode emoji reactions with counts and `me`", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const id = await announce({ text: "react" });
    for (const [user, name] of [
      [alice, "👍"],
      [alice, "👍"],
      [bob, "👍"],
      [bob, "🎉"],
      [alice, "❤"],
    ] as const) {
      const res = await react(user, id, name);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    const [mine] = await shown(alice);
    const reactions = mine?.reactions as Json[];
    expectEntity("Reaction", reactions, { array: true });
    expect(reactions).toEqual([
      { name: "👍", count: 2, me: true },
      { name: "🎉", count: 1, me: false },
      { name: "❤", count: 1, me: true },
    ]);

    expect((await react(alice, id, "👍", "DELETE")).status).toBe(200);
    expect(((await shown(alice))[0]?.reactions as Json[] | undefined)?.[0]).toEqual({ name: "👍", count: 1, me: false });
    await expectError(await react(alice, id, "👍", "DELETE"), 404, "Record not found");
  });

  it("refuses names that are not unicode emoji with 422 and stores nothing", async () => {
    const alice = await createTestUser();
    const id = await announce({ text: "react" });
    for (const name of ["thumbsup", ":blobcat:", "👍👍", "a", "1"]) {
      await expectError(await react(alice, id, name), 422, "Validation failed: Name is not a recognized emoji");
    }
    expect(await count("SELECT 1 FROM announcement_reactions")).toBe(0);
  });

  it("allows at most 8 different emoji per announcement, as Mastodon", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const id = await announce({ text: "many" });
    const emoji = ["😀", "😃", "😄", "😁", "😆", "😅", "😂", "🤣"];
    for (const name of emoji) expect((await react(alice, id, name)).status).toBe(200);
    await expectError(await react(alice, id, "🙂"), 422, "Validation failed: Limit of different reactions reached");
    // Joining an existing kind is still fine.
    expect((await react(bob, id, "😀")).status).toBe(200);
    expect(await count("SELECT 1 FROM announcement_reactions")).toBe(9);
  });

  it("answers 404 for unknown or unpublished announcements and 403 without write:favourites", async () => {
    const alice = await createTestUser();
    const draft = await announce({ text: "draft", published: false });
    await expectError(await react(alice, draft, "👍"), 404, "Record not found");
    await expectError(await react(alice, "999999", "👍"), 404, "Record not found");
    const id = await announce({ text: "hi" });
    const readOnly = await tokenFor(alice, "read write:accounts");
    await expectError(await react(readOnly, id, "👍"), 403, "This action is outside the authorized scopes");
    await expectError(await react(readOnly, id, "👍", "DELETE"), 403, "This action is outside the authorized scopes");
    expect(await count("SELECT 1 FROM announcement_reactions")).toBe(0);
  });
});

describe("operator functions", () => {
  it("validates, updates, publishes, lists and deletes announcements", async () => {
    const alice = await createTestUser();
    await expect(createAnnouncement(db(), { text: "  " })).rejects.toThrow("Validation failed: Text can't be blank");
    await expect(createAnnouncement(db(), { text: "x", startsAt: Date.now() })).rejects.toThrow(
      "Validation failed: Ends at can't be blank",
    );
    await expect(createAnnouncement(db(), { text: "x", endsAt: Date.now() })).rejects.toThrow(
      "Validation failed: Starts at can't be blank",
    );
    await expect(createAnnouncement(db(), { text: "x", startsAt: Date.now(), endsAt: Date.now() - HOUR })).rejects.toThrow(
      "Validation failed: Ends at must not be before starts at",
    );
    expect(await listAnnouncements(db())).toEqual([]);

    const draft = await createAnnouncement(db(), { text: "soon", published: false });
    expect(draft.publishedAt).toBeNull();
    expect(await shown(alice)).toEqual([]);
    const published = await updateAnnouncement(db(), draft.id, { published: true, text: "now" });
    expect(published.publishedAt).not.toBeNull();
    const [one] = await shown(alice);
    expect(one).toMatchObject({ id: String(draft.id), content: "<p>now</p>" });
    await expect(updateAnnouncement(db(), draft.id, { text: "" })).rejects.toThrow("Validation failed: Text can't be blank");
    await expect(updateAnnouncement(db(), 1, { text: "x" })).rejects.toThrow("Record not found");

    await ok(`/api/v1/announcements/${draft.id}/dismiss`, alice.token, "POST");
    expect((await react(alice, String(draft.id), "👍")).status).toBe(200);
    expect((await listAnnouncements(db())).map((a) => a.text)).toEqual(["now"]);
    await deleteAnnouncement(db(), draft.id);
    expect(await listAnnouncements(db())).toEqual([]);
    expect(await count("SELECT 1 FROM announcement_reactions")).toBe(0);
    expect(await count("SELECT 1 FROM announcement_dismissals")).toBe(0);
    await expect(deleteAnnouncement(db(), draft.id)).rejects.toThrow("Record not found");
  });
});
