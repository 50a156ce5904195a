import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, dependents, expectError, ok, post, type StatusJson, value } from "./helpers";

const edit = (user: TestUser, id: string, json: Record<string, unknown>) =>
  api(`/api/v1/statuses/${id}`, { token: user.token, method: "PUT", json });

async function edited(user: TestUser, id: string, json: Record<string, unknown>): Promise<StatusJson> {
  const res = await edit(user, id, json);
  const body = (await res.json()) as StatusJson;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectEntity("Status", body);
  return body;
}

interface EditJson {
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  created_at: string;
  poll: { options: Array<{ title: string }> } | null;
}

describe("editing", () => {
  it("keeps every revision, the original first, and updates the source", async () => {
    const alice = await createTestUser();
    const s = await post(alice, "first");
    const once = await edited(alice, s.id, { status: "second", spoiler_text: "cw" });
    expect(once).toMatchObject({ content: "<p>second</p>", spoiler_text: "cw", sensitive: true });
    expect(once.edited_at).not.toBeNull();
    const twice = await edited(alice, s.id, { status: "third" });
    expect(twice).toMatchObject({ content: "<p>third</p>", spoiler_text: "", sensitive: false });

    const history = await ok<EditJson[]>(`/api/v1/statuses/${s.id}/history`);
    expectEntity("StatusEdit", history, { array: true });
    expect(history.map((h) => h.content)).toEqual(["<p>first</p>", "<p>second</p>", "<p>third</p>"]);
    expect(history[0]?.created_at).toBe(s.created_at);
    expect(history[1]).toMatchObject({ spoiler_text: "cw", sensitive: true });

    const source = await ok<{ id: string; text: string; spoiler_text: string }>(`/api/v1/statuses/${s.id}/source`, alice);
    expectEntity("StatusSource", source);
    expect(source).toEqual({ id: s.id, text: "third", spoiler_text: "" });
  });

  it("records nothing when nothing changed, and an unedited status is its own history", async () => {
    const alice = await createTestUser();
    const s = await post(alice, "same");
    const res = await edited(alice, s.id, { status: "same", language: "en" });
    expect(res.edited_at).toBeNull();
    expect(await count("SELECT 1 FROM status_edits WHERE status_id = ?", Number(s.id))).toBe(0);
    const history = await ok<EditJson[]>(`/api/v1/statuses/${s.id}/history`);
    expectEntity("StatusEdit", history, { array: true });
    expect(history.map((h) => h.content)).toEqual(["<p>same</p>"]);
  });

  it("refuses other people's, unknown and invalid edits without changing anything", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "mine");
    await expectError(await edit(bob, s.id, { status: "hijack" }), 404, "Record not found");
    await expectError(await edit(alice, "424242", { status: "x" }), 404, "Record not found");
    await expectError(
      await edit(alice, s.id, { status: "x".repeat(501) }),
      422,
      "Validation failed: Text character limit of 500 exceeded",
    );
    await expectError(await edit(alice, s.id, { status: "" }), 422, "Validation failed: Text can't be blank");
    await expectError(
      await edit(alice, s.id, { status: "x", media_ids: ["1"] }),
      422,
      "Media 1 not found or already attached to another post",
    );
    expect(await value("SELECT text FROM statuses WHERE id = ?", Number(s.id))).toBe("mine");
    expect(await count("SELECT 1 FROM status_edits WHERE status_id = ?", Number(s.id))).toBe(0);
  });

  it("re-renders mentions: new ones are added, dropped ones turn silent", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const s = await post(alice, `hi @${bob.account.username}`);
    const after = await edited(alice, s.id, { status: `hi @${carol.account.username} #edited` });
    expect(after.mentions.map((m) => m.username)).toEqual([carol.account.username]);
    expect(after.tags.map((t) => t.name)).toEqual(["edited"]);
    expect(await value("SELECT silent FROM mentions WHERE status_id = ? AND account_id = ?", Number(s.id), bob.account.id)).toBe(
      1,
    );
    expect(
      await value("SELECT silent FROM mentions WHERE status_id = ? AND account_id = ?", Number(s.id), carol.account.id),
    ).toBe(0);
  });

  it("tells boosters about the edit with an update notification", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "boosted");
    await ok(`/api/v1/statuses/${s.id}/reblog`, bob, "POST");
    await edited(alice, s.id, { status: "boosted, edited" });
    expect(
      await count(
        "SELECT 1 FROM notifications WHERE account_id = ? AND type = 'update' AND status_id = ?",
        bob.account.id,
        Number(s.id),
      ),
    ).toBe(1);
  });

  it("starts a poll over when its options change, keeping its id", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, { status: "vote", poll: { options: ["a", "b"], expires_in: 3600 } });
    const pollId = s.poll?.id ?? "";
    await ok(`/api/v1/polls/${pollId}/votes`, bob, "POST", { choices: [0] });
    const same = await edited(alice, s.id, { status: "vote!", poll: { options: ["a", "b"], expires_in: 7200 } });
    expect(same.poll).toMatchObject({ id: pollId, votes_count: 1 });
    const changed = await edited(alice, s.id, { status: "vote!", poll: { options: ["a", "c"], expires_in: 7200 } });
    expect(changed.poll).toMatchObject({ id: pollId, votes_count: 0, options: [{ title: "a" }, { title: "c" }] });
    expect(await count("SELECT 1 FROM poll_votes WHERE poll_id = ?", Number(pollId))).toBe(0);
    const history = await ok<EditJson[]>(`/api/v1/statuses/${s.id}/history`);
    expect(history.map((h) => h.poll?.options.map((o) => o.title).join())).toEqual(["a,b", "a,b", "a,c"]);
    const removed = await edited(alice, s.id, { status: "no poll" });
    expect(removed.poll).toBeNull();
    expect(await count("SELECT 1 FROM polls WHERE id = ?", Number(pollId))).toBe(0);
  });
});

