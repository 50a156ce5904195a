import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, BASE, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json, ok, rows, tokenFor } from "../lists/helpers";

interface FilterJson {
  id: string;
  title: string;
  context: string[];
  filter_action: string;
  expires_at: string | null;
  keywords: Array<{ id: string; keyword: string; whole_word: boolean }>;
  statuses: Array<{ id: string; status_id: string }>;
}

async function create(user: TestUser, json: Json): Promise<FilterJson> {
  const filter = await ok<FilterJson>("/api/v2/filters", user.token, "POST", json);
  expectEntity("Filter", filter);
  return filter;
}

const snapshot = async (user: TestUser) => ({
  filters: await rows(
    "SELECT id, title, context, action, expires_at FROM custom_filters WHERE account_id = ? ORDER BY id",
    user.account.id,
  ),
  keywords: await rows(
    "SELECT id, keyword, whole_word FROM custom_filter_keywords WHERE account_id = ? ORDER BY id",
    user.account.id,
  ),
});

describe("v2 filters", () => {
  it("creates a group with keywords, lists, shows, updates and deletes it", async () => {
    const alice = await createTestUser();
    const created = await create(alice, {
      title: "Spoilers",
      context: ["home", "public"],
      filter_action: "hide",
      expires_in: 3600,
      keywords_attributes: [{ keyword: "finale", whole_word: false }, { keyword: "ending" }, { keyword: "", _destroy: true }],
    });
    expect(created).toMatchObject({ title: "Spoilers", context: ["home", "public"], filter_action: "hide", statuses: [] });
    // An absent whole_word is Mastodon's column default, true.
    expect(created.keywords.map((k) => [k.keyword, k.whole_word])).toEqual([
      ["finale", false],
      ["ending", true],
    ]);
    const expires = Date.parse(created.expires_at ?? "");
    expect(Math.abs(expires - (Date.now() + 3_600_000))).toBeLessThan(60_000);

    const all = await ok<FilterJson[]>("/api/v2/filters", alice.token);
    expectEntity("Filter", all, { array: true });
    expect(all).toEqual([created]);
    expect(await ok(`/api/v2/filters/${created.id}`, alice.token)).toEqual(created);

    const [finale, ending] = created.keywords as [FilterJson["keywords"][0], FilterJson["keywords"][0]];
    const updated = await ok<FilterJson>(`/api/v2/filters/${created.id}`, alice.token, "PUT", {
      title: "Spoilers!",
      context: ["thread"],
      filter_action: "blur",
      expires_in: "",
      keywords_attributes: [
        { id: finale.id, keyword: "season finale", whole_word: true },
        { id: ending.id, _destroy: true },
        { keyword: "twist" },
      ],
    });
    expectEntity("Filter", updated);
    expect(updated).toMatchObject({
      id: created.id,
      title: "Spoilers!",
      context: ["thread"],
      filter_action: "blur",
      expires_at: null,
    });
    expect(updated.keywords.map((k) => [k.id === finale.id, k.keyword, k.whole_word])).toEqual([
      [true, "season finale", true],
      [false, "twist", true],
    ]);
    expect(await ok(`/api/v2/filters/${created.id}`, alice.token)).toEqual(updated);

    // PATCH is PUT; what is not given stays.
    const patched = await ok<FilterJson>(`/api/v2/filters/${created.id}`, alice.token, "PATCH", { filter_action: "warn" });
    expect(patched).toMatchObject({ title: "Spoilers!", context: ["thread"], filter_action: "warn" });

    expect(await ok(`/api/v2/filters/${created.id}`, alice.token, "DELETE")).toEqual({});
    expect(await snapshot(alice)).toEqual({ filters: [], keywords: [] });
    await expectError(await api(`/api/v2/filters/${created.id}`, { token: alice.token }), 404, "Record not found");
  });

  it("reads form bodies with bracketed arrays and indexed nested keywords", async () => {
    const alice = await createTestUser();
    const body = new URLSearchParams();
    body.append("title", "Form");
    body.append("context[]", "home");
    body.append("context[]", "notifications");
    body.append("keywords_attributes[0][keyword]", "alpha");
    body.append("keywords_attributes[0][whole_word]", "false");
    body.append("keywords_attributes[1][keyword]", "beta");
    const form = await SELF.fetch(`${BASE}/api/v2/filters`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
    });
    const filter = (await form.json()) as FilterJson;
    expect(form.status).toBe(200);
    expect(filter).toMatchObject({ title: "Form", context: ["home", "notifications"], filter_action: "warn", expires_at: null });
    expect(filter.keywords.map((k) => [k.keyword, k.whole_word])).toEqual([
      ["alpha", false],
      ["beta", true],
    ]);
  });

  it("refuses bad groups with Mastodon's 422 messages and stores nothing", async () => {
    const alice = await createTestUser();
    const cases: Array<[Json, string]> = [
      [{ title: "T", context: ["home", "everywhere"] }, "Validation failed: Context None or invalid context supplied"],
      [{ title: "T", context: [] }, "Validation failed: Context can't be blank, Context None or invalid context supplied"],
      [{ title: "T" }, "Validation failed: Context can't be blank, Context None or invalid context supplied"],
      [{ title: "", context: ["home"] }, "Validation failed: Title can't be blank"],
      [{ title: "T", context: ["home"], filter_action: "delete" }, "Validation failed: Action is not included in the list"],
      [
        { title: "T", context: ["home"], keywords_attributes: [{ keyword: "", whole_word: true }] },
        "Validation failed: Keywords keyword can't be blank",
      ],
      [
        { title: "T", context: ["home"], keywords_attributes: [{ keyword: "x".repeat(513) }] },
        "Validation failed: Keywords keyword is too long (maximum is 512 characters)",
      ],
      [
        { title: "", context: ["nope"], keywords_attributes: [{ keyword: " ", whole_word: true }] },
        "Validation failed: Title can't be blank, Context None or invalid context supplied, Keywords keyword can't be blank",
      ],
    ];
    for (const [json, message] of cases) {
      await expectError(await api("/api/v2/filters", { token: alice.token, json }), 422, message);
    }
    // Naming an existing keyword while creating is Rails' RecordNotFound.
    const withId = { title: "T", context: ["home"], keywords_attributes: [{ id: "1", keyword: "x" }] };
    await expectError(await api("/api/v2/filters", { token: alice.token, json: withId }), 404, "Record not found");
    expect(await snapshot(alice)).toEqual({ filters: [], keywords: [] });

    // A keyword whose attributes are all blank is ignored, as `reject_if: :all_blank`.
    const blankKeyword = await create(alice, {
      title: "T",
      context: ["home"],
      keywords_attributes: [{ keyword: "", whole_word: false }],
    });
    expect(blankKeyword.keywords).toEqual([]);
  });

  it("refuses bad updates without changing anything", async () => {
    const alice = await createTestUser();
    const mallory = await createTestUser();
    const filter = await create(alice, { title: "Keep", context: ["home"], keywords_attributes: [{ keyword: "kept" }] });
    const before = await snapshot(alice);
    const path = `/api/v2/filters/${filter.id}`;
    const bad: Array<[Json, number, string]> = [
      [{ context: ["moon"] }, 422, "Validation failed: Context None or invalid context supplied"],
      [{ context: [] }, 422, "Validation failed: Context can't be blank, Context None or invalid context supplied"],
      [{ title: " " }, 422, "Validation failed: Title can't be blank"],
      [{ filter_action: "nuke" }, 422, "Validation failed: Action is not included in the list"],
      [
        { keywords_attributes: [{ id: filter.keywords[0]?.id, keyword: "" }] },
        422,
        "Validation failed: Keywords keyword can't be blank",
      ],
      // A keyword of another group (or none at all) is not found, and the whole update is refused.
      [{ title: "Changed", keywords_attributes: [{ id: "123", _destroy: true }] }, 404, "Record not found"],
    ];
    for (const [json, status, message] of bad) {
      await expectError(await api(path, { token: alice.token, method: "PUT", json }), status, message);
    }
    await expectError(await api(path, { token: mallory.token, method: "PUT", json: { title: "Mine" } }), 404, "Record not found");
    await expectError(await api(path, { token: mallory.token, method: "DELETE" }), 404, "Record not found");
    await expectError(await api(path, { token: mallory.token }), 404, "Record not found");
    for (const id of ["999999", "abc"]) {
      await expectError(await api(`/api/v2/filters/${id}`, { token: alice.token }), 404, "Record not found");
    }
    expect(await snapshot(alice)).toEqual(before);
    expect(await ok("/api/v2/filters", mallory.token)).toEqual([]);
  });

  it("needs write:filters to change and read:filters to read", async () => {
    const alice = await createTestUser();
    const filter = await create(alice, { title: "Scoped", context: ["home"], keywords_attributes: [{ keyword: "k" }] });
    const keywordId = filter.keywords[0]?.id;
    const readOnly = await tokenFor(alice, "read");
    const denied = "This action is outside the authorized scopes";
    const writes: Array<[string, string]> = [
      ["/api/v2/filters", "POST"],
      [`/api/v2/filters/${filter.id}`, "PUT"],
      [`/api/v2/filters/${filter.id}`, "DELETE"],
      [`/api/v2/filters/${filter.id}/keywords`, "POST"],
      [`/api/v2/filters/${filter.id}/statuses`, "POST"],
      [`/api/v2/filters/keywords/${keywordId}`, "PUT"],
      [`/api/v2/filters/keywords/${keywordId}`, "DELETE"],
      ["/api/v2/filters/statuses/1", "DELETE"],
      ["/api/v1/filters", "POST"],
      [`/api/v1/filters/${keywordId}`, "PUT"],
      [`/api/v1/filters/${keywordId}`, "DELETE"],
    ];
    for (const [path, method] of writes) {
      await expectError(
        await api(path, { token: readOnly, method, json: { title: "x", keyword: "x", phrase: "x" } }),
        403,
        denied,
      );
    }
    expect(await count("SELECT 1 FROM custom_filters WHERE account_id = ?", alice.account.id)).toBe(1);
    expect(await ok<FilterJson>(`/api/v2/filters/${filter.id}`, readOnly)).toEqual(filter);
    expect(await ok<Json[]>("/api/v1/filters", await tokenFor(alice, "read:filters"))).toHaveLength(1);

    const writeOnly = await tokenFor(alice, "write:filters");
    for (const path of ["/api/v2/filters", `/api/v2/filters/${filter.id}/keywords`, "/api/v1/filters"]) {
      await expectError(await api(path, { token: writeOnly }), 403, denied);
    }
    await expectError(await api("/api/v2/filters"), 401, "The access token is invalid");
  });
});
