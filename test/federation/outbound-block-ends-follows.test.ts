/**
 * A local block of a remote account ends the follows on the remote side too, as Mastodon's
 * BlockService does: Undo of our Follow (accepted or pending), Reject of theirs (accepted or
 * pending), then the Block, all to the blocked actor's inbox. A block applied for a remote actor (the
 * inbox's Block) echoes nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { newId } from "../../src/ids";
import { blockAccount } from "../../src/services/relationships/block";
import { createTestUser } from "../helpers/fixtures";
import { LOCAL } from "./helpers";
import { remote, spies } from "./outbound-helpers";

const actorOf = (username: string) => `${LOCAL}/users/${username}`;

async function count(sql: string, ...args: unknown[]): Promise<number> {
  const row = await env.DB.prepare(sql)
    .bind(...args)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("blocking a remote account ends follows with activities", { timeout: 30_000 }, () => {
  it("sends Undo of our Follow, Reject of theirs, then the Block", async () => {
    const me = await createTestUser();
    const them = await remote();
    const now = Date.now();
    const ours = newId();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)").bind(
        ours,
        me.account.id,
        them.account.id,
        `${actorOf(me.account.username)}#follows/${ours}`,
        now,
      ),
      env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)").bind(
        newId(),
        them.account.id,
        me.account.id,
        `${them.actor.id}#follows/77`,
        now,
      ),
    ]);
    const s = spies();
    const res = await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/block`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ blocking: true, following: false, followed_by: false, requested: false });

    const actor = actorOf(me.account.username);
    const sent = s.take();
    expect(sent.map((m) => m.activity.type)).toEqual(["Undo", "Reject", "Block"]);
    for (const m of sent) {
      expect(m.inboxes).toEqual([`${them.actor.id}/inbox`]);
      expect(m.actorId).toBe(me.account.id);
    }
    expect(sent[0]?.activity).toMatchObject({
      actor,
      object: { id: `${actor}#follows/${ours}`, type: "Follow", actor, object: them.actor.id },
    });
    expect(sent[1]?.activity).toMatchObject({
      actor,
      object: { id: `${them.actor.id}#follows/77`, type: "Follow", actor: them.actor.id, object: actor },
    });
    expect(sent[2]?.activity).toMatchObject({ type: "Block", actor, object: them.actor.id });
    expect(
      await count(
        "SELECT count(*) AS n FROM follows WHERE (account_id = ? AND target_account_id = ?) OR (account_id = ? AND target_account_id = ?)",
        me.account.id,
        them.account.id,
        them.account.id,
        me.account.id,
      ),
    ).toBe(0);

    // Blocking again sends nothing more: no follows are left and the block exists.
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/block`)).status).toBe(200);
    expect(s.delivery.sent).toEqual([]);
  });

  it("pending requests either way get the same: Undo of our request, Reject of theirs", async () => {
    const me = await createTestUser();
    await env.DB.prepare("UPDATE accounts SET locked = 1 WHERE id = ?").bind(me.account.id).run();
    const them = await remote();
    const s = spies();
    // Our request, through the API: it carries the Follow id the Undo must name.
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/follow`)).status).toBe(200);
    const follow = s.take()[0]?.activity;
    expect(follow?.type).toBe("Follow");
    await env.DB.prepare(
      "INSERT INTO follow_requests (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)",
    )
      .bind(newId(), them.account.id, me.account.id, `${them.actor.id}#follows/req`, Date.now())
      .run();

    expect((await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/block`)).status).toBe(200);
    const sent = s.take();
    expect(sent.map((m) => m.activity.type)).toEqual(["Undo", "Reject", "Block"]);
    expect(sent[0]?.activity).toMatchObject({ object: { id: follow?.id, type: "Follow" } });
    expect(sent[1]?.activity).toMatchObject({ object: { id: `${them.actor.id}#follows/req`, type: "Follow" } });
    expect(
      await count(
        "SELECT count(*) AS n FROM follow_requests WHERE account_id IN (?, ?) AND target_account_id IN (?, ?)",
        me.account.id,
        them.account.id,
        me.account.id,
        them.account.id,
      ),
    ).toBe(0);
    const requests = await s.call(me.token, "GET", "/api/v1/follow_requests");
    expect(await requests.json()).toEqual([]);
  });

  it("only the Block goes out when there was no follow either way", async () => {
    const me = await createTestUser();
    const them = await remote();
    const s = spies();
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/block`)).status).toBe(200);
    expect(s.take().map((m) => m.activity.type)).toEqual(["Block"]);
  });

  it("a block applied for a remote actor (the inbox's Block) sends nothing back", async () => {
    const me = await createTestUser();
    const them = await remote();
    const now = Date.now();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)").bind(
        newId(),
        me.account.id,
        them.account.id,
        `${actorOf(me.account.username)}#follows/1`,
        now,
      ),
      env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)").bind(
        newId(),
        them.account.id,
        me.account.id,
        `${them.actor.id}#follows/1`,
        now,
      ),
    ]);
    const s = spies();
    await blockAccount({ ...env, ...s.overrides }, createDb(env.DB), them.account, me.account);
    expect(s.delivery.sent).toEqual([]);
    expect(await count("SELECT count(*) AS n FROM follows WHERE account_id IN (?, ?)", me.account.id, them.account.id)).toBe(0);
    expect(
      await count(
        "SELECT count(*) AS n FROM blocks WHERE account_id = ? AND target_account_id = ?",
        them.account.id,
        me.account.id,
      ),
    ).toBe(1);
  });

  it("a local-to-local block sends nothing", async () => {
    const [me, you] = await Promise.all([createTestUser(), createTestUser()]);
    const s = spies();
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${you.account.id}/follow`)).status).toBe(200);
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${you.account.id}/block`)).status).toBe(200);
    expect(s.delivery.sent).toEqual([]);
  });
});