describe("DELETE /api/v1/statuses/:id", () => {
  it("answers with the source and poll, and removes everything that hangs off the status", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, {
      status: `bye @${bob.account.username} #gone`,
      poll: { options: ["x", "y"], expires_in: 600 },
      visibility: "public",
    });
    await edited(alice, s.id, {
      status: `bye now @${bob.account.username} #gone`,
      poll: { options: ["x", "y"], expires_in: 600 },
    });
    await ok(`/api/v1/statuses/${s.id}/favourite`, bob, "POST");
    await ok(`/api/v1/statuses/${s.id}/bookmark`, bob, "POST");
    await ok(`/api/v1/statuses/${s.id}/pin`, alice, "POST");
    await ok(`/api/v1/polls/${s.poll?.id}/votes`, bob, "POST", { choices: [1] });
    const boost = await ok(`/api/v1/statuses/${s.id}/reblog`, bob, "POST");
    const before = await dependents(s.id);
    expect(Object.values(before).every((n) => n > 0)).toBe(true);
    expect(await value("SELECT statuses_count FROM accounts WHERE id = ?", bob.account.id)).toBe(1);

    const res = await api(`/api/v1/statuses/${s.id}`, { token: alice.token, method: "DELETE" });
    const body = (await res.json()) as StatusJson;
    expect(res.status).toBe(200);
    expectEntity("Status", body);
    expect(body.text).toBe(`bye now @${bob.account.username} #gone`);
    expect(body.poll?.options.map((o) => o.title)).toEqual(["x", "y"]);

    expect(await dependents(s.id)).toEqual(Object.fromEntries(Object.keys(before).map((k) => [k, 0])));
    expect(await count("SELECT 1 FROM statuses WHERE id = ?", Number(boost.id))).toBe(0);
    expect(await count("SELECT 1 FROM notifications WHERE status_id = ?", Number(boost.id))).toBe(0);
    expect(await value("SELECT statuses_count FROM accounts WHERE id = ?", alice.account.id)).toBe(0);
    expect(await value("SELECT statuses_count FROM accounts WHERE id = ?", bob.account.id)).toBe(0);
    await expectError(await api(`/api/v1/statuses/${s.id}`, { token: alice.token }), 404, "Record not found");
  });

  it("only deletes your own statuses, and gives replies' counts back", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const root = await post(alice, "root");
    const reply = await post(bob, { status: "reply", in_reply_to_id: root.id });
    await expectError(
      await api(`/api/v1/statuses/${reply.id}`, { token: alice.token, method: "DELETE" }),
      404,
      "Record not found",
    );
    expect(await count("SELECT 1 FROM statuses WHERE id = ?", Number(reply.id))).toBe(1);
    expect((await ok(`/api/v1/statuses/${root.id}`)).replies_count).toBe(1);
    await ok(`/api/v1/statuses/${reply.id}`, bob, "DELETE");
    expect((await ok(`/api/v1/statuses/${root.id}`)).replies_count).toBe(0);
    await expectError(await api("/api/v1/statuses/77777", { token: alice.token, method: "DELETE" }), 404, "Record not found");
  });

  it("deletes a boost through its own id", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, "boost then delete");
    const boost = await ok(`/api/v1/statuses/${s.id}/reblog`, bob, "POST");
    const gone = await ok(`/api/v1/statuses/${boost.id}`, bob, "DELETE");
    expect(gone.reblog?.id).toBe(s.id);
    expect((await ok(`/api/v1/statuses/${s.id}`)).reblogs_count).toBe(0);
    expect(await count("SELECT 1 FROM notifications WHERE type = 'reblog' AND status_id = ?", Number(s.id))).toBe(0);
  });
});

describe("source", () => {
  it("needs a token and a visible status", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, { status: "hidden", visibility: "private" });
    await expectError(await api(`/api/v1/statuses/${s.id}/source`), 401, "The access token is invalid");
    await expectError(await api(`/api/v1/statuses/${s.id}/source`, { token: bob.token }), 404, "Record not found");
  });
});
