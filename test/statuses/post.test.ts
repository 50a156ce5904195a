import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, BASE, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { block, count, expectError, follow, ok, post, postStatus, type StatusJson, value } from "./helpers";

const statusesOf = (u: TestUser) => count("SELECT 1 FROM statuses WHERE account_id = ?", u.account.id);

/** Posts `body`, expects Mastodon's error, and checks that nothing was written. */
async function rejects(user: TestUser, body: Record<string, unknown>, status: number, message: string) {
  const before = await statusesOf(user);
  const polls = await count("SELECT 1 FROM polls WHERE account_id = ?", user.account.id);
  await expectError(await postStatus(user, body), status, message);
  expect(await statusesOf(user)).toBe(before);
  expect(await count("SELECT 1 FROM polls WHERE account_id = ?", user.account.id)).toBe(polls);
}

describe("POST /api/v1/statuses", () => {
  it("posts from a JSON body and answers with a complete Status", async () => {
    const alice = await createTestUser();
    const s = await post(alice, { status: "Hello, world", visibility: "unlisted", language: "fr", sensitive: true });
    expect(s).toMatchObject({
      content: "<p>Hello, world</p>",
      visibility: "unlisted",
      language: "fr",
      sensitive: true,
      spoiler_text: "",
      reblog: null,
      poll: null,
      in_reply_to_id: null,
      favourited: false,
      reblogged: false,
      bookmarked: false,
      muted: false,
      pinned: false,
      filtered: [],
      application: { name: "Test App" },
    });
    expect(s.uri).toBe(`http://petrel.test/users/${alice.account.username}/statuses/${s.id}`);
    expect(s.url).toBe(`http://petrel.test/@${alice.account.username}/${s.id}`);
    expect(s.account.statuses_count).toBe(1);
    expect(await value("SELECT statuses_count FROM accounts WHERE id = ?", alice.account.id)).toBe(1);
    expect(await value("SELECT conversation_id FROM statuses WHERE id = ?", Number(s.id))).toBe(Number(s.id));
  });

  it("shows the token's application with its website, and none once the application is gone", async () => {
    const alice = await createTestUser();
    const appOf = "(SELECT application_id FROM oauth_access_tokens WHERE user_id = ?)";
    await env.DB.prepare(`UPDATE oauth_applications SET website = 'https://app.example/' WHERE id = ${appOf}`)
      .bind(alice.user.id)
      .run();
    const s = await post(alice, { status: "from my app" });
    expect(s.application).toEqual({ name: "Test App", website: "https://app.example/" });
    await env.DB.prepare(`DELETE FROM oauth_applications WHERE id = ${appOf}`).bind(alice.user.id).run();
    const orphan = await post(alice, { status: "from a deleted app" });
    expect(orphan.application).toBeNull();
  });

  it("accepts a form body and Mastodon's bracketed poll fields", async () => {
    const alice = await createTestUser();
    const form = new URLSearchParams([
      ["status", "Which?"],
      ["visibility", "private"],
      ["poll[options][]", "a"],
      ["poll[options][]", "b"],
      ["poll[expires_in]", "600"],
      ["poll[multiple]", "true"],
    ]);
    const res = await SELF.fetch(`${BASE}/api/v1/statuses`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    });
    const s = (await res.json()) as StatusJson;
    expect(res.status).toBe(200);
    expectEntity("Status", s);
    expect(s.visibility).toBe("private");
    expect(s.poll).toMatchObject({ multiple: true, options: [{ title: "a" }, { title: "b" }], votes_count: 0, voters_count: 0 });
    expectEntity("Poll", s.poll);
  });

  it("renders mentions of local accounts, hashtags and links, and records mentions and tags", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const name = bob.account.username;
    const s = await post(
      alice,
      `Hi @${name} and @${name}@petrel.test\n\nsee #Café and #123 https://example.com/x @ghost @${name}@remote.example`,
    );
    const mention = `<span class="h-card" translate="no"><a href="http://petrel.test/@${name}" class="u-url mention">@<span>${name}</span></a></span>`;
    expect(s.content).toBe(
      `<p>Hi ${mention} and ${mention}</p><p>see <a href="http://petrel.test/tags/cafe" class="mention hashtag" rel="tag">#<span>Café</span></a> and #123 ` +
        `<a href="https://example.com/x" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span>` +
        `<span class="">example.com/x</span><span class="invisible"></span></a> @ghost @${name}@remote.example</p>`,
    );
    expect(s.mentions).toEqual([
      { id: bob.account.id.toString(), username: name, acct: name, url: `http://petrel.test/@${name}` },
    ]);
    expect(s.tags).toEqual([{ name: "cafe", url: "http://petrel.test/tags/cafe" }]);
    expect(await count("SELECT 1 FROM mentions WHERE status_id = ? AND account_id = ?", Number(s.id), bob.account.id)).toBe(1);
    expect(
      await count(
        "SELECT 1 FROM status_tags st JOIN tags t ON t.id = st.tag_id WHERE st.status_id = ? AND t.name = 'cafe'",
        Number(s.id),
      ),
    ).toBe(1);
    // A second status with the same tag reuses the tag row.
    await post(alice, "#cafe again");
    expect(await count("SELECT 1 FROM tags WHERE name = 'cafe'")).toBe(1);
  });

  it("does not mention accounts the author blocks", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await block(alice, bob);
    const s = await post(alice, `hey @${bob.account.username}`);
    expect(s.content).toBe(`<p>hey @${bob.account.username}</p>`);
    expect(s.mentions).toEqual([]);
    expect(await count("SELECT 1 FROM mentions WHERE status_id = ?", Number(s.id))).toBe(0);
  });

  it("counts URLs as 23 characters and remote mentions as their username", async () => {
    const alice = await createTestUser();
    const url = `https://example.com/${"y".repeat(300)}`;
    await post(alice, `${"a".repeat(476)} ${url}`);
    await rejects(alice, { status: `${"a".repeat(477)} ${url}` }, 422, "Validation failed: Text character limit of 500 exceeded");
    await post(alice, `${"b".repeat(490)} @x@${"d".repeat(40)}.example`);
  });

  it("rejects empty, too long and badly addressed statuses without writing anything", async () => {
    const alice = await createTestUser();
    await rejects(alice, { status: "" }, 422, "Validation failed: Text can't be blank");
    await rejects(alice, { status: "  \n " }, 422, "Validation failed: Text can't be blank");
    await rejects(alice, {}, 422, "Validation failed: Text can't be blank");
    await rejects(alice, { status: "x".repeat(501) }, 422, "Validation failed: Text character limit of 500 exceeded");
    await rejects(
      alice,
      { status: "x".repeat(400), spoiler_text: "y".repeat(101) },
      422,
      "Validation failed: Text character limit of 500 exceeded",
    );
    await rejects(
      alice,
      { status: "hi", visibility: "everyone" },
      422,
      "Validation failed: Visibility is not included in the list",
    );
    await rejects(alice, { status: "hi", media_ids: ["123"] }, 422, "Media 123 not found or already attached to another post");
  });

  it("rejects bad polls with Mastodon's wording", async () => {
    const alice = await createTestUser();
    const poll = (p: Record<string, unknown>) => ({ status: "poll", poll: { options: ["a", "b"], expires_in: 600, ...p } });
    await rejects(alice, poll({ options: ["only"] }), 422, "Validation failed: Choices must have more than one item");
    await rejects(
      alice,
      poll({ options: ["a", "b", "c", "d", "e"] }),
      422,
      "Validation failed: Choices can't contain more than 4 items",
    );
    await rejects(
      alice,
      poll({ options: ["a", "x".repeat(51)] }),
      422,
      "Validation failed: Choices cannot be longer than 50 characters each",
    );
    await rejects(alice, poll({ options: ["a", "a"] }), 422, "Validation failed: Choices contain duplicate items");
    await rejects(alice, poll({ expires_in: 299 }), 422, "Validation failed: Deadline is too soon");
    await rejects(alice, poll({ expires_in: 2629747 }), 422, "Validation failed: Deadline is too far into the future");
    await rejects(
      alice,
      { status: "poll", poll: { options: ["a", "b"] } },
      422,
      "Validation failed: Deadline is too far into the future",
    );
    // As in Mastodon, a poll does not stand in for text.
    await rejects(
      alice,
      { status: "", poll: { options: ["a", "b"], expires_in: 600 } },
      422,
      "Validation failed: Text can't be blank",
    );
    const s = await post(alice, poll({ options: [" a ", "b", ""], expires_in: 300 }));
    expect(s.poll?.options.map((o) => o.title)).toEqual(["a", "b"]);
  });

  it("moves a lone content warning into the text and marks it sensitive", async () => {
    const alice = await createTestUser();
    const s = await post(alice, { status: "", spoiler_text: "just a warning" });
    expect(s).toMatchObject({ content: "<p>just a warning</p>", spoiler_text: "", sensitive: true });
    const t = await post(alice, { status: "body", spoiler_text: "cw" });
    expect(t).toMatchObject({ spoiler_text: "cw", sensitive: true });
  });

  it("uses the user's default privacy, and private for locked accounts", async () => {
    const alice = await createTestUser();
    await env.DB.prepare(`UPDATE users SET settings = '{"defaultPrivacy":"unlisted","defaultLanguage":"de"}' WHERE id = ?`)
      .bind(alice.user.id)
      .run();
    expect(await post(alice, "defaults")).toMatchObject({ visibility: "unlisted", language: "de" });
    const bob = await createTestUser();
    await env.DB.prepare("UPDATE accounts SET locked = 1 WHERE id = ?").bind(bob.account.id).run();
    expect((await post(bob, "locked")).visibility).toBe("private");
    expect((await post(bob, { status: "garbage language", language: "not a language" })).language).toBe("en");
    expect((await post(bob, { status: "regional", language: "en-GB" })).language).toBe("en");
  });

  it("needs a user token with write:statuses", async () => {
    const reader = await createTestUser({ scopes: "read" });
    await expectError(await postStatus(reader, { status: "x" }), 403, "This action is outside the authorized scopes");
    await expectError(await api("/api/v1/statuses", { json: { status: "x" } }), 401, "The access token is invalid");
  });
});

