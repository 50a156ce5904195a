/**
 * Two Petrel instances on loopback (their own PORT, LOCAL_DOMAIN and PETREL_STATE_DIR) carry a whole
 * conversation through real HTTP, real signatures and real queues: WebFinger resolution, follows
 * (one to a locked account, authorized), posts of every visibility, a mention, a reply (and a reply
 * whose unknown parent is fetched), a boost, a
 * favourite, an edit, a delete, a poll vote, a profile update, an unfollow and blocks (either side) — each checked
 * through the other side's Mastodon API, polling with a deadline while the queues deliver.
 *
 * Alpha hosts alice; beta hosts bob and carol (locked).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { byUri, eventually, type Json, resolve, type Session, signIn } from "./helpers/fediverse";

let alpha: DevServer;
let beta: DevServer;
let alice: Session;
let bob: Session;
let carol: Session;
/** Accounts as the other server knows them. */
let aliceOnBeta: Json;
let bobOnAlpha: Json;
/** alice's posts (on alpha), by visibility. */
const posts: Record<string, Json> = {};

beforeAll(async () => {
  [alpha, beta] = await Promise.all([startDevServer(), startDevServer()]);
  // One CLI at a time per state directory (SQLite is locked while another writes).
  [alice, bob] = await Promise.all([signIn(alpha, "alice"), signIn(beta, "bob")]);
  carol = await signIn(beta, "carol");
}, 240_000);

afterAll(async () => {
  await Promise.all([alpha?.stop(), beta?.stop()]);
});

const relationship = async (s: Session, id: string): Promise<Json> =>
  (await s.get(`/api/v1/accounts/relationships?id[]=${id}`))[0];

const homeOf = (s: Session): Promise<Json[]> => s.get("/api/v1/timelines/home?limit=40");
const notificationsOf = (s: Session, type: string): Promise<Json[]> => s.get(`/api/v1/notifications?types[]=${type}&limit=40`);

