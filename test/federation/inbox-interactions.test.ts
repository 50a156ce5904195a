/**
 * INBOX consumer: Like (Mastodon, Misskey reactions, Pleroma EmojiReact) and Announce with their Undo,
 * Add/Remove of pinned posts, Move, Flag, unknown types, malformed messages and a gone actor's other
 * activities: counts and notifications through the API, rows in D1.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { inboxRetryDelaySeconds } from "../../src/federation/inbox-consumer";
import { newId } from "../../src/ids";
import { api, createTestUser, type TestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { serveActor } from "./helpers";
import {
  create,
  fixture,
  Harness,
  type Json,
  localActorUri,
  note,
  type Peer,
  PUBLIC,
  peer,
  peerAt,
  rebase,
  rowCount,
  statusIdByUri,
} from "./inbox-consumer-helpers";

const MASTODON = "http://mastodon.example.org";

async function localPost(u: TestUser, json: Json = { status: "local words" }): Promise<{ id: string; uri: string }> {
  const res = await api("/api/v1/statuses", { token: u.token, json });
  expect(res.status).toBe(200);
  const id = String(((await res.json()) as Json).id);
  return { id, uri: `${localActorUri(u.account.username)}/statuses/${id}` };
}

async function statusJson(id: string | number, token: string): Promise<Json> {
  const res = await api(`/api/v1/statuses/${id}`, { token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  expectEntity("Status", body);
  return body;
}

async function notifications(u: TestUser, type: string): Promise<Array<{ account: { acct: string }; status: { id: string } }>> {
  const res = await api(`/api/v1/notifications?types[]=${type}`, { token: u.token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json[];
  expectEntity("Notification", body, { array: true });
  return body as unknown as Array<{ account: { acct: string }; status: { id: string } }>;
}

function mastodonDoc(path: string, p: Peer, replacements: Record<string, string>): Json {
  return rebase(fixture(path), { ...replacements, [`${MASTODON}/users/admin`]: p.actor.id, [MASTODON]: p.origin });
}

describe("inbox Like", () => {
  it("favourites a local post with a notification; Undo takes both back", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    const post = await localPost(u);
    const like = mastodonDoc("mastodon/activity-like_akkoma-fixtures.json", p, {
      "http://localtesting.pleroma.lol/objects/eb92579d-3417-42a8-8652-2492c2d4f454": post.uri,
    });
    await h.apply(like);
    await h.apply(like);
    expect((await statusJson(post.id, u.token)).favourites_count).toBe(1);
    expect((await notifications(u, "favourite")).map((n) => [n.account.acct, n.status.id])).toEqual([
      [`admin@${p.host}`, post.id],
    ]);
    const who = await api(`/api/v1/statuses/${post.id}/favourited_by`, { token: u.token });
    expect(((await who.json()) as Json[]).map((a) => a.id)).toEqual([String(p.account.id)]);

    const undo = mastodonDoc("mastodon/activity-undo-like_akkoma-fixtures.json", p, {
      "http://localtesting.pleroma.lol/objects/eb92579d-3417-42a8-8652-2492c2d4f454": post.uri,
    });
    await h.apply(undo);
    expect((await statusJson(post.id, u.token)).favourites_count).toBe(0);
    expect(await notifications(u, "favourite")).toEqual([]);
  });

  it("takes Misskey's reaction Like and Pleroma's EmojiReact as favourites; an Undo by id works too", async () => {
    const h = new Harness();
    const [misskey, akko, u] = await Promise.all([peer("8x8yep20u2"), peer("akko"), createTestUser()]);
    const post = await localPost(u);
    const reaction = rebase(fixture("misskey/activity-like-custom-emoji-reaction_akkoma-fixtures.json"), {
      "https://misskey.local.live/users/8x8yep20u2": misskey.actor.id,
      "https://misskey.local.live": misskey.origin,
      "https://pleroma.local.live/objects/89937a53-2692-4631-bb62-770091267391": post.uri,
    });
    await h.apply(reaction);
    const react = rebase(fixture("akkoma/activity-emojireact-unicode-docs.json"), {
      "https://example.org/users/akko": akko.actor.id,
      "https://example.org": akko.origin,
      "https://remote.example/objects/9f0e93499d8314a9": post.uri,
    });
    await h.apply(react);
    expect((await statusJson(post.id, u.token)).favourites_count).toBe(2);

    await h.apply({ id: `${misskey.actor.id}/undo/1`, type: "Undo", actor: misskey.actor.id, object: reaction.id });
    expect((await statusJson(post.id, u.token)).favourites_count).toBe(1);
  });

  it("refuses a favourite of a followers-only post by a non-follower", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    const post = await localPost(u, { status: "followers only", visibility: "private" });
    await h.apply({ id: `${p.actor.id}#likes/1`, type: "Like", actor: p.actor.id, object: post.uri });
    expect((await statusJson(post.id, u.token)).favourites_count).toBe(0);
  });
});

describe("inbox Announce", () => {
  it("boosts a local post with a notification; Mastodon's Undo removes the boost", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    const post = await localPost(u);
    const announce = mastodonDoc("mastodon/activity-announce_akkoma-fixtures.json", p, {
      "http://mastodon.example.org/@admin/99541947525187367": post.uri,
    });
    await h.apply(announce);
    expect((await statusJson(post.id, u.token)).reblogs_count).toBe(1);
    expect((await notifications(u, "reblog")).map((n) => [n.account.acct, n.status.id])).toEqual([[`admin@${p.host}`, post.id]]);
    const boostId = await statusIdByUri(String(announce.id));
    const boost = await statusJson(String(boostId), u.token);
    expect(boost).toMatchObject({ reblog: { id: post.id }, account: { acct: `admin@${p.host}` } });

    const undo = mastodonDoc("mastodon/activity-undo-announce_akkoma-fixtures.json", p, {
      "http://mastodon.example.org/@admin/99541947525187367": post.uri,
    });
    await h.apply(undo);
    expect(await statusIdByUri(String(announce.id))).toBeUndefined();
    expect((await statusJson(post.id, u.token)).reblogs_count).toBe(0);
  });

  it("of a remote post it fetches: stored with its author when a local user follows the booster", async () => {
    const h = new Harness();
    const [booster, author, u] = await Promise.all([peer("booster"), peer("author"), createTestUser()]);
    await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(newId(), u.account.id, booster.account.id, Date.now())
      .run();
    serveActor(h.net, author.actor);
    const original = note(author, { content: "<p>worth sharing</p>" });
    h.net.json(String(original.id), original);
    const announce = {
      id: `${booster.actor.id}/statuses/${newId()}/activity`,
      type: "Announce",
      actor: booster.actor.id,
      object: original.id,
      to: [PUBLIC],
      cc: [`${booster.actor.id}/followers`],
    };
    await h.apply(announce);
    const originalId = await statusIdByUri(String(original.id));
    const boostId = await statusIdByUri(announce.id);
    expect(originalId).toBeTypeOf("number");
    const boost = await statusJson(String(boostId), u.token);
    expect(boost).toMatchObject({ visibility: "public", reblog: { id: String(originalId), content: "<p>worth sharing</p>" } });
    await h.runFanout();
    const home = await api("/api/v1/timelines/home", { token: u.token });
    expect(((await home.json()) as Json[]).map((s) => s.id)).toContain(String(boostId));
  });

  it("refuses a boost of a followers-only post", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    const post = await localPost(u, { status: "mine only", visibility: "private" });
    const announce = {
      id: `${p.actor.id}/statuses/${newId()}/activity`,
      type: "Announce",
      actor: p.actor.id,
      object: post.uri,
      to: [PUBLIC],
    };
    await h.apply(announce);
    expect(await statusIdByUri(announce.id)).toBeUndefined();
  });
});

describe("inbox Add/Remove, Move, Flag and the rest", () => {
  it("Add and Remove to the featured collection pin and unpin the actor's own post", async () => {
    const h = new Harness();
    const p = await peer();
    const featured = `${p.actor.id}/collections/featured`;
    await env.DB.prepare("UPDATE accounts SET featured_url = ? WHERE id = ?").bind(featured, p.account.id).run();
    const u = await createTestUser();
    await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(newId(), u.account.id, p.account.id, Date.now())
      .run();
    const object = note(p);
    await h.apply(create(p, object));
    const id = await statusIdByUri(String(object.id));
    await h.apply({ id: `${p.actor.id}#add/1`, type: "Add", actor: p.actor.id, object: object.id, target: featured });
    const pinned = await api(`/api/v1/accounts/${p.account.id}/statuses?pinned=true`, { token: u.token });
    expect(((await pinned.json()) as Json[]).map((s) => s.id)).toEqual([String(id)]);
    await h.apply({ id: `${p.actor.id}#remove/1`, type: "Remove", actor: p.actor.id, object: object.id, target: featured });
    expect(await rowCount("SELECT count(*) AS n FROM status_pins WHERE status_id = ?", id)).toBe(0);
    // Another collection (Lemmy's community featured) is not the actor's pins.
    await h.apply({
      id: `${p.actor.id}#add/2`,
      type: "Add",
      actor: p.actor.id,
      object: object.id,
      target: `${p.origin}/c/main/featured`,
    });
    expect(await rowCount("SELECT count(*) AS n FROM status_pins WHERE status_id = ?", id)).toBe(0);
  });

  it("Update of a Person refreshes the profile (GoToSocial's), but only the actor's own", async () => {
    const h = new Harness();
    const host = `${uniqueName("gts")}.example`;
    const zork = await peerAt(`https://${host}/users/the_mighty_zork`);
    const update = rebase(fixture("gotosocial/activity-update-person.json"), { "http://localhost:8080": `https://${host}` });
    const mallory = await peer("mallory", host);
    await h.apply({ ...update, id: `${mallory.actor.id}#updates/1`, actor: mallory.actor.id });
    expect(((await (await api(`/api/v1/accounts/${zork.account.id}`)).json()) as Json).display_name).not.toBe(
      "original zork (he/they)",
    );

    await h.apply(update);
    const account = (await (await api(`/api/v1/accounts/${zork.account.id}`)).json()) as Json;
    expectEntity("Account", account);
    expect(account).toMatchObject({ display_name: "original zork (he/they)", acct: `the_mighty_zork@${host}` });
    const row = await env.DB.prepare("SELECT featured_url FROM accounts WHERE id = ?")
      .bind(zork.account.id)
      .first<{ featured_url: string }>();
    expect(row?.featured_url).toBe(`https://${host}/users/the_mighty_zork/collections/featured`);
  });

  it("Move records the new account when it lists the old one as an alias, and not otherwise", async () => {
    const h = new Harness();
    const [old, fresh] = await Promise.all([peer("alice"), peer("alice2")]);
    const move = rebase(fixture("mastodon/activity-move-docs.json"), {
      "https://mastodon.example/users/alice": old.actor.id,
      "https://alice.com/users/109835986274379": fresh.actor.id,
    });
    serveActor(h.net, fresh.actor);
    await h.apply(move);
    expect(
      await rowCount("SELECT count(*) AS n FROM accounts WHERE id = ? AND moved_to_account_id IS NOT NULL", old.account.id),
    ).toBe(0);

    fresh.actor.document = { ...fresh.actor.document, alsoKnownAs: [old.actor.id] };
    serveActor(h.net, fresh.actor);
    await h.apply({ ...move, id: `${old.actor.id}#moves/2` });
    // The Account entity does not render `moved` yet (src/entities/account.ts), so D1 is read directly.
    const row = await env.DB.prepare("SELECT moved_to_account_id AS moved FROM accounts WHERE id = ?")
      .bind(old.account.id)
      .first<{ moved: number }>();
    expect(row?.moved).toBe(fresh.account.id);
  });

  it("stores a Flag as a report for the moderators; acks unknown types, and an actor other than the signer's", async () => {
    const h = new Harness();
    const [p, u, mod] = await Promise.all([peer(), createTestUser(), createTestUser({ role: "moderator" })]);
    const reported = await localPost(u);
    const flag = {
      id: `${p.actor.id}#flags/1`,
      type: "Flag",
      actor: p.actor.id,
      content: "spam",
      object: [localActorUri(u.account.username), reported.uri, "https://elsewhere.example/notes/1"],
    };
    expect(await h.deliver(flag)).toMatchObject({ acked: true, retried: false });
    const report = await env.DB.prepare("SELECT comment, status_ids, account_id FROM reports WHERE target_account_id = ?")
      .bind(u.account.id)
      .first<{ comment: string; status_ids: string; account_id: number }>();
    expect(report?.comment).toBe("spam");
    expect(JSON.parse(report?.status_ids ?? "[]")).toEqual([Number(reported.id)]);
    // Staff hear of it, from the Flag's actor.
    const told = (await notifications(mod, "admin.report")) as unknown as Array<{
      account: { acct: string };
      report: { target_account: { id: string }; comment: string };
    }>;
    expect(told.find((n) => n.report.target_account.id === String(u.account.id))).toMatchObject({
      account: { acct: `${p.account.username}@${p.host}` },
      report: { comment: "spam" },
    });
    const dislike = rebase(fixture("lemmy/activity-dislike-page_lemmy-assets.json"), {
      "http://enterprise.lemmy.ml/u/lemmy_beta": p.actor.id,
    });
    expect(await h.deliver(dislike)).toMatchObject({ acked: true, retried: false });
    const other = await peer();
    const post = await localPost(u);
    const forged = { id: `${other.actor.id}#likes/1`, type: "Like", actor: other.actor.id, object: post.uri };
    expect(await h.deliver(forged, p.actor.id)).toMatchObject({ acked: true, retried: false });
    expect((await statusJson(post.id, u.token)).favourites_count).toBe(0);
  });

  it("takes only a Delete from a gone actor, and retries malformed messages towards the dead-letter queue", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    const post = await localPost(u);
    const like = { id: `${p.actor.id}#likes/1`, type: "Like", actor: p.actor.id, object: post.uri };
    expect(await h.deliver(like, p.actor.id, { actorGone: true })).toMatchObject({ acked: true });
    expect((await statusJson(post.id, u.token)).favourites_count).toBe(0);

    const unknownActor = `https://${p.host}/users/nobody`;
    const stray = { id: `${unknownActor}#likes/1`, type: "Like", actor: unknownActor, object: post.uri };
    // Its document 404s: permanent, acked.
    expect(await h.deliver(stray)).toMatchObject({ acked: true, retried: false });
    const malformed = await h.deliver(stray, undefined, { rawBody: { type: "inbox.activity", v: 2, activity: "nope" } });
    expect(malformed).toMatchObject({ acked: false, retried: true });
    expect(inboxRetryDelaySeconds(1)).toBe(30);
    expect(inboxRetryDelaySeconds(3)).toBe(120);
    expect(inboxRetryDelaySeconds(40)).toBe(6 * 3600);
  });
});