describe("replies", () => {
  it("thread under the parent's conversation and count only public and unlisted replies", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const root = await post(alice, "root");
    const reply = await post(bob, { status: "reply", in_reply_to_id: root.id });
    expect(reply).toMatchObject({ in_reply_to_id: root.id, in_reply_to_account_id: String(alice.account.id) });
    await post(bob, { status: `@${alice.account.username} quiet`, in_reply_to_id: root.id, visibility: "direct" });
    expect((await ok(`/api/v1/statuses/${root.id}`, alice)).replies_count).toBe(1);
    const conv = await value("SELECT conversation_id FROM statuses WHERE id = ?", Number(reply.id));
    expect(conv).toBe(Number(root.id));
    // Replying to your own reply keeps whom the thread answers.
    const own = await post(bob, { status: "more", in_reply_to_id: reply.id });
    expect(own.in_reply_to_account_id).toBe(String(alice.account.id));
  });

  it("refuses replies to unknown, invisible or deleted statuses with 404", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const message = "The post you are trying to reply to does not appear to exist.";
    const secret = await post(alice, { status: "followers only", visibility: "private" });
    await rejects(bob, { status: "hm", in_reply_to_id: secret.id }, 404, message);
    await rejects(bob, { status: "hm", in_reply_to_id: "99999999" }, 404, message);
    await rejects(bob, { status: "hm", in_reply_to_id: "not-an-id" }, 404, message);
    const gone = await post(alice, "soon gone");
    await ok(`/api/v1/statuses/${gone.id}`, alice, "DELETE");
    await rejects(bob, { status: "hm", in_reply_to_id: gone.id }, 404, message);
    await follow(bob, alice);
    await post(bob, { status: "now I can", in_reply_to_id: secret.id });
  });
});

