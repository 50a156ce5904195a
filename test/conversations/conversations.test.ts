/**
 * Direct-message conversations: rows kept by the FANOUT consumer as direct statuses arrive, read and
 * removed through /api/v1/conversations, paged by last status id, updated when statuses are deleted.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import type { DomainEvents } from "../../src/events";
import { recordDirectStatus } from "../../src/services/conversations";
import { expectFanout } from "../feeds/helpers";
import { api, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { expectError, post } from "../statuses/helpers";

interface ConversationJson {
  id: string;
  unread: boolean;
  accounts: Array<{ id: string; username: string }>;
  last_status: { id: string; content: string } | null;
}

/**
 * Posts a direct status and records it as the FANOUT consumer does (the consumer's own path is
 * covered by the "through the FANOUT consumer" test; calling the module keeps these tests about it).
 */
async function dm(author: TestUser, text: string, inReplyToId?: string): Promise<string> {
  const status = await post(author, { status: text, visibility: "direct", in_reply_to_id: inReplyToId });
  await recordDirectStatus(db(), Number(status.id));
  return status.id;
}

/**
 * Deletes a status row as every deletion path does in the end (API, remote Delete, suspension): the
 * trigger in 0008_search_fts.sql must follow, whichever path it was.
 */
async function removeStatus(id: string): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM mentions WHERE status_id = ?").bind(Number(id)),
    env.DB.prepare("DELETE FROM statuses WHERE id = ?").bind(Number(id)),
  ]);
}

async function conversations(user: TestUser, query = ""): Promise<{ list: ConversationJson[]; link: string | null }> {
  const res = await api(`/api/v1/conversations${query}`, { token: user.token });
  const list = (await res.json()) as ConversationJson[];
  expect(res.status, JSON.stringify(list)).toBe(200);
  expectEntity("Conversation", list, { array: true });
  return { list, link: res.headers.get("link") };
}

function linkTo(link: string | null, rel: "next" | "prev"): string | undefined {
  const m = new RegExp(`<([^>]+)>; rel="${rel}"`).exec(link ?? "");
  return m ? new URL(m[1] as string).pathname + new URL(m[1] as string).search : undefined;
}

