import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { tokenFor } from "../lists/helpers";
import { createCollection, expectError, featureable, type Json, ok, rows, snapshot } from "./helpers";

async function addItem(owner: TestUser, collectionId: unknown, target: TestUser): Promise<Json> {
  const body = await ok<{ collection_item: Json }>(`/api/v1/collections/${collectionId}/items`, owner.token, "POST", {
    account_id: String(target.account.id),
  });
  expectEntity("CollectionItem", body.collection_item);
  return body.collection_item;
}

describe("collection items", () => {
  it("adds a featureable account as accepted, at the next position", async () => {
    const alice = await createTestUser();
    const [bob, carol] = [await featureable(), await featureable()];
    const col = await createCollection(alice, { account_ids: [String(bob.account.id)] });
    const item = await addItem(alice, col.id, carol);
    expect(item).toMatchObject({ account_id: String(carol.account.id), state: "accepted" });
    const stored = await rows<{ position: number }>("SELECT position FROM collection_items WHERE id = ?", Number(item.id));
    expect(stored).toEqual([{ position: 2 }]);
    const shown = await ok<{ collection: Json }>(`/api/v1/collections/${col.id}`, undefined);
    expect((shown.collection.items as Json[]).map((i) => i.account_id)).toEqual([
      String(bob.account.id),
      String(carol.account.id),
    ]);
    expect(shown.collection.item_count).toBe(2);
  });

  it("refuses a missing, unknown, duplicate, blocked, blocking or undiscoverable account, changing nothing", async () => {
    const alice = await createTestUser();
    const bob = await featureable();
    const col = await createCollection(alice, { account_ids: [String(bob.account.id)] });
    const path = `/api/v1/collections/${col.id}/items`;
    const blocked = await featureable();
    await ok(`/api/v1/accounts/${blocked.account.id}/block`, alice.token, "POST", {});
    const blocker = await featureable();
    await ok(`/api/v1/accounts/${alice.account.id}/block`, blocker.token, "POST", {});
    const hidden = await createTestUser();
    const before = await snapshot(alice);

    await expectError(await api(path, { token: alice.token, json: {} }), 422, "`account_id` parameter is missing");
    await expectError(await api(path, { token: alice.token, json: { account_id: "987654321" } }), 404, "Record not found");
    await expectError(
      await api(path, { token: alice.token, json: { account_id: String(bob.account.id) } }),
      422,
      "Validation failed: Account has already been taken",
    );
    for (const target of [blocked, blocker, hidden]) {
      await expectError(
        await api(path, { token: alice.token, json: { account_id: String(target.account.id) } }),
        403,
        "This action is not allowed",
      );
    }
    await expectError(
      await api("/api/v1/collections/123456789/items", { token: alice.token, json: { account_id: String(bob.account.id) } }),
      404,
      "Record not found",
    );
    expect(await snapshot(alice)).toBe(before);
  });

  it("holds at most 25 pending or accepted items", async () => {
    const alice = await createTestUser();
    const people: string[] = [];
    for (let i = 0; i < 25; i++) people.push(String((await featureable()).account.id));
    const col = await createCollection(alice, { account_ids: people });
    expect(col.item_count).toBe(25);
    const extra = await featureable();
    const before = await snapshot(alice);
    const res = await api(`/api/v1/collections/${col.id}/items`, {
      token: alice.token,
      json: { account_id: String(extra.account.id) },
    });
    await expectError(res, 422, "Validation failed: Collection items are too many (maximum is 25)");
    expect(await snapshot(alice)).toBe(before);
    // 26 at creation is refused as a whole.
    const res2 = await api("/api/v1/collections", {
      token: alice.token,
      json: { name: "too big", account_ids: [...people, String(extra.account.id)] },
    });
    expect(res2.status).toBe(422);
    expect(await snapshot(alice)).toBe(before);
  });

  it("only the owner adds or removes items (403), with write:collections", async () => {
    const alice = await createTestUser();
    const mallory = await createTestUser();
    const bob = await featureable();
    const col = await createCollection(alice);
    const item = await addItem(alice, col.id, bob);
    const before = await snapshot(alice);
    await expectError(
      await api(`/api/v1/collections/${col.id}/items`, { token: mallory.token, json: { account_id: String(bob.account.id) } }),
      403,
      "This action is not allowed",
    );
    await expectError(
      await api(`/api/v1/collections/${col.id}/items/${item.id}`, { token: mallory.token, method: "DELETE" }),
      403,
      "This action is not allowed",
    );
    const readOnly = await tokenFor(alice, "read write:statuses");
    await expectError(
      await api(`/api/v1/collections/${col.id}/items/${item.id}`, { token: readOnly, method: "DELETE" }),
      403,
      "This action is outside the authorized scopes",
    );
    await expectError(
      await api(`/api/v1/collections/${col.id}/items/123456789`, { token: alice.token, method: "DELETE" }),
      404,
      "Record not found",
    );
    expect(await snapshot(alice)).toBe(before);

    const res = await api(`/api/v1/collections/${col.id}/items/${item.id}`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(await rows("SELECT id FROM collection_items WHERE collection_id = ?", Number(col.id))).toEqual([]);
  });

  it("lets only the featured account revoke its item, which then disappears from the collection", async () => {
    const alice = await createTestUser();
    const bob = await featureable();
    const carol = await featureable();
    const col = await createCollection(alice, { account_ids: [String(bob.account.id), String(carol.account.id)] });
    const bobItem = (col.items as Json[])[0] as Json;
    const path = `/api/v1/collections/${col.id}/items/${bobItem.id}/revoke`;
    const before = await snapshot(alice);
    for (const who of [alice, carol]) {
      await expectError(await api(path, { token: who.token, method: "POST" }), 403, "This action is not allowed");
    }
    await expectError(
      await api(`/api/v1/collections/${col.id}/items/123456789/revoke`, { token: bob.token, method: "POST" }),
      404,
      "Record not found",
    );
    expect(await snapshot(alice)).toBe(before);

    const res = await api(path, { token: bob.token, method: "POST" });
    expect(res.status).toBe(200);
    expect(await rows("SELECT state FROM collection_items WHERE id = ?", Number(bobItem.id))).toEqual([{ state: "revoked" }]);
    const shown = await ok<{ accounts: Json[]; collection: Json }>(`/api/v1/collections/${col.id}`, alice.token);
    expect((shown.collection.items as Json[]).map((i) => i.account_id)).toEqual([String(carol.account.id)]);
    expect(shown.accounts.map((a) => a.id)).toEqual([String(alice.account.id), String(carol.account.id)]);
    // Mastodon's counter cache keeps counting the revoked row.
    expect(shown.collection.item_count).toBe(2);
    // A revoked account cannot be added back: the row still holds its place.
    await expectError(
      await api(`/api/v1/collections/${col.id}/items`, { token: alice.token, json: { account_id: String(bob.account.id) } }),
      422,
      "Validation failed: Account has already been taken",
    );
  });

  it("hides items the viewer blocks, and pending items from everyone but the owner", async () => {
    const alice = await createTestUser();
    const [bob, carol] = [await featureable(), await featureable()];
    const viewer = await createTestUser();
    const col = await createCollection(alice, { account_ids: [String(bob.account.id), String(carol.account.id)] });
    await ok(`/api/v1/accounts/${bob.account.id}/block`, viewer.token, "POST", {});
    const seen = await ok<{ accounts: Json[]; collection: Json }>(`/api/v1/collections/${col.id}`, viewer.token);
    expectEntity("CollectionWithAccounts", seen);
    expect((seen.collection.items as Json[]).map((i) => i.account_id)).toEqual([String(carol.account.id)]);
    expect(seen.accounts.map((a) => a.id)).toEqual([String(alice.account.id), String(carol.account.id)]);

    await rows(
      "UPDATE collection_items SET state = 'pending' WHERE account_id = ? AND collection_id = ?",
      carol.account.id,
      Number(col.id),
    );
    const anonymous = await ok<{ collection: Json }>(`/api/v1/collections/${col.id}`, undefined);
    expect((anonymous.collection.items as Json[]).map((i) => i.account_id)).toEqual([String(bob.account.id)]);
    const owner = await ok<{ collection: Json }>(`/api/v1/collections/${col.id}`, alice.token);
    expect((owner.collection.items as Json[]).map((i) => [i.account_id, i.state])).toEqual([
      [String(bob.account.id), "accepted"],
      [String(carol.account.id), "pending"],
    ]);
  });
});
