/**
 * Announcement events on the streaming API: reactions from the API routes, and what the operator
 * changed (through the service the CLI runs) from the cron sweep, to `user` streams only.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runScheduled } from "../../src/scheduled";
import { streamAnnouncementChanges } from "../../src/services/announcement-events";
import {
  type AnnouncementInput,
  createAnnouncement,
  d1Runner,
  deleteAnnouncement,
  findAnnouncement,
  listAnnouncements,
  updateAnnouncement,
} from "../../src/services/announcements";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json, ok } from "../lists/helpers";
import { connected, expectNone, type Frame, payloadOf, type TestSocket } from "../streaming/helpers";

const db = () => d1Runner(env.DB);
const HOUR = 3_600_000;
const sockets: TestSocket[] = [];

beforeEach(async () => {
  await env.DB.batch(
    ["announcement_reactions", "announcement_dismissals", "announcements"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)),
  );
});

afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function listen(user: TestUser, stream = "user"): Promise<TestSocket> {
  const socket = await connected(`stream=${stream}`, { token: user.token });
  sockets.push(socket);
  await socket.barrier();
  return socket;
}

const isAnnouncementEvent = (f: Frame) => f.event?.startsWith("announcement") === true;

async function announce(input: AnnouncementInput): Promise<string> {
  return String((await createAnnouncement(db(), input)).id);
}

const react = (user: TestUser, id: string, name: string, method = "PUT") =>
  api(`/api/v1/announcements/${id}/reactions/${encodeURIComponent(name)}`, { token: user.token, method });

async function shownIds(user: TestUser): Promise<string[]> {
  const list = await ok<Json[]>("/api/v1/announcements", user.token);
  expectEntity("Announcement", list, { array: true });
  return list.map((a) => String(a.id));
}

describe("announcement.reaction", () => {
  it("streams the new count to user streams, not to public-only sockets", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const id = await announce({ text: "react" });
    const userSocket = await listen(alice);
    const publicSocket = await listen(bob, "public");

    expect((await react(alice, id, "👍")).status).toBe(200);
    const first = await userSocket.waitFor((f) => f.event === "announcement.reaction");
    expect(first.stream).toEqual(["user"]);
    expect(payloadOf(first)).toEqual({ name: "👍", count: 1, announcement_id: id });

    expect((await react(bob, id, "👍")).status).toBe(200);
    await userSocket.waitFor((f) => f.event === "announcement.reaction" && payloadOf(f).count === 2);
    // Reacting again changes nothing, so nothing is streamed.
    expect((await react(bob, id, "👍")).status).toBe(200);

    expect((await react(alice, id, "👍", "DELETE")).status).toBe(200);
    expect((await react(bob, id, "👍", "DELETE")).status).toBe(200);
    const last = await userSocket.waitFor((f) => f.event === "announcement.reaction" && payloadOf(f).count === 0);
    expect(payloadOf(last)).toEqual({ name: "👍", count: 0, announcement_id: id });
    await expectNone(publicSocket, isAnnouncementEvent);
    expect(userSocket.events("announcement.reaction").map((f) => payloadOf(f).count)).toEqual([1, 2, 1, 0]);
  });

  it("streams nothing for refused reactions", async () => {
    const alice = await createTestUser();
    const id = await announce({ text: "react" });
    const draft = await announce({ text: "draft", published: false });
    const socket = await listen(alice);
    await expectError(await react(alice, id, "thumbsup"), 422, "Validation failed: Name is not a recognized emoji");
    await expectError(await react(alice, draft, "👍"), 404, "Record not found");
    await expectError(await react(alice, id, "👍", "DELETE"), 404, "Record not found");
    await expectNone(socket, isAnnouncementEvent);
  });
});

describe("the cron sweep", () => {
  it("streams a published announcement once, rendered without a viewer", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const socket = await listen(alice);
    const publicSocket = await listen(bob, "public");
    const id = await announce({ text: "Hello **all**" });
    await ok(`/api/v1/announcements/${id}/dismiss`, alice.token, "POST");
    expect((await react(alice, id, "🎉")).status).toBe(200);

    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [id], deleted: [] });
    const frame = await socket.waitFor((f) => f.event === "announcement");
    expect(frame.stream).toEqual(["user"]);
    const entity = payloadOf<Json>(frame);
    expectEntity("Announcement", entity);
    expect(entity).toMatchObject({ id, content: "<p>Hello **all**</p>", read: false });
    expect(entity.reactions).toEqual([{ name: "🎉", count: 1 }]);

    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [], deleted: [] });
    await expectNone(publicSocket, isAnnouncementEvent);
    expect(socket.events("announcement")).toHaveLength(1);
  });

  it("streams a scheduled announcement only once its time has come", async () => {
    const alice = await createTestUser();
    const socket = await listen(alice);
    const now = Date.now();
    const id = await announce({ text: "later", scheduledAt: now + HOUR });
    expect(await streamAnnouncementChanges(env, now)).toEqual({ announced: [], deleted: [] });
    expect(await streamAnnouncementChanges(env, now + HOUR - 1)).toEqual({ announced: [], deleted: [] });
    await expectNone(socket, isAnnouncementEvent, 500);

    expect(await streamAnnouncementChanges(env, now + HOUR)).toEqual({ announced: [id], deleted: [] });
    expect(payloadOf((await socket.waitFor((f) => f.event === "announcement")) as Frame)).toMatchObject({ id });
    expect(await streamAnnouncementChanges(env, now + 2 * HOUR)).toEqual({ announced: [], deleted: [] });
  });

  it("streams an edit again, and a publication of a draft, but not a draft's edit", async () => {
    const alice = await createTestUser();
    const socket = await listen(alice);
    const id = await announce({ text: "first" });
    const draft = await announce({ text: "draft", published: false });
    expect((await streamAnnouncementChanges(env)).announced).toEqual([id]);

    await updateAnnouncement(db(), Number(id), { text: "second" });
    await updateAnnouncement(db(), Number(draft), { text: "still a draft" });
    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [id], deleted: [] });
    await socket.waitFor((f) => f.event === "announcement" && payloadOf(f).content === "<p>second</p>");

    await updateAnnouncement(db(), Number(draft), { published: true });
    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [draft], deleted: [] });
    expect(socket.events("announcement").map((f) => payloadOf(f).id)).toEqual([id, id, draft]);
  });

  it("streams an unpublished announcement as announcement.delete with the bare id, once", async () => {
    const alice = await createTestUser();
    const socket = await listen(alice);
    const id = await announce({ text: "oops" });
    await streamAnnouncementChanges(env);
    await updateAnnouncement(db(), Number(id), { published: false });
    expect(await shownIds(alice)).toEqual([]);
    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [], deleted: [id] });
    const frame = await socket.waitFor((f) => f.event === "announcement.delete");
    expect(frame).toEqual({ stream: ["user"], event: "announcement.delete", payload: id });
    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [], deleted: [] });
    // Still there for the operator, as a draft.
    expect((await listAnnouncements(db())).map((a) => String(a.id))).toEqual([id]);
  });

  it("hides a deleted announcement at once, streams announcement.delete, then purges the row", async () => {
    const alice = await createTestUser();
    const socket = await listen(alice);
    const id = await announce({ text: "bye" });
    const kept = await announce({ text: "kept" });
    await streamAnnouncementChanges(env);
    expect((await react(alice, id, "👍")).status).toBe(200);
    await ok(`/api/v1/announcements/${id}/dismiss`, alice.token, "POST");

    await deleteAnnouncement(db(), Number(id));
    expect(await shownIds(alice)).toEqual([kept]);
    expect((await listAnnouncements(db())).map((a) => String(a.id))).toEqual([kept]);
    expect(await findAnnouncement(db(), Number(id))).toBeUndefined();
    await expect(updateAnnouncement(db(), Number(id), { text: "x" })).rejects.toThrow("Record not found");
    await expect(deleteAnnouncement(db(), Number(id))).rejects.toThrow("Record not found");
    await expectError(await react(alice, id, "🎉"), 404, "Record not found");
    await expectError(
      await api(`/api/v1/announcements/${id}/dismiss`, { token: alice.token, method: "POST" }),
      404,
      "Record not found",
    );
    expect(await count("SELECT 1 FROM announcement_reactions")).toBe(0);
    expect(await count("SELECT 1 FROM announcement_dismissals")).toBe(0);
    // Kept, marked, until the cron has told the clients.
    expect(await count("SELECT 1 FROM announcements WHERE id = ? AND deleted_at IS NOT NULL", Number(id))).toBe(1);

    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [], deleted: [id] });
    const frame = await socket.waitFor((f) => f.event === "announcement.delete");
    expect(frame.payload).toBe(id);
    expect(await count("SELECT 1 FROM announcements WHERE id = ?", Number(id))).toBe(0);
    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [], deleted: [] });
    expect(await shownIds(alice)).toEqual([kept]);
  });

  it("deletes a draft clients never saw at once, streaming nothing", async () => {
    const alice = await createTestUser();
    const socket = await listen(alice);
    const draft = await announce({ text: "draft", published: false });
    await deleteAnnouncement(db(), Number(draft));
    expect(await count("SELECT 1 FROM announcements")).toBe(0);
    expect(await streamAnnouncementChanges(env)).toEqual({ announced: [], deleted: [] });
    await expectNone(socket, isAnnouncementEvent, 500);
  });

  it("marks an announcement whose event has ended without streaming it", async () => {
    const alice = await createTestUser();
    const socket = await listen(alice);
    const now = Date.now();
    await announce({ text: "over", startsAt: now - 2 * HOUR, endsAt: now - HOUR });
    expect(await streamAnnouncementChanges(env, now)).toEqual({ announced: [], deleted: [] });
    expect(await count("SELECT 1 FROM announcements WHERE streamed_at IS NULL")).toBe(0);
    await expectNone(socket, isAnnouncementEvent, 500);
  });

  it("handles a bounded number of rows per tick and reads them through the index", async () => {
    const ids = [await announce({ text: "a" }), await announce({ text: "b" }), await announce({ text: "c" })];
    const first = await streamAnnouncementChanges(env, Date.now(), 2);
    expect(first.announced).toHaveLength(2);
    const second = await streamAnnouncementChanges(env, Date.now(), 2);
    expect([...first.announced, ...second.announced].sort()).toEqual([...ids].sort());
    // The sweep names its index (INDEXED BY fails rather than scan); the planner picks it unasked too.
    const plan = await env.DB.prepare(
      `EXPLAIN QUERY PLAN SELECT * FROM announcements WHERE streamed_at IS NULL
       AND (published = 0 OR deleted_at IS NOT NULL OR scheduled_at IS NULL OR scheduled_at <= ?) LIMIT 20`,
    )
      .bind(Date.now())
      .all<{ detail: string }>();
    expect(plan.results.map((r) => r.detail).join(" ")).toMatch(
      /SEARCH announcements USING INDEX announcements_streamed_at \(streamed_at=\?\)/,
    );
  });

  it("counts announcements from before the migration as streamed, except scheduled ones still to come", async () => {
    const now = Date.now();
    const past = await announce({ text: "old" });
    const future = await announce({ text: "later", scheduledAt: now + HOUR });
    const migration = env.TEST_MIGRATIONS.find((m) => m.name === "0011_announcements_already_streamed.sql");
    expect(migration?.queries.length).toBeGreaterThan(0);
    for (const q of migration?.queries ?? []) await env.DB.prepare(q).run();
    expect(await count("SELECT 1 FROM announcements WHERE id = ? AND streamed_at IS NOT NULL", Number(past))).toBe(1);
    expect(await streamAnnouncementChanges(env, now + HOUR)).toEqual({ announced: [future], deleted: [] });
  });

  it("runs from the scheduled handler", async () => {
    const alice = await createTestUser();
    const socket = await listen(alice);
    const id = await announce({ text: "from cron" });
    await runScheduled(Date.now(), env);
    expect(payloadOf((await socket.waitFor((f) => f.event === "announcement")) as Frame)).toMatchObject({ id });
    expect(await count("SELECT 1 FROM announcements WHERE streamed_at IS NULL")).toBe(0);
  });
});
