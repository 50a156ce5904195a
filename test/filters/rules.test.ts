import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, type Json, ok, rows } from "../lists/helpers";

async function group(user: TestUser, title = "Group"): Promise<string> {
  return String((await ok("/api/v2/filters", user.token, "POST", { title, context: ["home"] })).id);
}

const keywordRows = async (filterId: string) =>
  rows("SELECT id, keyword, whole_word FROM custom_filter_keywords WHERE filter_id = ? ORDER BY id", Number(filterId));

describe("v2 filter keywords", () => {
  it("adds, lists, shows, edits and removes keywords", async () => {
    const alice = await createTestUser();
    const filterId = await group(alice);
    const added = await ok(`/api/v2/filters/${filterId}/keywords`, alice.token, "POST", {
      keyword: "spoiler",
      whole_word: false,
    });
    expectEntity("FilterKeyword", added);
    expect(added).toMatchObject({ keyword: "spoiler", whole_word: false });
    const second = await ok(`/api/v2/filters/${filterId}/keywords`, alice.token, "POST", { keyword: "leak" });
    expect(second.whole_word).toBe(true);

    const list = await ok<Json[]>(`/api/v2/filters/${filterId}/keywords`, alice.token);
    expectEntity("FilterKeyword", list, { array: true });
    expect(list).toEqual([added, second]);
    expect(await ok(`/api/v2/filters/keywords/${added.id}`, alice.token)).toEqual(added);

    const edited = await ok(`/api/v2/filters/keywords/${added.id}`, alice.token, "PUT", {
      keyword: "spoilers",
      whole_word: true,
    });
    expectEntity("FilterKeyword", edited);
    expect(edited).toEqual({ id: added.id, keyword: "spoilers", whole_word: true });
    const patched = await ok(`/api/v2/filters/keywords/${added.id}`, alice.token, "PATCH", { whole_word: false });
    expect(patched).toEqual({ id: added.id, keyword: "spoilers", whole_word: false });
    // The group shows the keyword as changed.
    const filter = await ok<{ keywords: Json[] }>(`/api/v2/filters/${filterId}`, alice.token);
    expect(filter.keywords).toEqual([patched, second]);

    expect(await ok(`/api/v2/filters/keywords/${added.id}`, alice.token, "DELETE")).toEqual({});
    expect((await keywordRows(filterId)).map((k) => String(k.id))).toEqual([second.id]);
    await expectError(await api(`/api/v2/filters/keywords/${added.id}`, { token: alice.token }), 404, "Record not found");
  });

  it("refuses an empty or too long keyword with 422 and changes nothing", async () => {
    const alice = await createTestUser();
    const filterId = await group(alice);
    for (const json of [{ keyword: "" }, { keyword: "   " }, {}]) {
      const res = await api(`/api/v2/filters/${filterId}/keywords`, { token: alice.token, json });
      await expectError(res, 422, "Validation failed: Keyword can't be blank");
    }
    const long = await api(`/api/v2/filters/${filterId}/keywords`, { token: alice.token, json: { keyword: "é".repeat(513) } });
    await expectError(long, 422, "Validation failed: Keyword is too long (maximum is 512 characters)");
    expect(await keywordRows(filterId)).toEqual([]);

    const kept = await ok(`/api/v2/filters/${filterId}/keywords`, alice.token, "POST", { keyword: "kept" });
    const res = await api(`/api/v2/filters/keywords/${kept.id}`, { token: alice.token, method: "PUT", json: { keyword: "" } });
    await expectError(res, 422, "Validation failed: Keyword can't be blank");
    expect(await keywordRows(filterId)).toEqual([{ id: Number(kept.id), keyword: "kept", whole_word: 1 }]);
  });

  it("answers 404 for another account's group or keyword and changes nothing", async () => {
    const alice = await createTestUser();
    const mallory = await createTestUser();
    const filterId = await group(alice);
    const keyword = await ok(`/api/v2/filters/${filterId}/keywords`, alice.token, "POST", { keyword: "mine" });
    const attempts: Array<[string, string]> = [
      [`/api/v2/filters/${filterId}/keywords`, "GET"],
      [`/api/v2/filters/${filterId}/keywords`, "POST"],
      [`/api/v2/filters/keywords/${keyword.id}`, "GET"],
      [`/api/v2/filters/keywords/${keyword.id}`, "PUT"],
      [`/api/v2/filters/keywords/${keyword.id}`, "DELETE"],
      ["/api/v2/filters/keywords/abc", "GET"],
      ["/api/v2/filters/999999/keywords", "POST"],
    ];
    for (const [path, method] of attempts) {
      const json = method === "GET" ? undefined : { keyword: "theirs" };
      await expectError(await api(path, { token: mallory.token, method, json }), 404, "Record not found");
    }
    expect(await keywordRows(filterId)).toEqual([{ id: Number(keyword.id), keyword: "mine", whole_word: 1 }]);
  });
});

