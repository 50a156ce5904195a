/** INBOX consumer: Follow, Undo(Follow), Accept/Reject of our Follows, Block, checked through the API and D1. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { fixture, Harness, type Json, localActorUri, type Peer, peer, rebase, rowCount } from "./inbox-consumer-helpers";

const MASTODON = "http://mastodon.example.org";
const LAIN = "http://localtesting.pleroma.lol/users/lain";

/** Mastodon's own Follow (akkoma fixtures), from `p` to local user `u`. */
function mastodonDoc(path: string, p: Peer, u: TestUser): Json {
  return rebase(fixture(path), { [`${MASTODON}/users/admin`]: p.actor.id, [LAIN]: localActorUri(u.account.username) });
}

async function relationship(user: TestUser, accountId: number): Promise<Json> {
  const res = await api(`/api/v1/accounts/relationships?id[]=${accountId}`, { token: user.token });
  expect(res.status).toBe(200);
  const [rel] = (await res.json()) as Json[];
  expectEntity("Relationship", rel);
  return rel as Json;
}

async function followerIds(user: TestUser): Promise<string[]> {
  const res = await api(`/api/v1/accounts/${user.account.id}/followers`, { token: user.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as Array<{ id: string }>).map((a) => a.id);
}

async function notificationTypes(user: TestUser): Promise<Array<{ type: string; account: { acct: string } }>> {
  const res = await api("/api/v1/notifications", { token: user.token });
  expect(res.status).toBe(200);
  return (await res.json()) as Array<{ type: string; account: { acct: string } }>;
}

describe("inbox Follow", () => {
  it("of an unlocked account: the follower appears, a follow notification, an Accept sent back", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    const follow = mastodonDoc("mastodon/activity-follow_akkoma-fixtures.json", p, u);
    await h.apply(follow);

    expect(await followerIds(u)).toContain(String(p.account.id));
    const notes = await notificationTypes(u);
    expect(notes.map((n) => [n.type, n.account.acct])).toContainEqual(["follow", `admin@${p.host}`]);
    expect(await relationship(u, p.account.id)).toMatchObject({ followed_by: true, following: false });

    const [accept] = h.delivered();
    expect(accept).toMatchObject({
      type: "Accept",
      actor: localActorUri(u.account.username),
      object: { type: "Follow", id: follow.id, actor: p.actor.id, object: localActorUri(u.account.username) },
    });
    expect((h.delivery.sent[0] as { inboxes: string[] }).inboxes).toEqual([`${p.actor.id}/inbox`]);

    // A replay (the peer never saw our Accept) changes nothing but answers again.
    await h.apply(follow);
    expect(await rowCount("SELECT count(*) AS n FROM follows WHERE account_id = ?", p.account.id)).toBe(1);
    expect(h.delivered()).toHaveLength(2);

    const undo = mastodonDoc("mastodon/activity-undo-follow_akkoma-fixtures.json", p, u);
    await h.apply(undo);
    expect(await followerIds(u)).not.toContain(String(p.account.id));
    expect((await notificationTypes(u)).some((n) => n.type === "follow")).toBe(false);
  });

  it("of a locked account: a follow request and its notification, no Accept yet", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    const locked = await api("/api/v1/accounts/update_credentials", { token: u.token, method: "PATCH", json: { locked: true } });
    expect(locked.status).toBe(200);
    await h.apply(mastodonDoc("mastodon/activity-follow_akkoma-fixtures.json", p, u));

    const res = await api("/api/v1/follow_requests", { token: u.token });
    expect(((await res.json()) as Array<{ id: string }>).map((a) => a.id)).toEqual([String(p.account.id)]);
    expect((await notificationTypes(u)).map((n) => n.type)).toContain("follow_request");
    expect(await followerIds(u)).toEqual([]);
    expect(h.delivered()).toEqual([]);
  });

  it("of an account that blocks the actor: refused with a Reject, nothing stored", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    expect((await api(`/api/v1/accounts/${p.account.id}/block`, { token: u.token, method: "POST" })).status).toBe(200);
    await h.apply(mastodonDoc("mastodon/activity-follow_akkoma-fixtures.json", p, u));
    expect(await followerIds(u)).toEqual([]);
    expect(h.delivered().map((a) => a.type)).toEqual(["Reject"]);
  });

  it("of someone who is not here: acked and ignored", async () => {
    const h = new Harness();
    const p = await peer();
    const result = await h.deliver({
      id: `${p.actor.id}#follows/9`,
      type: "Follow",
      actor: p.actor.id,
      object: localActorUri("nobody_here"),
    });
    expect(result).toMatchObject({ acked: true, retried: false });
    expect(await rowCount("SELECT count(*) AS n FROM follows WHERE account_id = ?", p.account.id)).toBe(0);
  });
});

