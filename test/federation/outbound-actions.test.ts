/**
 * The activities local actions enqueue towards remote accounts, through the real API routes:
 * Follow (pending until Accept) and Undo, Accept/Reject of remote follow requests, Like and Undo,
 * Block and Undo, Update of the actor, Add/Remove on pins, votes on remote polls. Local-only
 * interactions enqueue nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sendAccept } from "../../src/federation/outbound/actions";
import { newId } from "../../src/ids";
import { createTestUser } from "../helpers/fixtures";
import { LOCAL } from "./helpers";
import { follow, insertStatus, PUBLIC, remote, single, spies } from "./outbound-helpers";

type Json = Record<string, unknown>;
const actorOf = (username: string) => `${LOCAL}/users/${username}`;

describe("outbound actions", { timeout: 30_000 }, () => {
  it("follows a remote account as a pending request with a Follow, and undoes it", async () => {
    const me = await createTestUser();
    const them = await remote();
    const s = spies();
    const res = await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/follow`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ following: false, requested: true });
    const request = await env.DB.prepare("SELECT id, uri FROM follow_requests WHERE account_id = ? AND target_account_id = ?")
      .bind(me.account.id, them.account.id)
      .first<{ id: number; uri: string }>();
    const actor = actorOf(me.account.username);
    expect(request?.uri).toBe(`${actor}#follows/${request?.id}`);
    const sent = single(s.take());
    expect(sent.inboxes).toEqual([`${them.actor.id}/inbox`]);
    expect(sent.activity).toMatchObject({ id: request?.uri, type: "Follow", actor, object: them.actor.id });

    const undo = await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/unfollow`);
    expect(undo.status).toBe(200);
    const undone = single(s.take());
    expect(undone.inboxes).toEqual([`${them.actor.id}/inbox`]);
    expect(undone.activity).toMatchObject({
      id: `${request?.uri}/undo`,
      type: "Undo",
      actor,
      object: { id: request?.uri, type: "Follow", actor, object: them.actor.id },
    });
  });

  it("accepts and rejects remote follow requests with the Follow embedded", async () => {
    const me = await createTestUser();
    await env.DB.prepare("UPDATE accounts SET locked = 1 WHERE id = ?").bind(me.account.id).run();
    const a = await remote();
    const b = await remote();
    const now = Date.now();
    for (const r of [a, b]) {
      await env.DB.prepare(
        "INSERT INTO follow_requests (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)",
      )
        .bind(newId(), r.account.id, me.account.id, `${r.actor.id}#follow-1`, now)
        .run();
    }
    const s = spies();
    const actor = actorOf(me.account.username);
    expect((await s.call(me.token, "POST", `/api/v1/follow_requests/${a.account.id}/authorize`)).status).toBe(200);
    const accept = single(s.take());
    expect(accept.inboxes).toEqual([`${a.actor.id}/inbox`]);
    expect(accept.activity).toMatchObject({
      type: "Accept",
      actor,
      object: { id: `${a.actor.id}#follow-1`, type: "Follow", actor: a.actor.id, object: actor },
    });
    expect(String(accept.activity.id)).toMatch(new RegExp(`^${actor}#accepts/follows/`));
    expect((await s.call(me.token, "POST", `/api/v1/follow_requests/${b.account.id}/reject`)).status).toBe(200);
    const reject = single(s.take());
    expect(reject.inboxes).toEqual([`${b.actor.id}/inbox`]);
    expect(reject.activity).toMatchObject({ type: "Reject", object: { id: `${b.actor.id}#follow-1`, type: "Follow" } });
  });

  it("tells a remote follower's server with a Reject when removing it from followers", async () => {
    const me = await createTestUser();
    const fan = await remote();
    await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, uri, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(newId(), fan.account.id, me.account.id, `${fan.actor.id}#follow-9`, Date.now())
      .run();
    const s = spies();
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${fan.account.id}/remove_from_followers`)).status).toBe(200);
    const sent = single(s.take());
    expect(sent.inboxes).toEqual([`${fan.actor.id}/inbox`]);
    expect(sent.activity).toMatchObject({ type: "Reject", object: { id: `${fan.actor.id}#follow-9`, type: "Follow" } });
  });

  it("exposes sendAccept for the inbox (auto-accept of an unlocked account)", async () => {
    const me = await createTestUser();
    const them = await remote();
    const s = spies();
    await sendAccept({ ...env, ...s.overrides }, me.account.id, { id: `${them.actor.id}#f` }, them.account);
    const sent = single(s.take());
    expect(sent.activity).toMatchObject({ type: "Accept", object: { id: `${them.actor.id}#f`, actor: them.actor.id } });
    // Local accounts are never sent anything.
    const local = await createTestUser();
    await sendAccept({ ...env, ...s.overrides }, me.account.id, "x", local.account);
    expect(s.delivery.sent).toEqual([]);
  });

  it("likes a remote status (to its author) and undoes the like; local likes send nothing", async () => {
    const me = await createTestUser();
    const them = await remote();
    const uri = `${them.actor.id}/statuses/5`;
    const status = await insertStatus(them.account.id, { local: false, uri });
    const s = spies();
    expect((await s.call(me.token, "POST", `/api/v1/statuses/${status}/favourite`)).status).toBe(200);
    const like = single(s.take());
    const actor = actorOf(me.account.username);
    expect(like.inboxes).toEqual([`${them.actor.id}/inbox`]);
    expect(like.activity).toMatchObject({ type: "Like", actor, object: uri });
    expect(String(like.activity.id)).toMatch(new RegExp(`^${actor}#likes/\\d+$`));
    expect((await s.call(me.token, "POST", `/api/v1/statuses/${status}/unfavourite`)).status).toBe(200);
    const undo = single(s.take());
    expect(undo.activity).toMatchObject({
      type: "Undo",
      id: `${like.activity.id}/undo`,
      object: { id: like.activity.id, type: "Like" },
    });

    const neighbour = await createTestUser();
    const localStatus = await insertStatus(neighbour.account.id);
    expect((await s.call(me.token, "POST", `/api/v1/statuses/${localStatus}/favourite`)).status).toBe(200);
    expect(s.delivery.sent).toEqual([]);
  });

  it("blocks and unblocks a remote account with Block and Undo Block", async () => {
    const me = await createTestUser();
    const them = await remote();
    const s = spies();
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/block`)).status).toBe(200);
    const block = single(s.take());
    const actor = actorOf(me.account.username);
    expect(block.inboxes).toEqual([`${them.actor.id}/inbox`]);
    expect(block.activity).toMatchObject({ type: "Block", actor, object: them.actor.id });
    expect(String(block.activity.id)).toMatch(new RegExp(`^${actor}#blocks/\\d+$`));
    // Blocking again changes nothing and sends nothing.
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/block`)).status).toBe(200);
    expect(s.delivery.sent).toEqual([]);
    expect((await s.call(me.token, "POST", `/api/v1/accounts/${them.account.id}/unblock`)).status).toBe(200);
    expect(single(s.take()).activity).toMatchObject({ type: "Undo", object: { id: block.activity.id, type: "Block" } });
  });

  it("sends Update of the actor to followers' shared inboxes on a profile change", async () => {
    const me = await createTestUser();
    const fan = await remote();
    await follow(fan.account.id, me.account.id);
    const s = spies();
    const res = await s.call(me.token, "PATCH", "/api/v1/accounts/update_credentials", { display_name: "New Name" });
    expect(res.status).toBe(200);
    const update = single(s.take());
    const actor = actorOf(me.account.username);
    expect(update.inboxes).toEqual([new URL("/inbox", fan.actor.id).href]);
    expect(update.activity).toMatchObject({
      type: "Update",
      actor,
      to: [PUBLIC],
      object: { id: actor, type: "Person", name: "New Name" },
    });
    expect((update.activity.object as Json).publicKey).toBeDefined();
  });

  it("sends Add and Remove on the featured collection when pinning and unpinning", async () => {
    const me = await createTestUser();
    const fan = await remote();
    await follow(fan.account.id, me.account.id);
    const status = await insertStatus(me.account.id);
    const s = spies();
    const actor = actorOf(me.account.username);
    expect((await s.call(me.token, "POST", `/api/v1/statuses/${status}/pin`)).status).toBe(200);
    const add = single(s.take());
    expect(add.activity).toMatchObject({
      type: "Add",
      actor,
      target: `${actor}/collections/featured`,
      object: `${actor}/statuses/${status}`,
    });
    expect((await s.call(me.token, "POST", `/api/v1/statuses/${status}/unpin`)).status).toBe(200);
    expect(single(s.take()).activity).toMatchObject({ type: "Remove", object: `${actor}/statuses/${status}` });
  });

  it("votes on a remote poll with one Create(Note{name}) per choice, to the poll's author", async () => {
    const me = await createTestUser();
    const them = await remote();
    const uri = `${them.actor.id}/statuses/poll`;
    const status = await insertStatus(them.account.id, { local: false, uri });
    const pollId = newId();
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO polls (id, status_id, account_id, options, tallies, multiple, expires_at, created_at)
         VALUES (?, ?, ?, ?, '[0,0,0]', 1, ?, ?)`,
      ).bind(
        pollId,
        status,
        them.account.id,
        JSON.stringify([{ title: "x" }, { title: "y" }, { title: "z" }]),
        Date.now() + 60_000,
        Date.now(),
      ),
      env.DB.prepare("UPDATE statuses SET poll_id = ? WHERE id = ?").bind(pollId, status),
    ]);
    const s = spies();
    const res = await s.call(me.token, "POST", `/api/v1/polls/${pollId}/votes`, { choices: ["0", "2"] });
    expect(res.status).toBe(200);
    const sent = s.take();
    expect(sent).toHaveLength(2);
    const actor = actorOf(me.account.username);
    expect(sent.map((m) => (m.activity.object as Json).name).sort()).toEqual(["x", "z"]);
    for (const m of sent) {
      expect(m.inboxes).toEqual([`${them.actor.id}/inbox`]);
      expect(m.activity).toMatchObject({ type: "Create", actor, to: [them.actor.id] });
      expect(m.activity.object).toMatchObject({ type: "Note", attributedTo: actor, inReplyTo: uri, to: [them.actor.id] });
    }
    // A bad vote changes nothing and sends nothing.
    expect((await s.call(me.token, "POST", `/api/v1/polls/${pollId}/votes`, { choices: ["9"] })).status).toBe(422);
    expect(s.delivery.sent).toEqual([]);
  });
});
