import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { notifyEndedPolls } from "../../src/services/statuses/polls";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, follow, ok, type PollJson, post } from "./helpers";

const vote = (user: TestUser, pollId: string, choices: unknown) =>
  api(`/api/v1/polls/${pollId}/votes`, { token: user.token, method: "POST", json: { choices } });

async function voted(user: TestUser, pollId: string, choices: unknown): Promise<PollJson> {
  const res = await vote(user, pollId, choices);
  const body = (await res.json()) as PollJson;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expectEntity("Poll", body);
  return body;
}

async function pollOf(author: TestUser, poll: Record<string, unknown> = {}) {
  const s = await post(author, { status: "Pick one", poll: { options: ["a", "b", "c"], expires_in: 3600, ...poll } });
  const p = s.poll;
  if (!p) throw new Error("no poll");
  expectEntity("Poll", p);
  return { status: s, poll: p };
}

const votesOn = (pollId: string) => count("SELECT 1 FROM poll_votes WHERE poll_id = ?", Number(pollId));

describe("polls", () => {
  it("take a vote and show it as the voter's own", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const { poll } = await pollOf(alice);
    expect(poll).toMatchObject({
      expired: false,
      multiple: false,
      votes_count: 0,
      voters_count: 0,
      voted: true,
      own_votes: [],
    });
    const after = await voted(bob, poll.id, ["1"]);
    expect(after).toMatchObject({ votes_count: 1, voters_count: 1, voted: true, own_votes: [1] });
    expect(after.options.map((o) => o.votes_count)).toEqual([0, 1, 0]);
    const seen = await ok<PollJson>(`/api/v1/polls/${poll.id}`, bob);
    expect(seen.own_votes).toEqual([1]);
    const anonymous = await ok<PollJson>(`/api/v1/polls/${poll.id}`);
    expectEntity("Poll", anonymous);
    expect(anonymous).not.toHaveProperty("voted");
    expect(anonymous).not.toHaveProperty("own_votes");
  });

  it("count votes and voters on multiple-choice polls", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const { poll } = await pollOf(alice, { multiple: true });
    await voted(bob, poll.id, [0, 2]);
    const after = await voted(carol, poll.id, [2]);
    expect(after).toMatchObject({ votes_count: 3, voters_count: 2, own_votes: [2] });
    expect(after.options.map((o) => o.votes_count)).toEqual([1, 0, 2]);
    // Another option later is allowed on a multiple-choice poll; the same one is not.
    await voted(bob, poll.id, [1]);
    await expectError(await vote(bob, poll.id, [1]), 422, "Validation failed: You have already voted on this poll");
  });

  it("refuse a second vote, two choices on a single-choice poll, and bad choices, writing nothing", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const { poll } = await pollOf(alice);
    await expectError(await vote(carol, poll.id, [0, 1]), 422, "Validation failed: You have already voted on this poll");
    await expectError(await vote(carol, poll.id, [3]), 422, "Validation failed: The chosen vote option does not exist");
    await expectError(await vote(carol, poll.id, ["x"]), 422, "Validation failed: The chosen vote option does not exist");
    await expectError(await vote(carol, poll.id, []), 400, "param is missing or the value is empty: choices");
    expect(await votesOn(poll.id)).toBe(0);
    await voted(bob, poll.id, [0]);
    await expectError(await vote(bob, poll.id, [1]), 422, "Validation failed: You have already voted on this poll");
    expect(await votesOn(poll.id)).toBe(1);
    await expectError(await vote(alice, poll.id, [0]), 422, "Validation failed: You cannot vote in your own polls");
    await expectError(await vote(bob, "9999", [0]), 404, "Record not found");
  });

  it("refuse votes once ended, and show hidden totals only then", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const { poll } = await pollOf(alice, { hide_totals: true });
    const during = await voted(bob, poll.id, [2]);
    expect(during.options.map((o) => o.votes_count)).toEqual([null, null, null]);
    expect(during.votes_count).toBe(1);
    await env.DB.prepare("UPDATE polls SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, Number(poll.id))
      .run();
    await expectError(await vote(carol, poll.id, [0]), 422, "Validation failed: The poll has already ended");
    expect(await votesOn(poll.id)).toBe(1);
    const ended = await ok<PollJson>(`/api/v1/polls/${poll.id}`, carol);
    expect(ended).toMatchObject({ expired: true, voted: false, own_votes: [] });
    expect(ended.options.map((o) => o.votes_count)).toEqual([0, 0, 1]);
  });

  it("are as visible as their status", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await post(alice, { status: "secret poll", visibility: "private", poll: { options: ["y", "n"], expires_in: 600 } });
    const id = s.poll?.id ?? "";
    await expectError(await api(`/api/v1/polls/${id}`, { token: bob.token }), 404, "Record not found");
    await expectError(await vote(bob, id, [0]), 404, "Record not found");
    await follow(bob, alice);
    await voted(bob, id, [0]);
  });
});

describe("notifyEndedPolls", () => {
  it("notifies the author and each local voter once", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const carol = await createTestUser();
    const { status, poll } = await pollOf(alice, { multiple: true });
    await voted(bob, poll.id, [0, 1]);
    await voted(carol, poll.id, [2]);
    await env.DB.prepare("UPDATE polls SET expires_at = ? WHERE id = ?")
      .bind(Date.now() - 1000, Number(poll.id))
      .run();
    const pollNotifications = () =>
      env.DB.prepare(
        "SELECT account_id, from_account_id FROM notifications WHERE type = 'poll' AND status_id = ? ORDER BY account_id",
      )
        .bind(Number(status.id))
        .all<{ account_id: number; from_account_id: number }>();

    expect(await notifyEndedPolls(env, Date.now())).toBeGreaterThanOrEqual(1);
    const sent = (await pollNotifications()).results;
    expect(sent.map((n) => n.account_id).sort()).toEqual([alice, bob, carol].map((u) => u.account.id).sort());
    expect(sent.every((n) => n.from_account_id === alice.account.id)).toBe(true);
    expect(await count("SELECT 1 FROM polls WHERE id = ? AND ended_notified_at IS NOT NULL", Number(poll.id))).toBe(1);

    await notifyEndedPolls(env, Date.now());
    expect((await pollNotifications()).results).toHaveLength(3);
  });

  it("leaves running polls alone", async () => {
    const alice = await createTestUser();
    const { poll } = await pollOf(alice);
    await notifyEndedPolls(env, Date.now());
    expect(await count("SELECT 1 FROM polls WHERE id = ? AND ended_notified_at IS NULL", Number(poll.id))).toBe(1);
  });
});