describe("v2 filter statuses", () => {
  it("adds, lists, shows and removes statuses, with Mastodon's errors for bad ones", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const filterId = await group(alice);
    const status = await ok("/api/v1/statuses", bob.token, "POST", { status: "filter me" });

    const added = await ok(`/api/v2/filters/${filterId}/statuses`, alice.token, "POST", { status_id: status.id });
    expectEntity("FilterStatus", added);
    expect(added.status_id).toBe(status.id);
    const list = await ok<Json[]>(`/api/v2/filters/${filterId}/statuses`, alice.token);
    expectEntity("FilterStatus", list, { array: true });
    expect(list).toEqual([added]);
    expect(await ok(`/api/v2/filters/statuses/${added.id}`, alice.token)).toEqual(added);
    const filter = await ok<{ statuses: Json[] }>(`/api/v2/filters/${filterId}`, alice.token);
    expect(filter.statuses).toEqual([added]);

    const again = await api(`/api/v2/filters/${filterId}/statuses`, { token: alice.token, json: { status_id: status.id } });
    await expectError(again, 422, "Validation failed: Status has already been taken");
    for (const json of [{ status_id: "999999999" }, { status_id: "abc" }, {}]) {
      const res = await api(`/api/v2/filters/${filterId}/statuses`, { token: alice.token, json });
      await expectError(res, 422, "Validation failed: Status must exist");
    }
    // A followers-only status the owner cannot see.
    const hidden = await ok("/api/v1/statuses", bob.token, "POST", { status: "secret", visibility: "private" });
    const invisible = await api(`/api/v2/filters/${filterId}/statuses`, { token: alice.token, json: { status_id: hidden.id } });
    await expectError(invisible, 422, "Validation failed: Status is invalid");
    expect(await rows("SELECT status_id FROM custom_filter_statuses WHERE filter_id = ?", Number(filterId))).toEqual([
      { status_id: Number(status.id) },
    ]);

    const mallory = await createTestUser();
    await expectError(await api(`/api/v2/filters/statuses/${added.id}`, { token: mallory.token }), 404, "Record not found");
    const stolen = await api(`/api/v2/filters/statuses/${added.id}`, { token: mallory.token, method: "DELETE" });
    await expectError(stolen, 404, "Record not found");

    expect(await ok(`/api/v2/filters/statuses/${added.id}`, alice.token, "DELETE")).toEqual({});
    expect(await ok(`/api/v2/filters/${filterId}/statuses`, alice.token)).toEqual([]);
  });

  it("removes keywords and statuses with their group", async () => {
    const alice = await createTestUser();
    const filterId = await group(alice);
    await ok(`/api/v2/filters/${filterId}/keywords`, alice.token, "POST", { keyword: "gone" });
    const status = await ok("/api/v1/statuses", alice.token, "POST", { status: "mine" });
    await ok(`/api/v2/filters/${filterId}/statuses`, alice.token, "POST", { status_id: status.id });
    await ok(`/api/v2/filters/${filterId}`, alice.token, "DELETE");
    expect(await keywordRows(filterId)).toEqual([]);
    expect(await rows("SELECT 1 FROM custom_filter_statuses WHERE filter_id = ?", Number(filterId))).toEqual([]);
  });
});
