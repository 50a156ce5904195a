import { describe, expect, it } from "vitest";
import { api, createTestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, ok, post, type StatusJson } from "./helpers";

describe("GET /api/v1/accounts/:id/statuses", () => {
  it("filters replies (keeping self-replies), boosts and tags", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const other = await post(bob, "bob's");
    const root = await post(alice, "root #Topic");
    const selfReply = await post(alice, { status: "thread", in_reply_to_id: root.id });
    const reply = await post(alice, { status: "reply to bob", in_reply_to_id: other.id });
    const boost = await ok(`/api/v1/statuses/${other.id}/reblog`, alice, "POST");
    const ids = async (query: string) =>
      (await ok<StatusJson[]>(`/api/v1/accounts/${alice.account.id}/statuses${query}`)).map((s) => s.id);

    expect(await ids("")).toEqual([boost.id, reply.id, selfReply.id, root.id]);
    expect(await ids("?exclude_replies=true")).toEqual([boost.id, selfReply.id, root.id]);
    expect(await ids("?exclude_reblogs=1")).toEqual([reply.id, selfReply.id, root.id]);
    expect(await ids("?tagged=topic")).toEqual([root.id]);
    expect(await ids("?tagged=nothing")).toEqual([]);
    expect(await ids("?only_media=true")).toEqual([]);
    const withBoost = await ok<StatusJson[]>(`/api/v1/accounts/${alice.account.id}/statuses?limit=1`);
    expectEntity("Status", withBoost, { array: true });
    expect(withBoost[0]?.reblog?.id).toBe(other.id);
  });

  it("pages with max_id, since_id and min_id and Link headers", async () => {
    const alice = await createTestUser();
    const s = [];
    for (let i = 0; i < 5; i++) s.push((await post(alice, `n${i}`)).id);
    const base = `/api/v1/accounts/${alice.account.id}/statuses`;
    const first = await api(`${base}?limit=2`);
    expect(((await first.json()) as StatusJson[]).map((x) => x.id)).toEqual([s[4], s[3]]);
    const link = first.headers.get("link") ?? "";
    expect(link).toContain(`max_id=${s[3]}`);
    expect(link).toContain(`min_id=${s[4]}`);
    const ids = async (q: string) => (await ok<StatusJson[]>(`${base}?${q}`)).map((x) => x.id);
    expect(await ids(`limit=2&max_id=${s[3]}`)).toEqual([s[2], s[1]]);
    expect(await ids(`limit=2&min_id=${s[0]}`)).toEqual([s[2], s[1]]);
    expect(await ids(`limit=2&since_id=${s[0]}`)).toEqual([s[4], s[3]]);
    const empty = await api(`${base}?max_id=${s[0]}`);
    expect(await empty.json()).toEqual([]);
    expect(empty.headers.get("link")).toBeNull();
  });

  it("answers 404 for unknown accounts and 400 for garbage cursors", async () => {
    const alice = await createTestUser();
    await expectError(await api("/api/v1/accounts/123456/statuses"), 404, "Record not found");
    await expectError(
      await api(`/api/v1/accounts/${alice.account.id}/statuses?since_id=yesterday`),
      400,
      "since_id must be a numeric id",
    );
  });
});
