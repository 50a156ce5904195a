import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { tokenFor } from "../lists/helpers";
import { createCollection, expectError, expectNested422, featureable, type Json, ok, rows, snapshot } from "./helpers";

describe("creating a collection", () => {
  it("stores every field and answers the wrapped Collection with its accepted items", async () => {
    const alice = await createTestUser();
    const [bob, carol] = [await featureable(), await featureable()];
    const res = await api("/api/v1/collections", {
      token: alice.token,
      json: {
        name: "Nice accounts",
        description: "These accounts are very nice",
        language: "en",
        tag_name: "#Accounts",
        sensitive: true,
        discoverable: false,
        account_ids: [String(bob.account.id), String(carol.account.id)],
      },
    });
    expect(res.status).toBe(200);
    const { collection } = (await res.json()) as { collection: Json };
    expectEntity("Collection", collection);
    expect(collection).toMatchObject({
      account_id: String(alice.account.id),
      name: "Nice accounts",
      description: "These accounts are very nice",
      language: "en",
      local: true,
      sensitive: true,
      discoverable: false,
      item_count: 2,
      tag: { name: "Accounts", url: "http://petrel.test/tags/accounts" },
    });
    expect(collection.uri).toBe(`http://petrel.test/users/${alice.account.username}/collections/${collection.id}`);
    const items = collection.items as Json[];
    expect(items.map((i) => [i.account_id, i.state])).toEqual([
      [String(bob.account.id), "accepted"],
      [String(carol.account.id), "accepted"],
    ]);
    for (const i of items) expectEntity("CollectionItem", i);
    const stored = await rows<{ position: number; account_id: number }>(
      "SELECT position, account_id FROM collection_items WHERE collection_id = ? ORDER BY position",
      Number(collection.id),
    );
    expect(stored).toEqual([
      { position: 1, account_id: bob.account.id },
      { position: 2, account_id: carol.account.id },
    ]);
  });

  it("defaults to discoverable, not sensitive, no tag and an empty description; takes form data", async () => {
    const alice = await createTestUser();
    const res = await api("/api/v1/collections", { token: alice.token, form: { name: "Minimal" } });
    expect(res.status).toBe(200);
    const { collection } = (await res.json()) as { collection: Json };
    expectEntity("Collection", collection);
    expect(collection).toMatchObject({
      name: "Minimal",
      description: "",
      discoverable: true,
      sensitive: false,
      tag: null,
      language: null,
      item_count: 0,
      items: [],
    });
  });

  it("refuses bad names, descriptions and languages with Mastodon's nested 422, storing nothing", async () => {
    const alice = await createTestUser();
    const before = await snapshot(alice);
    await expectNested422(
      await api("/api/v1/collections", { token: alice.token, json: { name: "x".repeat(41) } }),
      "Validation failed: Name is too long (maximum is 40 characters)",
      "name",
      "ERR_TOO_LONG",
    );
    await expectNested422(
      await api("/api/v1/collections", { token: alice.token, json: { name: "  " } }),
      "Validation failed: Name can't be blank",
      "name",
      "ERR_BLANK",
    );
    await expectNested422(
      await api("/api/v1/collections", { token: alice.token, json: {} }),
      "Validation failed: Name can't be blank",
      "name",
      "ERR_BLANK",
    );
    await expectNested422(
      await api("/api/v1/collections", { token: alice.token, json: { name: "ok", description: "d".repeat(101) } }),
      "Validation failed: Description is too long (maximum is 100 characters)",
      "description",
      "ERR_TOO_LONG",
    );
    await expectNested422(
      await api("/api/v1/collections", { token: alice.token, json: { name: "ok", language: "not a language" } }),
      "Validation failed: Language is invalid",
      "language",
      "ERR_INVALID",
    );
    // Exactly 40 characters (emoji count as one each) is fine.
    await createCollection(alice, { name: "🦆".repeat(40) });
    const after = JSON.parse(await snapshot(alice)) as { cols: unknown[] };
    expect(after.cols).toHaveLength(JSON.parse(before).cols.length + 1);
  });

  it("refuses unknown and unfeatureable accounts without storing the collection", async () => {
    const alice = await createTestUser();
    const hidden = await createTestUser(); // not discoverable
    const blocked = await featureable();
    await ok(`/api/v1/accounts/${blocked.account.id}/block`, alice.token, "POST", {});
    const before = await snapshot(alice);
    await expectError(
      await api("/api/v1/collections", { token: alice.token, json: { name: "x", account_ids: ["999999999"] } }),
      404,
      "Record not found",
    );
    for (const target of [hidden, blocked]) {
      await expectError(
        await api("/api/v1/collections", { token: alice.token, json: { name: "x", account_ids: [String(target.account.id)] } }),
        403,
        "This action is not allowed",
      );
    }
    expect(await snapshot(alice)).toBe(before);
  });

  it("needs a user token with write:collections (or write)", async () => {
    const alice = await createTestUser();
    const before = await snapshot(alice);
    await expectError(await api("/api/v1/collections", { json: { name: "x" } }), 401, "The access token is invalid");
    const readOnly = await tokenFor(alice, "read");
    await expectError(
      await api("/api/v1/collections", { token: readOnly, json: { name: "x" } }),
      403,
      "This action is outside the authorized scopes",
    );
    expect(await snapshot(alice)).toBe(before);
    const granular = await tokenFor(alice, "write:collections");
    expect((await api("/api/v1/collections", { token: granular, json: { name: "x" } })).status).toBe(200);
  });
});

