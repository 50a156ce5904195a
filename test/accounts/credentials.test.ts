import { SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts } from "../../src/db/schema";
import { issueAccessToken } from "../../src/oauth/tokens";
import { api, BASE, config, createTestApp, createTestUser, db } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { credentials, expectError } from "./helpers";

interface Credential {
  display_name: string;
  note: string;
  locked: boolean;
  bot: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  hide_collections: boolean;
  fields: Array<{ name: string; value: string; verified_at: string | null }>;
  roles: Array<{ name: string }>;
  role: { name: string; permissions: string };
  source: {
    privacy: string;
    sensitive: boolean;
    language: string | null;
    note: string;
    fields: Array<{ name: string; value: string }>;
    quote_policy: string;
    follow_requests_count: number;
  };
}

function update(
  token: string,
  method: "PATCH" | "PUT",
  init: { json?: unknown; form?: Record<string, string>; multipart?: FormData },
) {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: BodyInit | undefined;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(init.form).toString();
  } else {
    body = init.multipart;
  }
  return SELF.fetch(`${BASE}/api/v1/accounts/update_credentials`, { method, headers, body });
}

async function expectCredential(res: Response): Promise<Credential> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = await res.json();
  expectEntity("CredentialAccount", body);
  return body as Credential;
}

describe("GET /api/v1/accounts/verify_credentials", () => {
  it("returns the CredentialAccount with source and role", async () => {
    const me = await createTestUser();
    const body = (await credentials(me.token)) as unknown as Credential;
    expect(body.source).toMatchObject({ privacy: "public", sensitive: false, language: null, note: "", fields: [] });
    expect(body.source.follow_requests_count).toBe(0);
    expect(body.role).toMatchObject({ name: "", permissions: "65536" });
    expect(body.roles).toEqual([]);
  });

  it("shows an admin's role and badge", async () => {
    const admin = await createTestUser({ role: "admin" });
    const body = (await credentials(admin.token)) as unknown as Credential;
    expect(body.role.name).toBe("Admin");
    expect(body.roles).toEqual([expect.objectContaining({ name: "Admin" })]);
  });

  it("accepts the profile scope alone", async () => {
    const me = await createTestUser({ scopes: "profile" });
    await credentials(me.token);
  });

  it("answers 401 without a token or with an unknown one", async () => {
    await expectError(await api("/api/v1/accounts/verify_credentials"), 401);
    await expectError(await api("/api/v1/accounts/verify_credentials", { token: "not-a-token" }), 401);
  });

  it("answers 403 to a token without read scope", async () => {
    const me = await createTestUser({ scopes: "write" });
    const body = await expectError(await api("/api/v1/accounts/verify_credentials", { token: me.token }), 403);
    expect(body.error).toBe("This action is outside the authorized scopes");
  });

  it("answers 422 to an app token, which has no user", async () => {
    const app = await createTestApp();
    const issued = await issueAccessToken(db(), config(), { applicationId: app.id, userId: null, scopes: ["read"] });
    await expectError(await api("/api/v1/accounts/verify_credentials", { token: issued.accessToken }), 422);
  });
});