describe("inbox Accept and Reject of our Follow", () => {
  async function pendingFollow(): Promise<{ h: Harness; p: Peer; u: TestUser }> {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    const res = await api(`/api/v1/accounts/${p.account.id}/follow`, { token: u.token, method: "POST" });
    expect(res.status).toBe(200);
    expect(await relationship(u, p.account.id)).toMatchObject({ following: false, requested: true });
    return { h, p, u };
  }

  it("Accept (Mastodon's, embedding our Follow) makes the follow active", async () => {
    const { h, p, u } = await pendingFollow();
    const accept = rebase(fixture("mastodon/activity-accept-follow_akkoma-fixtures.json"), {
      [`${MASTODON}/users/admin`]: p.actor.id,
      [LAIN]: localActorUri(u.account.username),
    });
    await h.apply(accept);
    expect(await relationship(u, p.account.id)).toMatchObject({ following: true, requested: false });
  });

  it("Accept naming our Follow only by its id (GoToSocial, Lemmy) makes the follow active", async () => {
    const { h, p, u } = await pendingFollow();
    const row = await env.DB.prepare("SELECT uri FROM follow_requests WHERE account_id = ? AND target_account_id = ?")
      .bind(u.account.id, p.account.id)
      .first<{ uri: string | null }>();
    expect(row?.uri).toMatch(/^http:\/\/petrel\.test\/users\//);
    await h.apply({ id: `${p.actor.id}#accepts/7`, type: "Accept", actor: p.actor.id, object: row?.uri });
    expect(await relationship(u, p.account.id)).toMatchObject({ following: true, requested: false });
  });

  it("Reject removes the request; a later Reject ends an accepted follow", async () => {
    const { h, p, u } = await pendingFollow();
    const follow = {
      id: `${localActorUri(u.account.username)}#follows/1`,
      type: "Follow",
      actor: localActorUri(u.account.username),
      object: p.actor.id,
    };
    await h.apply({ id: `${p.actor.id}#rejects/1`, type: "Reject", actor: p.actor.id, object: follow });
    expect(await relationship(u, p.account.id)).toMatchObject({ following: false, requested: false });

    expect((await api(`/api/v1/accounts/${p.account.id}/follow`, { token: u.token, method: "POST" })).status).toBe(200);
    await h.apply({ id: `${p.actor.id}#accepts/2`, type: "Accept", actor: p.actor.id, object: follow });
    expect(await relationship(u, p.account.id)).toMatchObject({ following: true });
    await h.apply({ id: `${p.actor.id}#rejects/3`, type: "Reject", actor: p.actor.id, object: follow });
    expect(await relationship(u, p.account.id)).toMatchObject({ following: false, requested: false });
  });

  it("an Accept of a Follow of someone else is refused and changes nothing", async () => {
    const { h, p, u } = await pendingFollow();
    const other = await peer("mallory");
    const follow = {
      id: `${localActorUri(u.account.username)}#follows/1`,
      type: "Follow",
      actor: localActorUri(u.account.username),
      object: p.actor.id,
    };
    await h.apply({ id: `${other.actor.id}#accepts/1`, type: "Accept", actor: other.actor.id, object: follow });
    expect(await relationship(u, p.account.id)).toMatchObject({ following: false, requested: true });
  });
});

describe("inbox Block", () => {
  it("ends follows both ways and its Undo lifts the block", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    await h.apply(mastodonDoc("mastodon/activity-follow_akkoma-fixtures.json", p, u));
    expect((await api(`/api/v1/accounts/${p.account.id}/follow`, { token: u.token, method: "POST" })).status).toBe(200);
    await h.apply({
      id: `${p.actor.id}#accepts/9`,
      type: "Accept",
      actor: p.actor.id,
      object: { type: "Follow", actor: localActorUri(u.account.username), object: p.actor.id },
    });
    expect(await relationship(u, p.account.id)).toMatchObject({ following: true, followed_by: true });

    const block = mastodonDoc("mastodon/activity-block_akkoma-fixtures.json", p, u);
    await h.apply(block);
    expect(await relationship(u, p.account.id)).toMatchObject({
      following: false,
      followed_by: false,
      requested: false,
      blocked_by: true,
    });
    expect(
      await rowCount(
        "SELECT count(*) AS n FROM blocks WHERE account_id = ? AND target_account_id = ?",
        p.account.id,
        u.account.id,
      ),
    ).toBe(1);

    const undo = mastodonDoc("mastodon/activity-undo-block_akkoma-fixtures.json", p, u);
    await h.apply(undo);
    expect(await relationship(u, p.account.id)).toMatchObject({ blocked_by: false });
  });
});
