import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { createCollection, featureable, type Json, ok, rows } from "./helpers";

const collectionNotes = async (token: string) =>
  (await ok<Json[]>("/api/v1/notifications?types[]=added_to_collection&types[]=collection_update", token)).map((n) => {
    expectEntity("Notification", n);
    return n;
  });

describe("collection notifications", () => {
  it("tells a local account it was added, from the curator, with the collection", async () => {
    const alice = await createTestUser();
    const [bob, carol] = [await featureable(), await featureable()];
    const col = await createCollection(alice, { name: "Friends", account_ids: [String(bob.account.id)] });
    const [note] = await collectionNotes(bob.token);
    expect(note).toMatchObject({ type: "added_to_collection", account: { id: String(alice.account.id) } });
    expect(note?.collection).toMatchObject({ id: col.id, name: "Friends" });

    await ok(`/api/v1/collections/${col.id}/items`, alice.token, "POST", { account_id: String(carol.account.id) });
    expect((await collectionNotes(carol.token)).map((n) => n.type)).toEqual(["added_to_collection"]);
    // Nothing for the curator, and nothing when a refused add stored nothing.
    expect(await collectionNotes(alice.token)).toEqual([]);

    // The grouped (v2) API leaves them out: its NotificationGroupTypeEnum has no collection types.
    const grouped = await ok<Json>("/api/v2/notifications", bob.token);
    expectEntity("GroupedNotificationsResults", grouped);
    expect(grouped.notification_groups).toEqual([]);
    expect(await ok("/api/v2/notifications/unread_count", bob.token)).toEqual({ count: 0 });
    expect(await ok("/api/v1/notifications/unread_count", bob.token)).toEqual({ count: 1 });
  });

  it("tells accepted accounts when the name or description changes, not for other fields", async () => {
    const alice = await createTestUser();
    const bob = await featureable();
    const col = await createCollection(alice, { account_ids: [String(bob.account.id)] });
    await ok(`/api/v1/collections/${col.id}`, alice.token, "PATCH", { sensitive: true, tag_name: "x" });
    expect((await collectionNotes(bob.token)).map((n) => n.type)).toEqual(["added_to_collection"]);
    await ok(`/api/v1/collections/${col.id}`, alice.token, "PATCH", { description: "now described" });
    const notes = await collectionNotes(bob.token);
    expect(notes.map((n) => n.type)).toEqual(["collection_update", "added_to_collection"]);
    expect(notes[0]?.collection).toMatchObject({ description: "now described" });
  });

  it("go away with the collection", async () => {
    const alice = await createTestUser();
    const bob = await featureable();
    const col = await createCollection(alice, { account_ids: [String(bob.account.id)] });
    expect(await collectionNotes(bob.token)).toHaveLength(1);
    const res = await api(`/api/v1/collections/${col.id}`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await rows("SELECT id FROM notifications WHERE collection_id = ?", Number(col.id))).toEqual([]);
    expect(await collectionNotes(bob.token)).toEqual([]);
  });
});