describe("Idempotency-Key", () => {
  it("replays the first response and creates one status", async () => {
    const alice = await createTestUser();
    const headers = { "idempotency-key": "abc-123" };
    const first = (await (await postStatus(alice, { status: "once" }, headers)).json()) as StatusJson;
    const second = (await (await postStatus(alice, { status: "once" }, headers)).json()) as StatusJson;
    expect(second).toEqual(first);
    expect(await statusesOf(alice)).toBe(1);
  });

  it("holds under concurrent requests, and keys are per user", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const headers = { "idempotency-key": "same" };
    const responses = await Promise.all([1, 2, 3].map(() => postStatus(alice, { status: "race" }, headers)));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as StatusJson[];
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(bodies.map((b) => b.id)).size).toBe(1);
    expect(await statusesOf(alice)).toBe(1);
    const other = (await (await postStatus(bob, { status: "race" }, headers)).json()) as StatusJson;
    expect(other.id).not.toBe(bodies[0]?.id);
  });
});

describe("GET /api/v1/statuses", () => {
  it("reads one status, anonymously without viewer fields", async () => {
    const alice = await createTestUser();
    const s = await post(alice, "visible");
    const res = await api(`/api/v1/statuses/${s.id}`);
    const json = (await res.json()) as StatusJson;
    expect(res.status).toBe(200);
    expectEntity("Status", json);
    expect(json).not.toHaveProperty("favourited");
    expect(json).not.toHaveProperty("filtered");
  });

  it("answers 404 Record not found for unknown and malformed ids", async () => {
    const alice = await createTestUser();
    await expectError(await api("/api/v1/statuses/12345", { token: alice.token }), 404, "Record not found");
    await expectError(await api("/api/v1/statuses/abc", { token: alice.token }), 404, "Record not found");
  });

  it("reads several by id[] in order, skipping unknown and invisible ones", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const a = await post(alice, "a");
    const b = await post(alice, { status: "b", visibility: "private" });
    const c = await post(alice, "c");
    const list = await ok<StatusJson[]>(`/api/v1/statuses?id[]=${c.id}&id[]=${b.id}&id[]=1&id[]=${a.id}&id[]=x`, bob);
    expectEntity("Status", list, { array: true });
    expect(list.map((s) => s.id)).toEqual([c.id, a.id]);
  });
});
