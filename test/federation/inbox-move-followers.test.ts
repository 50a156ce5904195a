/**
 * INBOX consumer + FANOUT: a valid Move (the target lists the origin in alsoKnownAs) sets `moved_to`
 * and migrates LOCAL followers page by page through the follow service: a Follow to the new account
 * (pending until it Accepts), the old follow undone (Undo Follow), options and list memberships
 * carried over; followers who block or are blocked by the new account stay where they were. A Move the
 * target does not confirm, or of someone else, changes nothing.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { migrateMove } from "../../src/federation/inbox-consumer/move";
import { newId } from "../../src/ids";
import { handleFanout, isFanoutMessage } from "../../src/queue/fanout";
import type { DeliveryMessage, FanoutMessage } from "../../src/queue/messages";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { serveActor } from "./helpers";
import { Harness, type Json, localActorUri, type Peer, peer, rowCount } from "./inbox-consumer-helpers";

type MoveMessage = Extract<FanoutMessage, { type: "account.moved" }>;

async function followRow(
  followerId: number,
  targetId: number,
  options: { reblogs?: boolean; notify?: boolean; languages?: string[] } = {},
) {
  await env.DB.prepare(
    "INSERT INTO follows (id, account_id, target_account_id, show_reblogs, notify, languages, uri, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
  )
    .bind(
      newId(),
      followerId,
      targetId,
      options.reblogs === false ? 0 : 1,
      options.notify ? 1 : 0,
      options.languages ? JSON.stringify(options.languages) : null,
      null,
      Date.now(),
    )
    .run();
}

async function block(accountId: number, targetId: number) {
  await env.DB.prepare("INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), accountId, targetId, Date.now())
    .run();
}

const follows = (a: number, b: number) =>
  rowCount("SELECT count(*) AS n FROM follows WHERE account_id = ? AND target_account_id = ?", a, b);
const requests = (a: number, b: number) =>
  rowCount("SELECT count(*) AS n FROM follow_requests WHERE account_id = ? AND target_account_id = ?", a, b);
const movedTo = async (id: number) =>
  (await env.DB.prepare("SELECT moved_to_account_id AS m FROM accounts WHERE id = ?").bind(id).first<{ m: number | null }>())
    ?.m ?? null;

function moveOf(from: Peer, target: string): Json {
  return {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${from.actor.id}#moves/${newId()}`,
    type: "Move",
    actor: from.actor.id,
    object: from.actor.id,
    target,
  };
}

/** Two remote accounts, the new one listing the old one as an alias (served fresh to the consumer). */
async function movingPair(h: Harness): Promise<{ old: Peer; fresh: Peer }> {
  const [old, fresh] = await Promise.all([peer("alice"), peer("alice2")]);
  fresh.actor.document = { ...fresh.actor.document, alsoKnownAs: [old.actor.id] };
  serveActor(h.net, fresh.actor);
  return { old, fresh };
}

/** Runs the FANOUT messages the Move queued (and the pages they queue) with `h`'s spies as queues. */
async function drainMoves(h: Harness, perMessage?: number): Promise<number> {
  const overrides = { ...env, FANOUT: h.fanout.asQueue(), DELIVERY: h.delivery.asQueue() };
  let pages = 0;
  for (let guard = 0; guard < 50; guard++) {
    const next = h.fanout.sent.findIndex((m) => (m as FanoutMessage).type === "account.moved");
    if (next < 0) return pages;
    const [message] = h.fanout.sent.splice(next, 1) as MoveMessage[];
    if (!message) return pages;
    pages += 1;
    if (perMessage === undefined) await handleFanout(overrides, message);
    else await migrateMove(overrides, message, perMessage);
  }
  throw new Error("the move never finished");
}

function delivered(h: Harness): DeliveryMessage[] {
  return h.delivery.sent as DeliveryMessage[];
}