describe("conversations", { timeout: 30_000 }, () => {
  it("a direct status makes a conversation for the author (read) and each recipient (unread)", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const first = await dm(alice, `@${bob.account.username} hello there`);

    const forBob = (await conversations(bob)).list;
    expect(forBob).toHaveLength(1);
    expect(forBob[0]).toMatchObject({ unread: true, last_status: { id: first } });
    expect(forBob[0]?.accounts.map((a) => a.id)).toEqual([String(alice.account.id)]);
    const forAlice = (await conversations(alice)).list;
    expect(forAlice).toHaveLength(1);
    expect(forAlice[0]).toMatchObject({ unread: false, last_status: { id: first } });
    expect(forAlice[0]?.accounts.map((a) => a.id)).toEqual([String(bob.account.id)]);

    // A reply in the thread updates the same rows: unread for alice now, read for bob.
    const reply = await dm(bob, `@${alice.account.username} hi back`, first);
    const again = (await conversations(alice)).list;
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: forAlice[0]?.id, unread: true, last_status: { id: reply } });
    expect((await conversations(bob)).list[0]).toMatchObject({ id: forBob[0]?.id, unread: false, last_status: { id: reply } });

    // Recording the same status again (a retried message) changes nothing.
    await recordDirectStatus(db(), Number(reply));
    expect((await conversations(alice)).list).toHaveLength(1);
    expect((await conversations(alice)).list[0]?.unread).toBe(true);
  });

  it("is kept by the FANOUT consumer for direct statuses", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const status = await post(alice, { status: `@${bob.account.username} through the queue`, visibility: "direct" });
    await expectFanout({ type: "status.created", v: 1, statusId: Number(status.id) });
    expect((await conversations(bob)).list.map((c) => c.last_status?.id)).toEqual([status.id]);
  });

  it("marks read and unread, and removes a conversation for one participant only", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await dm(alice, `@${bob.account.username} mark me`);
    const conv = (await conversations(bob)).list[0] as ConversationJson;

    const read = await api(`/api/v1/conversations/${conv.id}/read`, { token: bob.token, method: "POST" });
    expect(read.status).toBe(200);
    const readJson = (await read.json()) as ConversationJson;
    expectEntity("Conversation", readJson);
    expect(readJson.unread).toBe(false);
    expect((await conversations(bob)).list[0]?.unread).toBe(false);

    const unread = await api(`/api/v1/conversations/${conv.id}/unread`, { token: bob.token, method: "POST" });
    expect(((await unread.json()) as ConversationJson).unread).toBe(true);

    // Someone else's conversation id is not found, and nothing changes.
    await expectError(
      await api(`/api/v1/conversations/${conv.id}/read`, { token: alice.token, method: "POST" }),
      404,
      "Record not found",
    );
    await expectError(
      await api(`/api/v1/conversations/${conv.id}`, { token: alice.token, method: "DELETE" }),
      404,
      "Record not found",
    );
    await expectError(
      await api("/api/v1/conversations/nonsense/read", { token: bob.token, method: "POST" }),
      404,
      "Record not found",
    );
    expect((await conversations(bob)).list[0]?.unread).toBe(true);

    const removed = await api(`/api/v1/conversations/${conv.id}`, { token: bob.token, method: "DELETE" });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({});
    expect((await conversations(bob)).list).toEqual([]);
    expect((await conversations(alice)).list).toHaveLength(1);
  });

  it("pages by last status with Link headers", async () => {
    const me = await createTestUser();
    const others = [await createTestUser(), await createTestUser(), await createTestUser()];
    const ids: string[] = [];
    for (const other of others) ids.push(await dm(other, `@${me.account.username} page ${other.account.username}`));

    const first = await conversations(me, "?limit=2");
    expect(first.list.map((c) => c.last_status?.id)).toEqual([ids[2], ids[1]]);
    const next = linkTo(first.link, "next");
    const prev = linkTo(first.link, "prev");
    expect(next).toContain(`max_id=${ids[1]}`);
    expect(prev).toContain(`min_id=${ids[2]}`);

    const second = await conversations(me, (next as string).replace("/api/v1/conversations", ""));
    expect(second.list.map((c) => c.last_status?.id)).toEqual([ids[0]]);
    // A short page has no next link; a page before the newest is empty and has no links.
    expect(linkTo(second.link, "next")).toBeUndefined();
    const newer = await conversations(me, (prev as string).replace("/api/v1/conversations", ""));
    expect(newer.list).toEqual([]);
    expect(newer.link).toBeNull();
    // min_id pages forward from a cursor: the oldest newer ones.
    const forward = await conversations(me, `?min_id=${ids[0]}&limit=1`);
    expect(forward.list.map((c) => c.last_status?.id)).toEqual([ids[1]]);
  });

  it("deleting statuses moves last_status back, and deleting the last one removes the conversation", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const first = await dm(alice, `@${bob.account.username} first`);
    const second = await dm(alice, `@${bob.account.username} second`, first);
    expect((await conversations(bob)).list[0]?.last_status?.id).toBe(second);

    await removeStatus(second);
    expect((await conversations(bob)).list[0]?.last_status?.id).toBe(first);
    await removeStatus(first);
    expect((await conversations(bob)).list).toEqual([]);
    expect((await conversations(alice)).list).toEqual([]);
  });

  it("gives no conversation to a recipient who blocks the author, nor for non-direct statuses", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    expect((await api(`/api/v1/accounts/${alice.account.id}/block`, { token: bob.token, method: "POST" })).status).toBe(200);
    await dm(alice, `@${bob.account.username} are you there`);
    expect((await conversations(bob)).list).toEqual([]);

    const carol = await createTestUser();
    const status = await post(alice, { status: `@${carol.account.username} not private`, visibility: "private" });
    await recordDirectStatus(db(), Number(status.id));
    expect((await conversations(carol)).list).toEqual([]);
  });

  it("a note to self lists the owner as the participant", async () => {
    const alice = await createTestUser();
    await dm(alice, "just me");
    const list = (await conversations(alice)).list;
    expect(list).toHaveLength(1);
    expect(list[0]?.accounts.map((a) => a.id)).toEqual([String(alice.account.id)]);
  });

  it("raises conversationUpdated for each changed row, once", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const status = await post(alice, { status: `@${bob.account.username} evented`, visibility: "direct" });
    const seen: Array<[number, number]> = [];
    const events: DomainEvents = {
      notificationCreated: async () => {},
      filtersChanged: async () => {},
      conversationUpdated: async (accountId, conversationId) => {
        seen.push([accountId, conversationId]);
      },
    };
    const withEvents = createDb(env.DB, events);
    await recordDirectStatus(withEvents, Number(status.id));
    await recordDirectStatus(withEvents, Number(status.id));
    expect(seen.map(([a]) => a).sort()).toEqual([alice.account.id, bob.account.id].sort());
    const rows = await env.DB.prepare("SELECT id, account_id FROM account_conversations WHERE last_status_id = ?")
      .bind(Number(status.id))
      .all<{ id: number; account_id: number }>();
    expect(seen.sort()).toEqual(rows.results.map((r) => [r.account_id, r.id] as [number, number]).sort());
  });

  it("needs read:statuses to list and write:conversations to change", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser({ scopes: "read:accounts write:statuses" });
    const reader = await createTestUser({ scopes: "read:statuses" });
    await dm(alice, `@${reader.account.username} scoped`);
    const conv = (await conversations(reader)).list[0] as ConversationJson;

    await expectError(
      await api("/api/v1/conversations", { token: bob.token }),
      403,
      "This action is outside the authorized scopes",
    );
    await expectError(
      await api(`/api/v1/conversations/${conv.id}/read`, { token: reader.token, method: "POST" }),
      403,
      "This action is outside the authorized scopes",
    );
    await expectError(
      await api(`/api/v1/conversations/${conv.id}`, { token: reader.token, method: "DELETE" }),
      403,
      "This action is outside the authorized scopes",
    );
    expect((await api("/api/v1/conversations")).status).toBe(401);
    expect((await conversations(reader)).list[0]?.unread).toBe(true);
  });
});