describe("two Petrel instances", { timeout: 120_000 }, () => {
  it("resolves each other's accounts by handle (search and lookup) with acct user@domain", async () => {
    aliceOnBeta = await resolve(bob, alice.handle, "accounts");
    expect(aliceOnBeta.acct).toBe(`alice@${alpha.domain}`);
    expect(aliceOnBeta.username).toBe("alice");
    expect(aliceOnBeta.url).toMatch(new RegExp(`^${alpha.baseUrl}/`));

    bobOnAlpha = await alice.get(`/api/v1/accounts/lookup?acct=${encodeURIComponent(`bob@${beta.domain}`)}`);
    expect(bobOnAlpha.acct).toBe(`bob@${beta.domain}`);
    // The same account through every account endpoint.
    const again = await alice.get(`/api/v1/accounts/${bobOnAlpha.id}`);
    expect(again.acct).toBe(`bob@${beta.domain}`);
    // An unknown handle on a live peer stays unknown.
    await alice.get(`/api/v1/accounts/lookup?acct=${encodeURIComponent(`nobody@${beta.domain}`)}`, 404);
  });

  it("follows: pending until the Accept arrives, then following on both sides", async () => {
    const rel = await bob.post(`/api/v1/accounts/${aliceOnBeta.id}/follow`);
    // A remote follow waits for the other server's Accept, which comes back through two queues.
    expect(rel.requested).toBe(true);
    expect(rel.following).toBe(false);
    await eventually("bob follows alice (Accept applied on beta)", async () => {
      const r = await relationship(bob, aliceOnBeta.id);
      return r.following === true && r.requested === false;
    });
    const followers = await alice.get(`/api/v1/accounts/${alice.account.id}/followers`);
    expect(followers.map((a: Json) => a.acct)).toContain(`bob@${beta.domain}`);
    const aliceRel = await relationship(alice, bobOnAlpha.id);
    expect(aliceRel.followed_by).toBe(true);
  });

  it("follows a locked account: a follow request the owner authorizes", async () => {
    await carol.send("PATCH", "/api/v1/accounts/update_credentials", { locked: true });
    const carolOnAlpha = await resolve(alice, carol.handle, "accounts");
    expect(carolOnAlpha.locked).toBe(true);
    const rel = await alice.post(`/api/v1/accounts/${carolOnAlpha.id}/follow`);
    expect(rel.requested).toBe(true);
    expect(rel.following).toBe(false);
    const request = await eventually("alice's follow request reaches carol", async () => {
      const list = await carol.get("/api/v1/follow_requests");
      return list.find((a: Json) => a.acct === `alice@${alpha.domain}`);
    });
    // Still pending on alpha while carol has not answered.
    expect((await relationship(alice, carolOnAlpha.id)).requested).toBe(true);
    await carol.post(`/api/v1/follow_requests/${request.id}/authorize`);
    await eventually("carol's Accept reaches alpha", async () => {
      const r = await relationship(alice, carolOnAlpha.id);
      return r.following === true && r.requested === false;
    });
  });

  it("delivers posts of every visibility to the right people", async () => {
    for (const visibility of ["public", "unlisted", "private"]) {
      posts[visibility] = await alice.post("/api/v1/statuses", { status: `${visibility} post from alice`, visibility });
    }
    posts.direct = await alice.post("/api/v1/statuses", { status: `@bob@${beta.domain} a direct word`, visibility: "direct" });
    expect(posts.direct.mentions.map((m: Json) => m.acct)).toEqual([`bob@${beta.domain}`]);

    for (const visibility of ["public", "unlisted", "private"]) {
      const seen = await eventually(`${visibility} post in bob's home`, async () =>
        byUri(await homeOf(bob), posts[visibility].uri),
      );
      expect(seen.visibility).toBe(visibility);
      expect(seen.account.acct).toBe(`alice@${alpha.domain}`);
      expect(seen.content).toContain(`${visibility} post from alice`);
    }
    const mention = await eventually("direct post as a mention of bob", async () =>
      (await notificationsOf(bob, "mention")).find((n: Json) => n.status?.uri === posts.direct.uri),
    );
    expect(mention.status.visibility).toBe("direct");
    expect(mention.account.acct).toBe(`alice@${alpha.domain}`);
    // carol follows nobody on alpha: she never sees the private post.
    const carolView = await resolve(carol, posts.public.uri, "statuses");
    expect(carolView.uri).toBe(posts.public.uri);
    const privateForCarol = await carol.get(
      `/api/v2/search?resolve=true&type=statuses&q=${encodeURIComponent(posts.private.uri)}`,
    );
    expect(privateForCarol.statuses).toEqual([]);
  });

  it("carries a mention and a reply both ways, with the thread intact", async () => {
    const mention = await bob.post("/api/v1/statuses", { status: `hello @alice@${alpha.domain}, nice post` });
    expect(mention.mentions.map((m: Json) => m.acct)).toEqual([`alice@${alpha.domain}`]);
    expect(mention.content).toContain('class="u-url mention"');
    const note = await eventually("bob's mention notifies alice", async () =>
      (await notificationsOf(alice, "mention")).find((n: Json) => n.status?.uri === mention.uri),
    );
    expect(note.account.acct).toBe(`bob@${beta.domain}`);

    const reply = await alice.post("/api/v1/statuses", {
      status: `@bob@${beta.domain} thanks!`,
      in_reply_to_id: note.status.id,
    });
    const replyOnBeta = await eventually("alice's reply reaches bob", async () =>
      (await notificationsOf(bob, "mention")).find((n: Json) => n.status?.uri === reply.uri),
    );
    expect(replyOnBeta.status.in_reply_to_id).toBe(mention.id);
    const context = await bob.get(`/api/v1/statuses/${mention.id}/context`);
    expect(context.descendants.map((s: Json) => s.uri)).toContain(reply.uri);
  });

  it("fetches the unknown parent of a remote reply", async () => {
    // alpha never received bob's root (alice does not follow bob and is not mentioned in it).
    const root = await bob.post("/api/v1/statuses", { status: "a root alpha has not seen" });
    const reply = await carol.post("/api/v1/statuses", {
      status: `@alice@${alpha.domain} look at this thread`,
      in_reply_to_id: root.id,
    });
    const note = await eventually("carol's reply reaches alice", async () =>
      (await notificationsOf(alice, "mention")).find((n: Json) => n.status?.uri === reply.uri),
    );
    expect(note.status.in_reply_to_id).not.toBeNull();
    const parent = await alice.get(`/api/v1/statuses/${note.status.in_reply_to_id}`);
    expect(parent.uri).toBe(root.uri);
    expect(parent.account.acct).toBe(`bob@${beta.domain}`);
  });

  it("boosts and favourites reach the author", async () => {
    const onBeta = byUri(await homeOf(bob), posts.public.uri);
    await bob.post(`/api/v1/statuses/${onBeta.id}/reblog`);
    await bob.post(`/api/v1/statuses/${onBeta.id}/favourite`);
    const boost = await eventually("boost notification on alpha", async () =>
      (await notificationsOf(alice, "reblog")).find((n: Json) => n.status?.id === posts.public.id),
    );
    expect(boost.account.acct).toBe(`bob@${beta.domain}`);
    const fav = await eventually("favourite notification on alpha", async () =>
      (await notificationsOf(alice, "favourite")).find((n: Json) => n.status?.id === posts.public.id),
    );
    expect(fav.account.acct).toBe(`bob@${beta.domain}`);
    const counted = await alice.get(`/api/v1/statuses/${posts.public.id}`);
    expect(counted.reblogs_count).toBe(1);
    expect(counted.favourites_count).toBe(1);
    const favouritedBy = await alice.get(`/api/v1/statuses/${posts.public.id}/favourited_by`);
    expect(favouritedBy.map((a: Json) => a.acct)).toEqual([`bob@${beta.domain}`]);
    const rebloggedBy = await alice.get(`/api/v1/statuses/${posts.public.id}/reblogged_by`);
    expect(rebloggedBy.map((a: Json) => a.acct)).toEqual([`bob@${beta.domain}`]);
    // The remote author's posts on its profile, as beta stores them.
    const profile = await bob.get(`/api/v1/accounts/${aliceOnBeta.id}/statuses?limit=40`);
    expect(profile.map((s: Json) => s.uri)).toContain(posts.public.uri);
    expect(profile.every((s: Json) => s.account.acct === `alice@${alpha.domain}`)).toBe(true);
  });

  it("edits and deletes reach followers", async () => {
    const onBeta = byUri(await homeOf(bob), posts.public.uri);
    await alice
      .send("PUT", `/api/v1/statuses/${posts.public.id}`, { status: "public post from alice, edited" })
      .then(async (r) => {
        expect(r.status, await r.clone().text()).toBe(200);
      });
    const edited = await eventually("edit on beta", async () => {
      const s = await bob.get(`/api/v1/statuses/${onBeta.id}`);
      return s.content.includes("edited") ? s : undefined;
    });
    expect(edited.edited_at).not.toBeNull();
    const history = await bob.get(`/api/v1/statuses/${onBeta.id}/history`);
    expect(history.length).toBe(2);

    const unlisted = byUri(await homeOf(bob), posts.unlisted.uri);
    const del = await alice.send("DELETE", `/api/v1/statuses/${posts.unlisted.id}`);
    expect(del.status).toBe(200);
    await eventually("delete on beta", async () => (await bob.send("GET", `/api/v1/statuses/${unlisted.id}`)).status === 404);
  });

  it("a remote vote counts in the poll", async () => {
    const poll = await alice.post("/api/v1/statuses", {
      status: "tea or coffee?",
      poll: { options: ["tea", "coffee"], expires_in: 3600 },
    });
    const onBeta = await eventually("poll on beta", async () => byUri(await homeOf(bob), poll.uri));
    expect(onBeta.poll.options.map((o: Json) => o.title)).toEqual(["tea", "coffee"]);
    await bob.post(`/api/v1/polls/${onBeta.poll.id}/votes`, { choices: ["1"] });
    const counted = await eventually("vote counted on alpha", async () => {
      const p = await alice.get(`/api/v1/polls/${poll.poll.id}`);
      return p.votes_count === 1 ? p : undefined;
    });
    expect(counted.options[1].votes_count).toBe(1);
  });

  it("a profile update reaches the other server", async () => {
    const res = await alice.send("PATCH", "/api/v1/accounts/update_credentials", {
      display_name: "Alice of Alpha",
      note: "federated bio",
    });
    expect(res.status).toBe(200);
    const updated = await eventually("profile on beta", async () => {
      const a = await bob.get(`/api/v1/accounts/${aliceOnBeta.id}`);
      return a.display_name === "Alice of Alpha" ? a : undefined;
    });
    expect(updated.note).toContain("federated bio");
  });

  it("unfollow and block end the relationship on the other side", async () => {
    await bob.post(`/api/v1/accounts/${aliceOnBeta.id}/unfollow`);
    await eventually("unfollow applied on alpha", async () => (await relationship(alice, bobOnAlpha.id)).followed_by === false);

    // carol still follows nobody on alpha, but alice follows carol: blocking carol ends it there too.
    const carolOnAlpha = await resolve(alice, carol.handle, "accounts");
    const aliceOnBetaForCarol = await resolve(carol, alice.handle, "accounts");
    await carol.post(`/api/v1/accounts/${aliceOnBetaForCarol.id}/block`);
    await eventually("block applied on alpha", async () => {
      const r = await relationship(alice, carolOnAlpha.id);
      return r.following === false && r.blocked_by === true;
    });
    // Nothing alice posts reaches carol now.
    const after = await alice.post("/api/v1/statuses", { status: "after the block" });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(byUri(await homeOf(carol), after.uri)).toBeUndefined();
  });

  it("a block by the followed side ends the follow on the follower's server (Reject, then Block)", async () => {
    // bob follows alice again (alice is unlocked: following once alpha's Accept arrives).
    await bob.post(`/api/v1/accounts/${aliceOnBeta.id}/follow`);
    await eventually("bob follows alice again", async () => (await relationship(bob, aliceOnBeta.id)).following === true);
    await alice.post(`/api/v1/accounts/${bobOnAlpha.id}/block`);
    const rel = await eventually("block applied on beta", async () => {
      const r = await relationship(bob, aliceOnBeta.id);
      return r.blocked_by === true ? r : undefined;
    });
    expect(rel).toMatchObject({ following: false, requested: false, blocked_by: true });
    const following: Json[] = await bob.get(`/api/v1/accounts/${bob.account.id}/following`);
    expect(following.map((a) => a.id)).not.toContain(aliceOnBeta.id);
    expect((await relationship(alice, bobOnAlpha.id)).followed_by).toBe(false);
  });
});
