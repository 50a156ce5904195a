import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json, ok, rows, tokenFor } from "./helpers";

async function createList(user: TestUser, json: Json = { title: "Friends" }): Promise<Json> {
  const list = await ok(`/api/v1/lists`, user.token, "POST", json);
  expectEntity("List", list);
  return list;
}

const listRow = async (id: unknown) =>
  (await rows("SELECT title, replies_policy, exclusive FROM lists WHERE id = ?", Number(id)))[0];

describe("lists CRUD", () => {
  it("creates, lists, shows, updates with PUT and PATCH, and deletes a list", async () => {
    const alice = await createTestUser();
    const created = await createList(alice, { title: "Friends" });
    expect(created).toMatchObject({ title: "Friends", replies_policy: "list", exclusive: false });
    const other = await createList(alice, { title: "Work", replies_policy: "none", exclusive: true });
    expect(other).toMatchObject({ title: "Work", replies_policy: "none", exclusive: true });

    const all = await ok<Json[]>("/api/v1/lists", alice.token);
    expectEntity("List", all, { array: true });
    expect(all.map((l) => l.id)).toEqual([created.id, other.id]);
    expect(await ok(`/api/v1/lists/${created.id}`, alice.token)).toEqual(created);

    const put = await ok(`/api/v1/lists/${created.id}`, alice.token, "PUT", { title: "Pals", replies_policy: "followed" });
    expectEntity("List", put);
    expect(put).toMatchObject({ id: created.id, title: "Pals", replies_policy: "followed", exclusive: false });
    // PATCH works as PUT; what is not given stays as it was.
    const patched = await api(`/api/v1/lists/${created.id}`, {
      token: alice.token,
      method: "PATCH",
      form: { exclusive: "true" },
    });
    expect(await patched.json()).toEqual({ id: created.id, title: "Pals", replies_policy: "followed", exclusive: true });

    expect(await ok(`/api/v1/lists/${created.id}`, alice.token, "DELETE")).toEqual({});
    expect(await count("SELECT 1 FROM lists WHERE id = ?", Number(created.id))).toBe(0);
    await expectError(await api(`/api/v1/lists/${created.id}`, { token: alice.token }), 404, "Record not found");
  });

  it("accepts form bodies, as Tusky sends them", async () => {
    const alice = await createTestUser();
    const res = await api("/api/v1/lists", { token: alice.token, form: { title: "Form", replies_policy: "followed" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ title: "Form", replies_policy: "followed", exclusive: false });
  });

  it("refuses a blank or missing title with Mastodon's 422 and creates nothing", async () => {
    const alice = await createTestUser();
    for (const json of [{ title: "" }, { title: "   " }, {}]) {
      await expectError(await api("/api/v1/lists", { token: alice.token, json }), 422, "Validation failed: Title can't be blank");
    }
    expect(await count("SELECT 1 FROM lists WHERE account_id = ?", alice.account.id)).toBe(0);

    const list = await createList(alice);
    const res = await api(`/api/v1/lists/${list.id}`, { token: alice.token, method: "PUT", json: { title: "" } });
    await expectError(res, 422, "Validation failed: Title can't be blank");
    expect(await listRow(list.id)).toEqual({ title: "Friends", replies_policy: "list", exclusive: 0 });
  });

  it("refuses an unknown replies_policy with 422 and changes nothing", async () => {
    const alice = await createTestUser();
    const bad = "Validation failed: Replies policy is not included in the list";
    await expectError(await api("/api/v1/lists", { token: alice.token, json: { title: "X", replies_policy: "all" } }), 422, bad);
    expect(await count("SELECT 1 FROM lists WHERE account_id = ?", alice.account.id)).toBe(0);
    const list = await createList(alice);
    const res = await api(`/api/v1/lists/${list.id}`, {
      token: alice.token,
      method: "PUT",
      json: { title: "Y", replies_policy: "x" },
    });
    await expectError(res, 422, bad);
    expect(await listRow(list.id)).toEqual({ title: "Friends", replies_policy: "list", exclusive: 0 });
  });

  it("reports both problems at once", async () => {
    const alice = await createTestUser();
    const res = await api("/api/v1/lists", { token: alice.token, json: { title: "", replies_policy: "nope" } });
    await expectError(res, 422, "Validation failed: Title can't be blank, Replies policy is not included in the list");
  });

  it("answers 404 for someone else's list, unknown and malformed ids, and changes nothing", async () => {
    const alice = await createTestUser();
    const mallory = await createTestUser();
    const list = await createList(alice);
    const paths = [`/api/v1/lists/${list.id}`, "/api/v1/lists/1", "/api/v1/lists/abc"];
    for (const path of paths) {
      await expectError(await api(path, { token: mallory.token }), 404, "Record not found");
      await expectError(
        await api(path, { token: mallory.token, method: "PUT", json: { title: "Mine" } }),
        404,
        "Record not found",
      );
      await expectError(await api(path, { token: mallory.token, method: "DELETE" }), 404, "Record not found");
      await expectError(await api(`${path}/accounts`, { token: mallory.token }), 404, "Record not found");
      const add = await api(`${path}/accounts`, { token: mallory.token, json: { account_ids: [String(alice.account.id)] } });
      await expectError(add, 404, "Record not found");
      const remove = await api(`${path}/accounts`, { token: mallory.token, method: "DELETE", json: { account_ids: ["1"] } });
      await expectError(remove, 404, "Record not found");
    }
    expect(await listRow(list.id)).toEqual({ title: "Friends", replies_policy: "list", exclusive: 0 });
    expect(await ok<Json[]>("/api/v1/lists", mallory.token)).toEqual([]);
  });

  it("caps lists at 50 per account, as Mastodon", async () => {
    const alice = await createTestUser();
    const now = Date.now();
    const values = Array.from({ length: 50 }, (_, i) => `(${now * 4096 + i}, ${alice.account.id}, 'L${i}', 'list', 0, ${now})`);
    await rows(`INSERT INTO lists (id, account_id, title, replies_policy, exclusive, created_at) VALUES ${values.join(",")}`);
    const res = await api("/api/v1/lists", { token: alice.token, json: { title: "One more" } });
    await expectError(res, 422, "Validation failed: You have reached the maximum number of lists");
    expect(await count("SELECT 1 FROM lists WHERE account_id = ?", alice.account.id)).toBe(50);
  });
});

describe("lists scopes", () => {
  it("needs write:lists to change: 403 with a read-only token, and nothing changes", async () => {
    const alice = await createTestUser();
    const list = await createList(alice);
    const readOnly = await tokenFor(alice, "read");
    const denied = "This action is outside the authorized scopes";
    await expectError(await api("/api/v1/lists", { token: readOnly, json: { title: "No" } }), 403, denied);
    await expectError(
      await api(`/api/v1/lists/${list.id}`, { token: readOnly, method: "PUT", json: { title: "No" } }),
      403,
      denied,
    );
    await expectError(await api(`/api/v1/lists/${list.id}`, { token: readOnly, method: "DELETE" }), 403, denied);
    const add = await api(`/api/v1/lists/${list.id}/accounts`, { token: readOnly, json: { account_ids: ["1"] } });
    await expectError(add, 403, denied);
    const remove = await api(`/api/v1/lists/${list.id}/accounts`, { token: readOnly, method: "DELETE", json: {} });
    await expectError(remove, 403, denied);
    expect(await listRow(list.id)).toEqual({ title: "Friends", replies_policy: "list", exclusive: 0 });
    expect(await count("SELECT 1 FROM lists WHERE account_id = ?", alice.account.id)).toBe(1);
    // Reading is fine with read (or read:lists).
    expect(await ok(`/api/v1/lists/${list.id}`, readOnly)).toMatchObject({ title: "Friends" });
    expect(await ok<Json[]>("/api/v1/lists", await tokenFor(alice, "read:lists"))).toHaveLength(1);
    expect(await ok<Json[]>(`/api/v1/lists/${list.id}/accounts`, await tokenFor(alice, "read:lists"))).toEqual([]);
  });

  it("needs read:lists to read, and a token at all", async () => {
    const alice = await createTestUser();
    const list = await createList(alice);
    const writeOnly = await tokenFor(alice, "write:lists");
    const denied = "This action is outside the authorized scopes";
    await expectError(await api("/api/v1/lists", { token: writeOnly }), 403, denied);
    await expectError(await api(`/api/v1/lists/${list.id}`, { token: writeOnly }), 403, denied);
    await expectError(await api(`/api/v1/lists/${list.id}/accounts`, { token: writeOnly }), 403, denied);
    await expectError(await api(`/api/v1/lists/${list.id}`), 401, "The access token is invalid");
    await expectError(await api("/api/v1/lists", { json: { title: "x" } }), 401, "The access token is invalid");
  });
});
