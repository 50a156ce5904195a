import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { publishDueScheduledStatuses } from "../../src/services/statuses/scheduled";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { count, expectError, ok, post, postStatus, type StatusJson } from "./helpers";

interface ScheduledJson {
  id: string;
  scheduled_at: string;
  params: {
    text: string;
    visibility: string;
    poll: { options: string[]; expires_in: number } | null;
    in_reply_to_id: number | null;
  };
}

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
const scheduledOf = (u: TestUser) => count("SELECT 1 FROM scheduled_statuses WHERE account_id = ?", u.account.id);
const statusesOf = (u: TestUser) => count("SELECT 1 FROM statuses WHERE account_id = ?", u.account.id);

async function schedule(user: TestUser, body: Record<string, unknown>): Promise<ScheduledJson> {
  const res = await postStatus(user, body);
  const json = (await res.json()) as ScheduledJson;
  expect(res.status, JSON.stringify(json)).toBe(200);
  expectEntity("ScheduledStatus", json);
  return json;
}

describe("scheduled statuses", () => {
  it("are created, listed, read, rescheduled and cancelled", async () => {
    const alice = await createTestUser();
    const at = inMinutes(60);
    const s = await schedule(alice, { status: "later", scheduled_at: at, visibility: "unlisted" });
    expect(s.scheduled_at).toBe(at);
    expect(s.params).toMatchObject({ text: "later", visibility: "unlisted", poll: null, in_reply_to_id: null });
    expect(await statusesOf(alice)).toBe(0);

    const listRes = await api("/api/v1/scheduled_statuses", { token: alice.token });
    const list = (await listRes.json()) as ScheduledJson[];
    expectEntity("ScheduledStatus", list, { array: true });
    expect(list.map((x) => x.id)).toEqual([s.id]);
    expect(listRes.headers.get("link")).toContain(`max_id=${s.id}`);
    expect((await ok<ScheduledJson>(`/api/v1/scheduled_statuses/${s.id}`, alice)).id).toBe(s.id);

    const later = inMinutes(120);
    const moved = await ok<ScheduledJson>(`/api/v1/scheduled_statuses/${s.id}`, alice, "PUT", { scheduled_at: later });
    expect(moved.scheduled_at).toBe(later);
    const tooSoon = await api(`/api/v1/scheduled_statuses/${s.id}`, {
      token: alice.token,
      method: "PUT",
      json: { scheduled_at: inMinutes(1) },
    });
    await expectError(tooSoon, 422, "Validation failed: Scheduled at date must be in the future");
    expect((await ok<ScheduledJson>(`/api/v1/scheduled_statuses/${s.id}`, alice)).scheduled_at).toBe(later);

    expect(await ok(`/api/v1/scheduled_statuses/${s.id}`, alice, "DELETE")).toEqual({});
    expect(await scheduledOf(alice)).toBe(0);
    await expectError(await api(`/api/v1/scheduled_statuses/${s.id}`, { token: alice.token }), 404, "Record not found");
  });

  it("must be at least five minutes ahead; past dates post at once; bad dates are refused", async () => {
    const alice = await createTestUser();
    await expectError(
      await postStatus(alice, { status: "soon", scheduled_at: inMinutes(2) }),
      422,
      "Validation failed: Scheduled at date must be in the future",
    );
    await expectError(await postStatus(alice, { status: "when?", scheduled_at: "not a date" }), 422, "Record invalid");
    await expectError(
      await postStatus(alice, { status: "", scheduled_at: inMinutes(60) }),
      422,
      "Validation failed: Text can't be blank",
    );
    expect(await scheduledOf(alice)).toBe(0);
    expect(await statusesOf(alice)).toBe(0);
    const now = await post(alice, { status: "already due", scheduled_at: inMinutes(-5) });
    expect(now.content).toBe("<p>already due</p>");
  });

  it("belong to their owner only", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const s = await schedule(alice, { status: "mine", scheduled_at: inMinutes(30) });
    await expectError(await api(`/api/v1/scheduled_statuses/${s.id}`, { token: bob.token }), 404, "Record not found");
    await expectError(
      await api(`/api/v1/scheduled_statuses/${s.id}`, { token: bob.token, method: "DELETE" }),
      404,
      "Record not found",
    );
    expect(await ok<ScheduledJson[]>("/api/v1/scheduled_statuses", bob)).toEqual([]);
    expect(await scheduledOf(alice)).toBe(1);
  });

  it("are published when due, through the posting service, one failure not blocking the rest", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const target = await post(bob, "reply to me, then I vanish");
    const doomed = await schedule(bob, { status: "orphan", scheduled_at: inMinutes(10), in_reply_to_id: target.id });
    const s = await schedule(alice, {
      status: "from the future #scheduled",
      scheduled_at: inMinutes(10),
      visibility: "unlisted",
      poll: { options: ["yes", "no"], expires_in: 600 },
    });
    await ok(`/api/v1/statuses/${target.id}`, bob, "DELETE");

    const at = Date.parse(s.scheduled_at) + 1000;
    expect(await publishDueScheduledStatuses(env, Date.parse(s.scheduled_at) - 60_000)).toBe(0);
    expect(await publishDueScheduledStatuses(env, at)).toBeGreaterThanOrEqual(1);
    expect(await scheduledOf(alice)).toBe(0);
    expect(await count("SELECT 1 FROM scheduled_statuses WHERE id = ?", Number(doomed.id))).toBe(0);
    expect(await statusesOf(bob)).toBe(0);

    const [published] = await ok<StatusJson[]>(`/api/v1/accounts/${alice.account.id}/statuses`, alice);
    expect(published).toMatchObject({ visibility: "unlisted", tags: [{ name: "scheduled" }] });
    expect(published?.content).toContain("from the future");
    expect(published?.poll?.options.map((o) => o.title)).toEqual(["yes", "no"]);
    expect(Date.parse(published?.poll?.expires_at ?? "")).toBe(at + 600_000);
  });

  it("replay with an Idempotency-Key", async () => {
    const alice = await createTestUser();
    const headers = { "idempotency-key": "sched-1" };
    const body = { status: "once", scheduled_at: inMinutes(30) };
    const a = (await (await postStatus(alice, body, headers)).json()) as ScheduledJson;
    const b = (await (await postStatus(alice, body, headers)).json()) as ScheduledJson;
    expect(b).toEqual(a);
    expect(await scheduledOf(alice)).toBe(1);
  });
});