describe("inbox Move migrates local followers", () => {
  it("moves a follower to the new account as a pending Follow, with its options and lists; Accept completes it", async () => {
    const h = new Harness();
    const { old, fresh } = await movingPair(h);
    const u = await createTestUser();
    await followRow(u.account.id, old.account.id, { reblogs: false, notify: true, languages: ["en"] });
    const list = newId();
    await env.DB.batch([
      env.DB.prepare("INSERT INTO lists (id, account_id, title, created_at) VALUES (?, ?, ?, ?)").bind(
        list,
        u.account.id,
        "friends",
        Date.now(),
      ),
      env.DB.prepare("INSERT INTO list_accounts (list_id, account_id) VALUES (?, ?)").bind(list, old.account.id),
    ]);
    // A remote follower of the old account is its own server's business.
    const remoteFollower = await peer("bystander");
    await followRow(remoteFollower.account.id, old.account.id);

    await h.apply(moveOf(old, fresh.actor.id));
    expect(await movedTo(old.account.id)).toBe(fresh.account.id);
    expect(h.fanout.sent).toEqual([
      { type: "account.moved", v: 1, originId: old.account.id, targetId: fresh.account.id, phase: "follows", after: 0 },
    ]);
    // What the FANOUT consumer accepts (handleFanoutBatch checks every body).
    expect(isFanoutMessage(h.fanout.sent[0])).toBe(true);
    expect(isFanoutMessage({ ...(h.fanout.sent[0] as Json), phase: "everything" })).toBe(false);
    // One page each of follows, blocks and mutes.
    expect(await drainMoves(h)).toBe(3);

    expect(await follows(u.account.id, old.account.id)).toBe(0);
    const request = await env.DB.prepare(
      "SELECT show_reblogs, notify, languages, uri FROM follow_requests WHERE account_id = ? AND target_account_id = ?",
    )
      .bind(u.account.id, fresh.account.id)
      .first<{ show_reblogs: number; notify: number; languages: string; uri: string }>();
    expect(request).toMatchObject({ show_reblogs: 0, notify: 1 });
    expect(JSON.parse(request?.languages ?? "null")).toEqual(["en"]);
    const members = await env.DB.prepare("SELECT account_id FROM list_accounts WHERE list_id = ?")
      .bind(list)
      .all<{ account_id: number }>();
    expect(members.results.map((r) => r.account_id)).toEqual([fresh.account.id]);
    expect(await follows(remoteFollower.account.id, old.account.id)).toBe(1);

    const me = localActorUri(u.account.username);
    const sent = delivered(h).map((m) => ({ type: m.activity.type, inboxes: m.inboxes, object: m.activity.object }));
    expect(sent).toEqual([
      { type: "Follow", inboxes: [`${fresh.actor.id}/inbox`], object: fresh.actor.id },
      {
        type: "Undo",
        inboxes: [`${old.actor.id}/inbox`],
        object: expect.objectContaining({ type: "Follow", actor: me, object: old.actor.id }),
      },
    ]);
    expect(delivered(h)[0]?.activity.id).toBe(request?.uri);

    const rel = await api(`/api/v1/accounts/relationships?id[]=${fresh.account.id}&id[]=${old.account.id}`, { token: u.token });
    const rels = (await rel.json()) as Json[];
    expectEntity("Relationship", rels, { array: true });
    expect(rels).toMatchObject([
      { id: String(fresh.account.id), following: false, requested: true },
      { id: String(old.account.id), following: false, requested: false },
    ]);

    // The new server accepts: the follow starts, as any follow of a remote account does.
    await h.apply({
      id: `${fresh.actor.id}#accepts/1`,
      type: "Accept",
      actor: fresh.actor.id,
      object: { id: request?.uri, type: "Follow", actor: me, object: fresh.actor.id },
    });
    expect(await follows(u.account.id, fresh.account.id)).toBe(1);
    expect(await requests(u.account.id, fresh.account.id)).toBe(0);
  });

  it("leaves followers who block, or are blocked by, the new account with the old one", async () => {
    const h = new Harness();
    const { old, fresh } = await movingPair(h);
    const [blocker, blocked, both] = await Promise.all([createTestUser(), createTestUser(), createTestUser()]);
    for (const u of [blocker, blocked, both]) await followRow(u.account.id, old.account.id);
    await block(blocker.account.id, fresh.account.id);
    await block(fresh.account.id, blocked.account.id);
    // Already following both: ends up following the new account only.
    await followRow(both.account.id, fresh.account.id);

    await h.apply(moveOf(old, fresh.actor.id));
    await drainMoves(h);
    for (const u of [blocker, blocked]) {
      expect(await follows(u.account.id, old.account.id)).toBe(1);
      expect(await requests(u.account.id, fresh.account.id)).toBe(0);
      expect(await follows(u.account.id, fresh.account.id)).toBe(0);
    }
    expect(await follows(both.account.id, old.account.id)).toBe(0);
    expect(await follows(both.account.id, fresh.account.id)).toBe(1);
    // Only `both` unfollowed the old account; nobody sent the blocked-off new one a Follow.
    expect(delivered(h).map((m) => m.activity.type)).toEqual(["Undo"]);
  });

  it("migrates many followers in bounded pages, each sending the next", async () => {
    const h = new Harness();
    const { old, fresh } = await movingPair(h);
    const users: TestUser[] = [];
    for (let i = 0; i < 5; i++) users.push(await createTestUser());
    for (const u of users) await followRow(u.account.id, old.account.id);
    await h.apply(moveOf(old, fresh.actor.id));
    // 2 per page: followers in pages of 2, 2, 1, then one page each of (no) blocks and mutes.
    expect(await drainMoves(h, 2)).toBe(5);
    for (const u of users) {
      expect(await follows(u.account.id, old.account.id)).toBe(0);
      expect(await requests(u.account.id, fresh.account.id)).toBe(1);
    }
    expect(delivered(h).filter((m) => m.activity.type === "Follow")).toHaveLength(5);
  });

  it("carries local blocks and mutes of the old account over to the new one", async () => {
    const h = new Harness();
    const { old, fresh } = await movingPair(h);
    const [blocker, muter, lapsed, friend] = await Promise.all([
      createTestUser(),
      createTestUser(),
      createTestUser(),
      createTestUser(),
    ]);
    const bystander = await peer("bystander");
    const now = Date.now();
    await block(blocker.account.id, old.account.id);
    await block(friend.account.id, old.account.id);
    await followRow(friend.account.id, fresh.account.id);
    await block(bystander.account.id, old.account.id);
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      ).bind(newId(), muter.account.id, old.account.id, 0, null, now),
      env.DB.prepare(
        "INSERT INTO mutes (id, account_id, target_account_id, hide_notifications, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      ).bind(newId(), lapsed.account.id, old.account.id, 1, now - 1000, now - 10_000),
    ]);
    await h.apply(moveOf(old, fresh.actor.id));
    await drainMoves(h, 1);

    const blocks = (a: number) =>
      rowCount("SELECT count(*) AS n FROM blocks WHERE account_id = ? AND target_account_id = ?", a, fresh.account.id);
    expect(await blocks(blocker.account.id)).toBe(1);
    // Follows the new account already: Mastodon leaves that alone.
    expect(await blocks(friend.account.id)).toBe(0);
    expect(await follows(friend.account.id, fresh.account.id)).toBe(1);
    // Remote blockers are their own servers' business.
    expect(await blocks(bystander.account.id)).toBe(0);
    const mute = await env.DB.prepare("SELECT hide_notifications FROM mutes WHERE account_id = ? AND target_account_id = ?")
      .bind(muter.account.id, fresh.account.id)
      .first<{ hide_notifications: number }>();
    expect(mute?.hide_notifications).toBe(0);
    expect(
      await rowCount(
        "SELECT count(*) AS n FROM mutes WHERE account_id = ? AND target_account_id = ?",
        lapsed.account.id,
        fresh.account.id,
      ),
    ).toBe(0);
    // The new account's server hears of the carried block, as of any block.
    const sent = delivered(h).map((m) => ({ type: m.activity.type, inboxes: m.inboxes }));
    expect(sent).toEqual([{ type: "Block", inboxes: [`${fresh.actor.id}/inbox`] }]);
    const rel = await api(`/api/v1/accounts/relationships?id[]=${fresh.account.id}`, { token: muter.token });
    expect(await rel.json()).toMatchObject([{ muting: true, muting_notifications: false }]);
  });

  it("a Move to a local account follows it at once, even when locked", async () => {
    const h = new Harness();
    const old = await peer("alice");
    const [home, fan] = await Promise.all([createTestUser(), createTestUser()]);
    await env.DB.prepare("UPDATE accounts SET locked = 1, also_known_as = ? WHERE id = ?")
      .bind(JSON.stringify([old.actor.id]), home.account.id)
      .run();
    await followRow(fan.account.id, old.account.id);
    await h.apply(moveOf(old, localActorUri(home.account.username)));
    expect(await movedTo(old.account.id)).toBe(home.account.id);
    await drainMoves(h);
    expect(await follows(fan.account.id, home.account.id)).toBe(1);
    expect(await follows(fan.account.id, old.account.id)).toBe(0);
    expect(
      await rowCount(
        "SELECT count(*) AS n FROM notifications WHERE account_id = ? AND type = 'follow' AND from_account_id = ?",
        home.account.id,
        fan.account.id,
      ),
    ).toBe(1);
  });

  it("a Move the target does not confirm changes nothing", async () => {
    const h = new Harness();
    const [old, impostor] = await Promise.all([peer("alice"), peer("impostor")]);
    serveActor(h.net, impostor.actor); // no alsoKnownAs
    const u = await createTestUser();
    await followRow(u.account.id, old.account.id);
    await h.apply(moveOf(old, impostor.actor.id));
    expect(await movedTo(old.account.id)).toBeNull();
    expect(h.fanout.sent).toEqual([]);
    expect(await follows(u.account.id, old.account.id)).toBe(1);
    expect(await requests(u.account.id, impostor.account.id)).toBe(0);
    expect(h.delivery.sent).toEqual([]);
  });

  it("a Move of someone else, or a stale page for a Move that does not hold, changes nothing", async () => {
    const h = new Harness();
    const { old, fresh } = await movingPair(h);
    const mallory = await peer("mallory");
    const u = await createTestUser();
    await followRow(u.account.id, old.account.id);
    // Mallory moves alice's account: refused (the object must be the actor).
    await h.apply({ ...moveOf(old, fresh.actor.id), actor: mallory.actor.id });
    expect(await movedTo(old.account.id)).toBeNull();
    expect(h.fanout.sent).toEqual([]);

    // A page for a move that was never recorded does nothing.
    h.fanout.sent.push({
      type: "account.moved",
      v: 1,
      originId: old.account.id,
      targetId: fresh.account.id,
      phase: "follows",
      after: 0,
    });
    await drainMoves(h);
    expect(await follows(u.account.id, old.account.id)).toBe(1);
    expect(await requests(u.account.id, fresh.account.id)).toBe(0);
    expect(h.delivery.sent).toEqual([]);
  });
});
