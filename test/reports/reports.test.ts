import { describe, expect, it } from "vitest";
import { fileReport } from "../../src/services/reports";
import { remoteAccount } from "../feeds/helpers";
import { api, config, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, type Json, rows, tokenFor } from "../lists/helpers";
import { post } from "../statuses/helpers";

interface ReportJson {
  id: string;
  category: string;
  comment: string;
  forwarded: boolean;
  action_taken: boolean;
  action_taken_at: string | null;
  status_ids: string[] | null;
  rule_ids: string[] | null;
  target_account: { id: string };
}

async function report(user: TestUser, json: Json): Promise<ReportJson> {
  const res = await api("/api/v1/reports", { token: user.token, json });
  const body = (await res.json()) as ReportJson;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectEntity("Report", body);
  return body;
}

const reportsBy = (user: TestUser) => count("SELECT id FROM reports WHERE account_id = ?", user.account.id);

describe("POST /api/v1/reports", () => {
  it("files a report with statuses and a comment, stored for moderators", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const s1 = await post(bob, "first rude post");
    const s2 = await post(bob, { status: "second rude post", visibility: "unlisted" });
    const body = await report(alice, {
      account_id: bob.account.id,
      status_ids: [s2.id, s1.id],
      comment: "Rude to everyone",
      category: "spam",
    });
    expect(body).toMatchObject({
      category: "spam",
      comment: "Rude to everyone",
      forwarded: false,
      action_taken: false,
      action_taken_at: null,
      rule_ids: null,
      target_account: { id: String(bob.account.id) },
    });
    expect(body.status_ids).toEqual([s1.id, s2.id]);
    const [row] = await rows<{ target_account_id: number; status_ids: string; category: string; comment: string }>(
      "SELECT target_account_id, status_ids, category, comment FROM reports WHERE id = ?",
      body.id,
    );
    expect(row).toEqual({
      target_account_id: bob.account.id,
      status_ids: JSON.stringify([Number(s1.id), Number(s2.id)]),
      category: "spam",
      comment: "Rude to everyone",
    });
  });

  it("takes form bodies, defaults to `other` with no statuses and an empty comment", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const res = await api("/api/v1/reports", { token: alice.token, form: { account_id: String(bob.account.id) } });
    const body = (await res.json()) as ReportJson;
    expect(res.status).toBe(200);
    expectEntity("Report", body);
    expect(body).toMatchObject({ category: "other", comment: "", status_ids: [], rule_ids: null });
  });

  it("makes a report with rule_ids a violation whatever category was asked", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const body = await report(alice, { account_id: bob.account.id, category: "spam", rule_ids: ["2"] });
    expect(body).toMatchObject({ category: "violation", rule_ids: ["2"] });
    const legal = await report(alice, { account_id: bob.account.id, category: "legal" });
    expect(legal.category).toBe("legal");
  });

  it("marks a report about a remote account as forwarded when asked, and sends a Flag from the instance actor", async () => {
    const alice = await createTestUser();
    const remote = await remoteAccount();
    await db()
      .$client.prepare("UPDATE accounts SET inbox_url = ? WHERE id = ?")
      .bind(`https://${remote.domain}/inbox`, remote.id)
      .run();
    const sent: unknown[] = [];
    const queue = {
      sendBatch: async (batch: Array<{ body: unknown }>) => {
        for (const m of batch) sent.push(m.body);
      },
    } as unknown as Queue;
    const { report: stored } = await fileReport({ db: db(), config: config(), delivery: { DELIVERY: queue } }, alice.account, {
      accountId: String(remote.id),
      statusIds: [],
      comment: "spam bot",
      category: "spam",
      ruleIds: [],
      forward: true,
      applicationId: null,
    });
    expect(stored.forwarded).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: "delivery",
      actorId: null,
      inboxes: [`https://${remote.domain}/inbox`],
      activity: {
        type: "Flag",
        actor: "http://petrel.test/actor",
        content: "spam bot",
        object: [expect.stringContaining(`https://${remote.domain}/users/`)],
      },
    });
    // A local target is never forwarded.
    const bob = await createTestUser();
    const local = await report(alice, { account_id: bob.account.id, forward: true });
    expect(local.forwarded).toBe(false);
  });

  it("answers 404 for an unknown or suspended account, and for statuses that are not the target's", async () => {
    const [alice, bob, carol] = [await createTestUser(), await createTestUser(), await createTestUser()];
    const before = await reportsBy(alice);
    await expectError(
      await api("/api/v1/reports", { token: alice.token, json: { account_id: "999999999" } }),
      404,
      "Record not found",
    );
    await expectError(await api("/api/v1/reports", { token: alice.token, json: {} }), 404, "Record not found");
    const carols = await post(carol, "not bob's");
    await expectError(
      await api("/api/v1/reports", { token: alice.token, json: { account_id: bob.account.id, status_ids: [carols.id] } }),
      404,
      "Record not found",
    );
    const hidden = await post(bob, { status: "followers only", visibility: "private" });
    await expectError(
      await api("/api/v1/reports", { token: alice.token, json: { account_id: bob.account.id, status_ids: [hidden.id] } }),
      404,
      "Record not found",
    );
    await db().$client.prepare("UPDATE accounts SET suspended_at = ? WHERE id = ?").bind(Date.now(), carol.account.id).run();
    await expectError(
      await api("/api/v1/reports", { token: alice.token, json: { account_id: carol.account.id } }),
      404,
      "Record not found",
    );
    expect(await reportsBy(alice)).toBe(before);
  });

  it("answers 422 with Mastodon's wording for a long comment, unknown rules or an unknown category", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const before = await reportsBy(alice);
    await expectError(
      await api("/api/v1/reports", { token: alice.token, json: { account_id: bob.account.id, comment: "x".repeat(1001) } }),
      422,
      "Validation failed: Comment is too long (maximum is 1000 characters)",
    );
    await expectError(
      await api("/api/v1/reports", { token: alice.token, json: { account_id: bob.account.id, rule_ids: ["3"] } }),
      422,
      "Validation failed: Rule ids does not reference valid rules",
    );
    await expectError(
      await api("/api/v1/reports", { token: alice.token, json: { account_id: bob.account.id, category: "boring" } }),
      422,
      "'boring' is not a valid category",
    );
    expect(await reportsBy(alice)).toBe(before);
    // 1,000 characters (counted as characters, not bytes) is allowed.
    const ok = await report(alice, { account_id: bob.account.id, comment: "é".repeat(1000) });
    expect([...ok.comment]).toHaveLength(1000);
  });

  it("needs a user token with write:reports", async () => {
    const [alice, bob] = [await createTestUser(), await createTestUser()];
    const json = { account_id: bob.account.id };
    await expectError(await api("/api/v1/reports", { json }), 401, "The access token is invalid");
    const readOnly = await tokenFor(alice, "read");
    await expectError(
      await api("/api/v1/reports", { token: readOnly, json }),
      403,
      "This action is outside the authorized scopes",
    );
    const scoped = await tokenFor(alice, "write:reports");
    const res = await api("/api/v1/reports", { token: scoped, json });
    expect(res.status).toBe(200);
  });
});
