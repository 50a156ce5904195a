import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { publishDueScheduledStatuses } from "../../src/services/statuses/scheduled";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { block, count, expectError, mute, ok, value } from "../statuses/helpers";
import { type QuoteStatus, quote, quoteOf, say } from "./helpers";

const quoteIdOf = (statusId: string) => value<number>("SELECT id FROM quotes WHERE status_id = ?", Number(statusId));

describe("GET /api/v1/statuses/:id/quotes", () => {
  it("lists accepted quotes newest first, paged by quote id with Link headers", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "quote me");
    const q: string[] = [];
    for (let i = 0; i < 3; i++) q.push((await quote(bob, original.id, `q${i}`)).id);
    const all = await ok<QuoteStatus[]>(`/api/v1/statuses/${original.id}/quotes`, alice);
    expectEntity("Status", all, { array: true });
    expect(all.map((s) => s.id)).toEqual([q[2], q[1], q[0]]);
    expect(quoteOf(all[0] as QuoteStatus).quoted_status?.id).toBe(original.id);

    const first = await api(`/api/v1/statuses/${original.id}/quotes?limit=2`, { token: alice.token });
    expect(((await first.json()) as QuoteStatus[]).map((s) => s.id)).toEqual([q[2], q[1]]);
    const link = first.headers.get("link") ?? "";
    expect(link).toContain(`max_id=${await quoteIdOf(q[1] as string)}>; rel="next"`);
    expect(link).toContain(`since_id=${await quoteIdOf(q[2] as string)}>; rel="prev"`);
    const older = await ok<QuoteStatus[]>(
      `/api/v1/statuses/${original.id}/quotes?limit=2&max_id=${await quoteIdOf(q[1] as string)}`,
      alice,
    );
    expect(older.map((s) => s.id)).toEqual([q[0]]);
    const newer = await ok<QuoteStatus[]>(
      `/api/v1/statuses/${original.id}/quotes?since_id=${await quoteIdOf(q[0] as string)}`,
      alice,
    );
    expect(newer.map((s) => s.id)).toEqual([q[2], q[1]]);
    const empty = await api(`/api/v1/statuses/${original.id}/quotes?max_id=${await quoteIdOf(q[0] as string)}`, {
      token: alice.token,
    });
    expect(await empty.json()).toEqual([]);
    expect(empty.headers.get("link")).toBeNull();
  });

  it("leaves out quotes by accounts the viewer blocks or mutes, and private quotes they can't see", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const viewer = await createTestUser();
    const original = await say(alice, "quote me");
    const byBob = await quote(bob, original.id, "bob");
    const byCarol = await quote(carol, original.id, "carol");
    const privateQuote = await quote(bob, original.id, "private", { visibility: "private" });
    const ids = async (user = viewer) =>
      (await ok<QuoteStatus[]>(`/api/v1/statuses/${original.id}/quotes`, user)).map((s) => s.id);
    expect(await ids()).toEqual([byCarol.id, byBob.id]);
    // The quoted author sees every accepted quote.
    expect(await ids(alice)).toEqual([privateQuote.id, byCarol.id, byBob.id]);
    await mute(viewer, carol);
    await block(viewer, bob);
    expect(await ids()).toEqual([]);
  });

  it("needs a token with read:statuses, and a status the viewer may see", async () => {
    const alice = await createTestUser();
    const writer = await createTestUser({ scopes: "write" });
    const other = await createTestUser();
    const original = await say(alice, "quote me");
    const priv = await say(alice, { status: "hidden", visibility: "private" });
    await expectError(await api(`/api/v1/statuses/${original.id}/quotes`), 401, "The access token is invalid");
    await expectError(
      await api(`/api/v1/statuses/${original.id}/quotes`, { token: writer.token }),
      403,
      "This action is outside the authorized scopes",
    );
    await expectError(await api("/api/v1/statuses/123456/quotes", { token: other.token }), 404, "Record not found");
    await expectError(await api(`/api/v1/statuses/${priv.id}/quotes`, { token: other.token }), 404, "Record not found");
  });
});

describe("POST /api/v1/statuses/:id/quotes/:quoting_status_id/revoke", () => {
  it("lets the quoted author revoke: the quote shows revoked, uncounted and unlisted", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "quote me");
    const q = await quote(bob, original.id, "quoting");
    const res = await api(`/api/v1/statuses/${original.id}/quotes/${q.id}/revoke`, { token: alice.token, method: "POST" });
    const body = (await res.json()) as QuoteStatus;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expectEntity("Status", body);
    expect(body.id).toBe(q.id);
    expect(body.quote).toEqual({ state: "revoked", quoted_status: null });
    expect(await value("SELECT state FROM quotes WHERE status_id = ?", Number(q.id))).toBe("revoked");
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${original.id}`, alice)).quotes_count).toBe(0);
    expect(await ok<QuoteStatus[]>(`/api/v1/statuses/${original.id}/quotes`, alice)).toEqual([]);
    const seen = await ok<QuoteStatus>(`/api/v1/statuses/${q.id}`, bob);
    expect(seen.quote).toEqual({ state: "revoked", quoted_status: null });
    // Again: still revoked, nothing counted twice.
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${original.id}/quotes/${q.id}/revoke`, alice, "POST")).quote?.state).toBe(
      "revoked",
    );
    expect((await ok<QuoteStatus>(`/api/v1/statuses/${original.id}`, alice)).quotes_count).toBe(0);
  });

  it("refuses others (403), unknown quotes (404) and tokens without write:statuses", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const reader = await createTestUser({ scopes: "read" });
    const original = await say(alice, "quote me");
    const q = await quote(bob, original.id, "quoting");
    const revoke = (token: string, quoted: string, quoting: string) =>
      api(`/api/v1/statuses/${quoted}/quotes/${quoting}/revoke`, { token, method: "POST" });
    await expectError(await revoke(bob.token, original.id, q.id), 403, "This action is not allowed");
    await expectError(await revoke(alice.token, original.id, original.id), 404, "Record not found");
    await expectError(await revoke(alice.token, "123456", q.id), 404, "Record not found");
    await expectError(await revoke(reader.token, original.id, q.id), 403, "This action is outside the authorized scopes");
    expect(await value("SELECT state FROM quotes WHERE status_id = ?", Number(q.id))).toBe("accepted");
  });
});