describe("PATCH/PUT /api/v1/accounts/update_credentials", () => {
  it("round-trips every field from a JSON PATCH", async () => {
    const me = await createTestUser();
    const before = await db().select().from(accounts).where(eq(accounts.id, me.account.id));
    const note = "Seabirds & <b>storms</b>.\n\nMore at https://example.com/petrels";
    const res = await update(me.token, "PATCH", {
      json: {
        display_name: "Storm Petrel 🐦",
        note,
        locked: true,
        bot: true,
        discoverable: true,
        indexable: true,
        hide_collections: true,
        fields_attributes: [
          { name: "<b>Site</b>", value: "https://example.com" },
          { name: "", value: "" },
          { name: "Pronouns", value: "they/them" },
        ],
        source: { privacy: "unlisted", sensitive: true, language: "de", quote_policy: "followers" },
      },
    });
    const body = await expectCredential(res);
    expect(body).toMatchObject({ display_name: "Storm Petrel 🐦", locked: true, bot: true, discoverable: true });
    expect(body).toMatchObject({ indexable: true, hide_collections: true });
    expect(body.note).toBe(
      '<p>Seabirds &amp; &lt;b&gt;storms&lt;/b&gt;.</p><p>More at <a href="https://example.com/petrels" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span class="">example.com/petrels</span><span class="invisible"></span></a></p>',
    );
    expect(body.fields.map((f) => f.name)).toEqual(["&lt;b&gt;Site&lt;/b&gt;", "Pronouns"]);
    expect(body.fields[0]?.value).toContain('<a href="https://example.com"');
    expect(body.source).toMatchObject({ privacy: "unlisted", sensitive: true, language: "de", quote_policy: "followers", note });
    expect(body.source.fields).toEqual([
      { name: "<b>Site</b>", value: "https://example.com", verified_at: null },
      { name: "Pronouns", value: "they/them", verified_at: null },
    ]);
    // What verify_credentials and the public Account show afterwards is the same.
    expect(await credentials(me.token)).toEqual(body);
    const pub = await api(`/api/v1/accounts/${me.account.id}`);
    const account = (await pub.json()) as Credential;
    expectEntity("Account", account);
    expect(account.note).toBe(body.note);
    expect(account.fields).toEqual(body.fields);
    const [after] = await db().select().from(accounts).where(eq(accounts.id, me.account.id));
    expect(after?.updatedAt).toBeGreaterThanOrEqual(before[0]?.updatedAt ?? 0);
    expect(after?.noteSource).toBe(note);
  });

  it("accepts a form-encoded PUT with bracketed fields_attributes and source", async () => {
    const me = await createTestUser();
    const body = await expectCredential(
      await update(me.token, "PUT", {
        form: {
          display_name: "Form Petrel",
          note: "line one\nline two",
          locked: "1",
          bot: "false",
          discoverable: "0",
          "fields_attributes[0][name]": "Home",
          "fields_attributes[0][value]": "https://example.org",
          "fields_attributes[1][name]": "",
          "fields_attributes[1][value]": "",
          "fields_attributes[2][name]": "Age",
          "fields_attributes[2][value]": "3",
          "source[privacy]": "private",
          "source[sensitive]": "true",
          "source[language]": "fr",
        },
      }),
    );
    expect(body).toMatchObject({ display_name: "Form Petrel", locked: true, bot: false, discoverable: false });
    expect(body.note).toBe("<p>line one<br />line two</p>");
    expect(body.source.fields.map((f) => [f.name, f.value])).toEqual([
      ["Home", "https://example.org"],
      ["Age", "3"],
    ]);
    expect(body.source).toMatchObject({ privacy: "private", sensitive: true, language: "fr", note: "line one\nline two" });
  });

  it("accepts multipart, and JSON fields keyed by index; an empty language clears it", async () => {
    const me = await createTestUser();
    const form = new FormData();
    form.append("display_name", "Multipart");
    form.append("fields_attributes[0][name]", "A");
    form.append("fields_attributes[0][value]", "1");
    form.append("source[language]", "en");
    let body = await expectCredential(await update(me.token, "PATCH", { multipart: form }));
    expect(body.display_name).toBe("Multipart");
    expect(body.source.language).toBe("en");

    body = await expectCredential(
      await update(me.token, "PATCH", {
        json: { fields_attributes: { "0": { name: "B", value: "2" }, "1": { name: "C", value: "3" } }, source: { language: "" } },
      }),
    );
    expect(body.source.fields.map((f) => f.name)).toEqual(["B", "C"]);
    expect(body.source.language).toBeNull();
    // Untouched params keep their values.
    expect(body.display_name).toBe("Multipart");

    body = await expectCredential(await update(me.token, "PATCH", { json: { fields_attributes: [] } }));
    expect(body.fields).toEqual([]);
  });

  const invalid: Array<[string, unknown, string]> = [
    ["an over-long display name", { display_name: "x".repeat(31) }, "Display name is too long (maximum is 30 characters)"],
    ["an over-long note", { note: "y".repeat(501) }, "Note is too long (maximum is 500 characters)"],
    [
      "five fields",
      { fields_attributes: [1, 2, 3, 4, 5].map((n) => ({ name: `n${n}`, value: `v${n}` })) },
      "Fields is too long (maximum is 4 fields)",
    ],
    ["an over-long field value", { fields_attributes: [{ name: "n", value: "v".repeat(256) }] }, "Fields value is too long"],
    ["a value without a name", { fields_attributes: [{ name: "", value: "v" }] }, "Fields contains values with missing labels"],
    ["direct as default privacy", { source: { privacy: "direct" } }, "Source privacy is not included in the list"],
    ["an unknown quote policy", { source: { quote_policy: "everyone" } }, "Source quote policy is not included in the list"],
    ["a language that is not ISO 639-1", { source: { language: "english" } }, "Source language must be a two-letter"],
    [
      "a valid name together with an invalid privacy",
      { display_name: "Fine", source: { privacy: "direct" } },
      "Source privacy is not included in the list",
    ],
  ];
  for (const [what, json, message] of invalid) {
    it(`refuses ${what} with 422 and changes nothing`, async () => {
      const me = await createTestUser();
      const before = await credentials(me.token);
      const body = await expectError(await update(me.token, "PATCH", { json }), 422);
      expect(body.error).toMatch(/^Validation failed: /);
      expect(body.error).toContain(message);
      expect(await credentials(me.token)).toEqual(before);
    });
  }

  it("refuses a malformed JSON body with a JSON 400 and changes nothing", async () => {
    const me = await createTestUser();
    const before = await credentials(me.token);
    const res = await SELF.fetch(`${BASE}/api/v1/accounts/update_credentials`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${me.token}`, "content-type": "application/json" },
      body: '{"display_name": "half',
    });
    await expectError(res, 400);
    expect(await credentials(me.token)).toEqual(before);
  });

  it("refuses an avatar that is not an image with 422, and changes nothing", async () => {
    const me = await createTestUser();
    const before = await credentials(me.token);
    const form = new FormData();
    form.append("display_name", "With avatar");
    form.append("avatar", new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "me.png", { type: "image/png" }));
    const body = await expectError(await update(me.token, "PATCH", { multipart: form }), 422);
    expect(body.error).toBe("Validation failed: Avatar content type is invalid");
    expect(await credentials(me.token)).toEqual(before);
  });

  it("ignores a file input left empty, as browsers send it", async () => {
    const me = await createTestUser();
    const form = new FormData();
    form.append("display_name", "No picture");
    form.append("avatar", new File([], "", { type: "application/octet-stream" }));
    const body = await expectCredential(await update(me.token, "PATCH", { multipart: form }));
    expect(body.display_name).toBe("No picture");
  });

  it("needs a token with write scope", async () => {
    await expectError(await api("/api/v1/accounts/update_credentials", { method: "PATCH", json: { display_name: "x" } }), 401);
    const reader = await createTestUser({ scopes: "read" });
    const before = await credentials(reader.token);
    await expectError(await update(reader.token, "PATCH", { json: { display_name: "x" } }), 403);
    expect(await credentials(reader.token)).toEqual(before);
  });
});
