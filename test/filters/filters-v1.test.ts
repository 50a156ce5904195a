import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, type Json, ok, rows } from "../lists/helpers";

async function createV1(user: TestUser, json: Json): Promise<Json> {
  const filter = await ok("/api/v1/filters", user.token, "POST", json);
  expectEntity("V1Filter", filter);
  return filter;
}

const MULTIPLE =
  "These parameters cannot be changed from this application because they apply to more than one filter keyword. Use a more recent application or the web interface.";

describe("v1 filters", () => {
  it("creates a one-keyword group, shows it both ways, updates and deletes it", async () => {
    const alice = await createTestUser();
    const created = await createV1(alice, {
      phrase: "election",
      context: ["home", "public"],
      irreversible: true,
      whole_word: false,
    });
    expect(created).toMatchObject({
      phrase: "election",
      context: ["home", "public"],
      irreversible: true,
      whole_word: false,
      expires_at: null,
    });

    // In v2 it is a group titled after the phrase, hiding, with the phrase as its keyword (same id).
    const [group] = await ok<Json[]>("/api/v2/filters", alice.token);
    expect(group).toMatchObject({ title: "election", context: ["home", "public"], filter_action: "hide" });
    expect(group?.keywords).toEqual([{ id: created.id, keyword: "election", whole_word: false }]);

    const list = await ok<Json[]>("/api/v1/filters", alice.token);
    expectEntity("V1Filter", list, { array: true });
    expect(list).toEqual([created]);
    expect(await ok(`/api/v1/filters/${created.id}`, alice.token)).toEqual(created);

    const updated = await ok(`/api/v1/filters/${created.id}`, alice.token, "PUT", {
      phrase: "elections",
      context: ["notifications"],
      irreversible: false,
      expires_in: 600,
    });
    expectEntity("V1Filter", updated);
    expect(updated).toMatchObject({ id: created.id, phrase: "elections", context: ["notifications"], irreversible: false });
    expect(Math.abs(Date.parse(String(updated.expires_at)) - (Date.now() + 600_000))).toBeLessThan(60_000);
    // A lone keyword's group follows the phrase.
    expect(await ok(`/api/v2/filters/${group?.id}`, alice.token)).toMatchObject({ title: "elections", filter_action: "warn" });

    expect(await ok(`/api/v1/filters/${created.id}`, alice.token, "DELETE")).toEqual({});
    expect(await ok("/api/v1/filters", alice.token)).toEqual([]);
    // Only the keyword goes; the group stays, as in Mastodon.
    expect(await ok<Json[]>("/api/v2/filters", alice.token)).toHaveLength(1);
  });

  it("shows every keyword of v2 groups as a v1 filter and guards shared settings", async () => {
    const alice = await createTestUser();
    const group = await ok<{ id: string; keywords: Array<{ id: string }> }>("/api/v2/filters", alice.token, "POST", {
      title: "Two",
      context: ["home"],
      filter_action: "warn",
      keywords_attributes: [{ keyword: "one" }, { keyword: "two", whole_word: false }],
    });
    const v1 = await ok<Json[]>("/api/v1/filters", alice.token);
    expect(v1.map((f) => [f.id, f.phrase, f.whole_word, f.irreversible])).toEqual([
      [group.keywords[0]?.id, "one", true, false],
      [group.keywords[1]?.id, "two", false, false],
    ]);
    const id = group.keywords[0]?.id;
    for (const json of [{ context: ["public"] }, { irreversible: true }, { expires_in: 60 }]) {
      await expectError(await api(`/api/v1/filters/${id}`, { token: alice.token, method: "PUT", json }), 422, MULTIPLE);
    }
    // The phrase and whole_word are the keyword's own and may change; the group keeps its title.
    const renamed = await ok(`/api/v1/filters/${id}`, alice.token, "PUT", { phrase: "uno", whole_word: false });
    expect(renamed).toMatchObject({ phrase: "uno", whole_word: false, context: ["home"], irreversible: false });
    expect(await ok(`/api/v2/filters/${group.id}`, alice.token)).toMatchObject({ title: "Two", context: ["home"] });
  });

  it("refuses bad filters with Mastodon's 422 and stores nothing", async () => {
    const alice = await createTestUser();
    const cases: Array<[Json, string]> = [
      [{ phrase: "x", context: ["home", "mars"] }, "Validation failed: Context None or invalid context supplied"],
      [{ phrase: "x" }, "Validation failed: Context can't be blank, Context None or invalid context supplied"],
      [{ phrase: "", context: ["home"] }, "Validation failed: Title can't be blank"],
      [{ context: ["home"] }, "Validation failed: Title can't be blank"],
    ];
    for (const [json, message] of cases) {
      await expectError(await api("/api/v1/filters", { token: alice.token, json }), 422, message);
    }
    expect(await rows("SELECT 1 FROM custom_filters WHERE account_id = ?", alice.account.id)).toEqual([]);

    const filter = await createV1(alice, { phrase: "keep", context: ["home"] });
    const path = `/api/v1/filters/${filter.id}`;
    await expectError(
      await api(path, { token: alice.token, method: "PUT", json: { phrase: "" } }),
      422,
      "Validation failed: Title can't be blank",
    );
    await expectError(
      await api(path, { token: alice.token, method: "PUT", json: { context: ["nowhere"] } }),
      422,
      "Validation failed: Context None or invalid context supplied",
    );
    expect(await ok(path, alice.token)).toEqual(filter);

    const mallory = await createTestUser();
    for (const method of ["GET", "PUT", "DELETE"]) {
      const json = method === "GET" ? undefined : { phrase: "mine" };
      await expectError(await api(path, { token: mallory.token, method, json }), 404, "Record not found");
    }
    await expectError(await api("/api/v1/filters/abc", { token: alice.token }), 404, "Record not found");
    expect(await ok(path, alice.token)).toEqual(filter);
  });
});