describe("PUT /api/v1/statuses/:id/interaction_policy and edits", () => {
  it("changes who may quote, for the author only; private statuses stay nobody", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "policy");
    const put = (token: string, id: string, json: unknown) =>
      api(`/api/v1/statuses/${id}/interaction_policy`, { token, method: "PUT", json });
    const res = await put(alice.token, original.id, { quote_approval_policy: "nobody" });
    const body = (await res.json()) as QuoteStatus;
    expect(res.status, JSON.stringify(body)).toBe(200);
    expectEntity("Status", body);
    expect(body.quote_approval).toEqual({ automatic: [], manual: [], current_user: "automatic" });
    await expectError(
      await api("/api/v1/statuses", { token: bob.token, json: { status: "x", quoted_status_id: original.id } }),
      404,
      "The post you are trying to quote does not appear to exist.",
    );
    expect(
      (await (await put(alice.token, original.id, { quote_approval_policy: "followers" })).json()) as QuoteStatus,
    ).toMatchObject({
      quote_approval: { automatic: ["followers"] },
    });
    await expectError(await put(bob.token, original.id, { quote_approval_policy: "public" }), 403, "This action is not allowed");
    await expectError(await put(alice.token, original.id, { quote_approval_policy: "anyone" }), 422, "Record invalid");
    await expectError(await put(alice.token, "123456", { quote_approval_policy: "public" }), 404, "Record not found");
    const priv = await say(alice, { status: "private", visibility: "private" });
    expect(
      ((await (await put(alice.token, priv.id, { quote_approval_policy: "public" })).json()) as QuoteStatus).quote_approval
        ?.automatic,
    ).toEqual([]);
    await expectError(await put(bob.token, priv.id, { quote_approval_policy: "public" }), 404, "Record not found");
  });

  it("an edit may change the policy, keeps the quote, and tells local quoters (quoted_update)", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "before");
    const q = await quote(bob, original.id, "quoting");
    const edited = await ok<QuoteStatus>(`/api/v1/statuses/${original.id}`, alice, "PUT", {
      status: "after",
      quote_approval_policy: "nobody",
    });
    expect(edited.quote_approval?.automatic).toEqual([]);
    expect(
      await count(
        "SELECT 1 FROM notifications WHERE type = 'quoted_update' AND account_id = ? AND status_id = ?",
        bob.account.id,
        Number(original.id),
      ),
    ).toBe(1);
    const notes = await ok<Array<{ type: string; status: { id: string } }>>("/api/v1/notifications?types[]=quoted_update", bob);
    expectEntity("Notification", notes, { array: true });
    expect(notes.map((n) => [n.type, n.status.id])).toEqual([["quoted_update", original.id]]);
    // The quoting status's own edit keeps its quote.
    const requoted = await ok<QuoteStatus>(`/api/v1/statuses/${q.id}`, bob, "PUT", { status: "quoting, edited" });
    expect(quoteOf(requoted)).toMatchObject({ state: "accepted", quoted_status: { id: original.id, content: "<p>after</p>" } });
  });
});

describe("scheduled quote posts", () => {
  it("keep quoted_status_id and the policy in params and quote when published", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const original = await say(alice, "quote me later");
    const at = Date.now() + 3_600_000;
    const res = await api("/api/v1/statuses", {
      token: bob.token,
      json: {
        status: "later",
        quoted_status_id: original.id,
        quote_approval_policy: "followers",
        scheduled_at: new Date(at).toISOString(),
      },
    });
    const scheduled = (await res.json()) as { id: string; params: Record<string, unknown> };
    expect(res.status, JSON.stringify(scheduled)).toBe(200);
    expectEntity("ScheduledStatus", scheduled);
    expect(scheduled.params).toMatchObject({ quoted_status_id: original.id, quote_approval_policy: "followers" });
    expect(await publishDueScheduledStatuses(env, at + 1000)).toBeGreaterThanOrEqual(1);
    const [published] = await ok<QuoteStatus[]>(`/api/v1/accounts/${bob.account.id}/statuses`, bob);
    expect(published?.content).toContain("later");
    expect(quoteOf(published as QuoteStatus).quoted_status?.id).toBe(original.id);
    expect(published?.quote_approval?.automatic).toEqual(["followers"]);
  });
});