describe("showing a collection", () => {
  it("answers CollectionWithAccounts, owner first, to anyone, with or without a token", async () => {
    const alice = await createTestUser();
    const bob = await featureable();
    const created = await createCollection(alice, { account_ids: [String(bob.account.id)] });
    for (const token of [undefined, alice.token, (await createTestUser()).token]) {
      const body = await ok<{ accounts: Json[]; collection: Json }>(`/api/v1/collections/${created.id}`, token);
      expectEntity("CollectionWithAccounts", body);
      expect(body.accounts.map((a) => a.id)).toEqual([String(alice.account.id), String(bob.account.id)]);
      expect(body.collection.id).toBe(created.id);
    }
  });

  it("is 404 for unknown ids, 403 when the owner blocks the viewer, and checks read:collections", async () => {
    const alice = await createTestUser();
    const eve = await createTestUser();
    const created = await createCollection(alice);
    await expectError(await api("/api/v1/collections/123456789", { token: alice.token }), 404, "Record not found");
    await expectError(await api("/api/v1/collections/nope"), 404, "Record not found");
    await ok(`/api/v1/accounts/${eve.account.id}/block`, alice.token, "POST", {});
    await expectError(await api(`/api/v1/collections/${created.id}`, { token: eve.token }), 403, "This action is not allowed");
    const pushOnly = await tokenFor(alice, "push");
    await expectError(
      await api(`/api/v1/collections/${created.id}`, { token: pushOnly }),
      403,
      "This action is outside the authorized scopes",
    );
    const granular = await tokenFor(alice, "read:collections");
    expect((await api(`/api/v1/collections/${created.id}`, { token: granular })).status).toBe(200);
  });
});

describe("updating and deleting", () => {
  it("changes only the fields sent and answers the wrapped Collection", async () => {
    const alice = await createTestUser();
    const created = await createCollection(alice, { description: "first", tag_name: "cats", language: "en" });
    const body = await ok<{ collection: Json }>(`/api/v1/collections/${created.id}`, alice.token, "PATCH", {
      name: "Renamed",
      sensitive: true,
    });
    expectEntity("Collection", body.collection);
    expect(body.collection).toMatchObject({
      name: "Renamed",
      description: "first",
      language: "en",
      sensitive: true,
      discoverable: true,
      tag: { name: "cats" },
    });
    // An empty tag_name removes the tag; PUT works too.
    const cleared = await ok<{ collection: Json }>(`/api/v1/collections/${created.id}`, alice.token, "PUT", { tag_name: "" });
    expect(cleared.collection.tag).toBeNull();
    expect(cleared.collection.name).toBe("Renamed");
  });

  it("refuses someone else's collection (403), unknown ids (404) and bad values (422), changing nothing", async () => {
    const alice = await createTestUser();
    const mallory = await createTestUser();
    const created = await createCollection(alice);
    const before = await snapshot(alice);
    const path = `/api/v1/collections/${created.id}`;
    await expectError(
      await api(path, { token: mallory.token, method: "PATCH", json: { name: "mine" } }),
      403,
      "This action is not allowed",
    );
    await expectError(await api(path, { token: mallory.token, method: "DELETE" }), 403, "This action is not allowed");
    await expectError(
      await api("/api/v1/collections/123456789", { token: alice.token, method: "PATCH", json: { name: "x" } }),
      404,
      "Record not found",
    );
    await expectNested422(
      await api(path, { token: alice.token, method: "PATCH", json: { name: "" } }),
      "Validation failed: Name can't be blank",
      "name",
      "ERR_BLANK",
    );
    await expectNested422(
      await api(path, { token: alice.token, method: "PATCH", json: { name: "y".repeat(41) } }),
      "Validation failed: Name is too long (maximum is 40 characters)",
      "name",
      "ERR_TOO_LONG",
    );
    expect(await snapshot(alice)).toBe(before);
  });

  it("deletes the collection and its items with an empty 200", async () => {
    const alice = await createTestUser();
    const bob = await featureable();
    const created = await createCollection(alice, { account_ids: [String(bob.account.id)] });
    const res = await api(`/api/v1/collections/${created.id}`, { token: alice.token, method: "DELETE" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect(await rows("SELECT id FROM collection_items WHERE collection_id = ?", Number(created.id))).toEqual([]);
    await expectError(await api(`/api/v1/collections/${created.id}`), 404, "Record not found");
  });
});
