/**
 * The social core end to end, driven by a real Mastodon client library (masto.js) against one real
 * local instance (`npm run dev` on workerd): follows and relationships, posting with every visibility,
 * home and public timelines (fed by the fan-out queue consumer), replies and context, boosts,
 * favourites, bookmarks, notifications, pins, edits and their history, polls and votes, deletion,
 * Link-header paging through masto's `for await` paginator, and what mutes and blocks do.
 *
 * Every step asserts what Mastodon would show and checks the JSON the server sent (recorded before
 * masto camelizes it) against Mastodon's OpenAPI entities.
 */
import { createRestAPIClient, type mastodon } from "masto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import {
  anonymousStatus,
  byOrOf,
  checkedCalls,
  dupes,
  expectEmptyPrevPage,
  expectWalkedOnceNewestFirst,
  httpStatusOf,
  mentioning,
  mustHave,
  signIn,
  until,
  walk,
} from "./helpers/masto-steps";
import { createAccount } from "./helpers/petrel-cli";
import { ResponseLog } from "./helpers/response-log";

type Rest = mastodon.rest.Client;
const SCOPES = "read write follow push";

const log = new ResponseLog();
const { checked, checkPages, homePage, homeIds } = checkedCalls(log);
let server: DevServer;
let alice: Rest;
let bob: Rest;
const tokens: Record<string, string> = {};
let aliceAccount: mastodon.v1.Account;
let bobAccount: mastodon.v1.Account;

/** Bob's statuses of step 2, by visibility. */
const posted: Partial<Record<mastodon.v1.StatusVisibility, mastodon.v1.Status>> = {};
let aliceReply: mastodon.v1.Status;

beforeAll(async () => {
  log.install();
  server = await startDevServer();
  const users = [await createAccount(server.stateDir, "alice"), await createAccount(server.stateDir, "bob")];
  const clients = await signIn(server.baseUrl, users, SCOPES, "Petrel social e2e");
  [alice, bob] = clients.map((c) => c.client) as [Rest, Rest];
  for (const c of clients) tokens[c.user.username] = c.token;
  aliceAccount = await alice.v1.accounts.verifyCredentials();
  bobAccount = await bob.v1.accounts.verifyCredentials();
});

afterAll(async () => {
  await server?.stop();
  log.uninstall();
});

describe("the social core through masto.js", { timeout: 60_000 }, () => {
  it("1. alice and bob follow each other; relationships show it both ways", async () => {
    const followed = await checked("Relationship", () => alice.v1.accounts.$select(bobAccount.id).follow());
    expect(followed.id).toBe(bobAccount.id);
    expect(followed.following).toBe(true);
    expect(followed.requested).toBe(false);
    expect(followed.followedBy).toBe(false);

    const back = await checked("Relationship", () => bob.v1.accounts.$select(aliceAccount.id).follow());
    expect(back.following).toBe(true);
    expect(back.followedBy).toBe(true);

    const fromAlice = await checked(
      "Relationship",
      () => alice.v1.accounts.relationships.fetch({ id: [bobAccount.id, aliceAccount.id] }),
      { array: true },
    );
    expect(fromAlice).toHaveLength(2);
    const aliceToBob = fromAlice.find((r) => r.id === bobAccount.id);
    expect(aliceToBob).toMatchObject({
      following: true,
      followedBy: true,
      showingReblogs: true,
      notifying: false,
      blocking: false,
      blockedBy: false,
      muting: false,
      requested: false,
    });
    const aliceSelf = fromAlice.find((r) => r.id === aliceAccount.id);
    expect(aliceSelf).toMatchObject({ following: false, followedBy: false });

    const [bobToAlice] = await checked("Relationship", () => bob.v1.accounts.relationships.fetch({ id: [aliceAccount.id] }), {
      array: true,
    });
    expect(bobToAlice).toMatchObject({ id: aliceAccount.id, following: true, followedBy: true });

    const bobNow = await checked("Account", () => alice.v1.accounts.$select(bobAccount.id).fetch());
    expect(bobNow.followersCount).toBe(1);
    expect(bobNow.followingCount).toBe(1);
  });

  it("2. bob posts with every visibility; alice's home has all four, the public timelines only the public one", async () => {
    posted.public = await checked("Status", () => bob.v1.statuses.create({ status: "public hello", visibility: "public" }));
    posted.unlisted = await checked("Status", () => bob.v1.statuses.create({ status: "unlisted hello", visibility: "unlisted" }));
    posted.private = await checked("Status", () => bob.v1.statuses.create({ status: "private hello", visibility: "private" }));
    posted.direct = await checked("Status", () =>
      bob.v1.statuses.create({ status: "@alice direct hello", visibility: "direct" }),
    );
    for (const visibility of ["public", "unlisted", "private", "direct"] as const) {
      const status = mustHave(posted[visibility], visibility);
      expect(status.visibility).toBe(visibility);
      expect(status.account.id).toBe(bobAccount.id);
    }
    expect(posted.direct?.mentions.map((m) => m.acct)).toEqual(["alice"]);
    expect(posted.public?.content).toBe("<p>public hello</p>");

    const all = Object.values(posted).map((s) => s.id);
    const home = await until(
      () => homeIds(alice),
      (ids) => all.every((id) => ids.includes(id)),
    );
    // Newest first.
    expect(home).toEqual([...all].reverse());

    const publicTimeline = await checked("Status", () => alice.v1.timelines.public.list(), { array: true });
    expect(publicTimeline.map((s) => s.id)).toEqual([posted.public?.id]);
    const localTimeline = await checked("Status", () => alice.v1.timelines.public.list({ local: true }), { array: true });
    expect(localTimeline.map((s) => s.id)).toEqual([posted.public?.id]);
    const anonymousPublic = await checked(
      "Status",
      () => createRestAPIClient({ url: server.baseUrl }).v1.timelines.public.list({ local: true }),
      { array: true },
    );
    expect(anonymousPublic.map((s) => s.id)).toEqual([posted.public?.id]);

    const privateId = mustHave(posted.private, "private").id;
    expect((await anonymousStatus(server.baseUrl, privateId)).status).toBe(404);
    expect((await anonymousStatus(server.baseUrl, mustHave(posted.direct, "direct").id)).status).toBe(404);
    expect((await anonymousStatus(server.baseUrl, mustHave(posted.unlisted, "unlisted").id)).status).toBe(200);
    // Alice follows bob, so she can open the private one.
    const asAlice = await checked("Status", () => alice.v1.statuses.$select(privateId).fetch());
    expect(asAlice.visibility).toBe("private");
  });

  it("3. alice replies; the contexts show the reply as descendant and the status as ancestor", async () => {
    const original = mustHave(posted.public, "bob's public status");
    aliceReply = await checked("Status", () =>
      alice.v1.statuses.create({ status: "@bob nice one", inReplyToId: original.id, visibility: "public" }),
    );
    expect(aliceReply.inReplyToId).toBe(original.id);
    expect(aliceReply.inReplyToAccountId).toBe(bobAccount.id);
    expect(aliceReply.mentions.map((m) => m.id)).toEqual([bobAccount.id]);

    const down = await checked("Context", () => bob.v1.statuses.$select(original.id).context.fetch());
    expect(down.ancestors).toEqual([]);
    expect(down.descendants.map((s) => s.id)).toEqual([aliceReply.id]);

    const up = await checked("Context", () => alice.v1.statuses.$select(aliceReply.id).context.fetch());
    expect(up.ancestors.map((s) => s.id)).toEqual([original.id]);
    expect(up.descendants).toEqual([]);

    const again = await checked("Status", () => bob.v1.statuses.$select(original.id).fetch());
    expect(again.repliesCount).toBe(1);
  });

  it("4. alice boosts, favourites and bookmarks; bob is notified; the counts are 1", async () => {
    const original = mustHave(posted.public, "bob's public status");
    const reblog = await checked("Status", () => alice.v1.statuses.$select(original.id).reblog());
    expect(reblog.reblog?.id).toBe(original.id);
    expect(reblog.account.id).toBe(aliceAccount.id);
    expect(reblog.reblog?.reblogged).toBe(true);
    expect(reblog.reblog?.reblogsCount).toBe(1);

    const favourited = await checked("Status", () => alice.v1.statuses.$select(original.id).favourite());
    expect(favourited.id).toBe(original.id);
    expect(favourited.favourited).toBe(true);
    expect(favourited.favouritesCount).toBe(1);

    const bookmarked = await checked("Status", () => alice.v1.statuses.$select(original.id).bookmark());
    expect(bookmarked.bookmarked).toBe(true);

    const forAlice = await checked("Status", () => alice.v1.statuses.$select(original.id).fetch());
    expect(forAlice).toMatchObject({
      reblogged: true,
      favourited: true,
      bookmarked: true,
      reblogsCount: 1,
      favouritesCount: 1,
      repliesCount: 1,
    });
    const forBob = await checked("Status", () => bob.v1.statuses.$select(original.id).fetch());
    expect(forBob).toMatchObject({
      reblogged: false,
      favourited: false,
      bookmarked: false,
      reblogsCount: 1,
      favouritesCount: 1,
    });

    const wanted = ["favourite", "follow", "mention", "reblog"];
    const notifications = await until(
      () => checked("Notification", () => bob.v1.notifications.list(), { array: true }),
      (list) => wanted.every((type) => list.some((n) => n.type === type)),
    );
    expect(notifications.map((n) => n.type).sort()).toEqual(wanted);
    for (const n of notifications) expect(n.account.id).toBe(aliceAccount.id);
    expect(notifications.find((n) => n.type === "mention")?.status?.id).toBe(aliceReply.id);
    expect(notifications.find((n) => n.type === "reblog")?.status?.id).toBe(original.id);
    expect(notifications.find((n) => n.type === "favourite")?.status?.id).toBe(original.id);
    expect(notifications.find((n) => n.type === "follow")?.status ?? null).toBeNull();
  });

  it("5. bob pins his public status; the pinned filter returns it", async () => {
    const original = mustHave(posted.public, "bob's public status");
    const pinned = await checked("Status", () => bob.v1.statuses.$select(original.id).pin());
    expect(pinned.pinned).toBe(true);
    const list = await checked("Status", () => alice.v1.accounts.$select(bobAccount.id).statuses.list({ pinned: true }), {
      array: true,
    });
    expect(list.map((s) => s.id)).toEqual([original.id]);
    const own = await checked("Status", () => bob.v1.accounts.$select(bobAccount.id).statuses.list({ pinned: true }), {
      array: true,
    });
    expect(own.map((s) => [s.id, s.pinned])).toEqual([[original.id, true]]);
  });

  it("6. bob edits his public status; history has two entries; alice (who boosted) gets `update`", async () => {
    const original = mustHave(posted.public, "bob's public status");
    const edited = await checked("Status", () => bob.v1.statuses.$select(original.id).update({ status: "edited" }));
    expect(edited.id).toBe(original.id);
    expect(edited.content).toBe("<p>edited</p>");
    expect(edited.editedAt).toBeTruthy();

    const history = await checked("StatusEdit", () => bob.v1.statuses.$select(original.id).history.list(), { array: true });
    expect(history).toHaveLength(2);
    expect(history.map((h) => h.content)).toEqual(["<p>public hello</p>", "<p>edited</p>"]);

    const notifications = await until(
      () => checked("Notification", () => alice.v1.notifications.list({ types: ["update"] }), { array: true }),
      (list) => list.length > 0,
    );
    expect(notifications.map((n) => [n.type, n.account.id, n.status?.id])).toEqual([["update", bobAccount.id, original.id]]);
    expect(notifications[0]?.status?.content).toBe("<p>edited</p>");
  });

  it("7. bob posts a poll; alice votes; the poll shows her vote", async () => {
    const status = await checked("Status", () =>
      bob.v1.statuses.create({ status: "a or b?", poll: { options: ["a", "b"], expiresIn: 3600 } }),
    );
    const poll = mustHave(status.poll ?? undefined, "poll");
    expect(poll.options.map((o) => o.title)).toEqual(["a", "b"]);
    expect(poll.multiple).toBe(false);
    expect(poll.expired).toBe(false);
    expect(poll.votesCount).toBe(0);
    // Mastodon counts voters on every local poll (PostStatusService sets voters_count 0, VoteService adds
    // one per voter; REST::PollSerializer always renders it), not only on multiple-choice ones.
    expect.soft(poll.votersCount, "voters_count of a new single-choice local poll").toBe(0);

    const voted = await checked("Poll", () => alice.v1.polls.$select(poll.id).votes.create({ choices: [1] }));
    expect(voted.voted).toBe(true);
    expect(voted.ownVotes).toEqual([1]);
    expect(voted.votesCount).toBe(1);
    expect.soft(voted.votersCount, "voters_count after one vote").toBe(1);
    expect(voted.options.map((o) => o.votesCount)).toEqual([0, 1]);

    const forAlice = await checked("Poll", () => alice.v1.polls.$select(poll.id).fetch());
    expect(forAlice).toMatchObject({ voted: true, ownVotes: [1], votesCount: 1 });
    // Mastodon counts the author as having voted (Poll#voted?), with no own votes.
    const forBob = await checked("Poll", () => bob.v1.polls.$select(poll.id).fetch());
    expect(forBob).toMatchObject({ voted: true, ownVotes: [], votesCount: 1 });
    // A second vote on a single-choice poll is refused.
    expect(await httpStatusOf(() => alice.v1.polls.$select(poll.id).votes.create({ choices: [0] }))).toBe(422);
  });

  it("8. bob deletes his unlisted status: returned with `text`, gone from alice's home, 404", async () => {
    const unlisted = mustHave(posted.unlisted, "bob's unlisted status");
    const deleted = await checked("Status", () => bob.v1.statuses.$select(unlisted.id).remove());
    expect(deleted.id).toBe(unlisted.id);
    expect(deleted.text).toBe("unlisted hello");

    const home = await until(
      () => homeIds(alice),
      (ids) => !ids.includes(unlisted.id),
    );
    expect(home).not.toContain(unlisted.id);
    expect(home).toContain(mustHave(posted.private, "private").id);
    expect((await anonymousStatus(server.baseUrl, unlisted.id)).status).toBe(404);
    expect(await httpStatusOf(() => bob.v1.statuses.$select(unlisted.id).fetch())).toBe(404);
  });

  it("9. masto's paginator walks 45 new statuses once each and stops by itself", { timeout: 120_000 }, async () => {
    const created: string[] = [];
    for (let n = 1; n <= 45; n++) {
      const status = await bob.v1.statuses.create({ status: `n${n}`, visibility: "public" });
      created.push(status.id);
    }
    expect(dupes(created)).toEqual([]);

    // Let the fan-out deliver all 45 before walking with the small page size.
    const filled = await until(
      () => walk(alice.v1.timelines.home.list({ limit: 40 })),
      (w) => created.every((id) => w.ids.includes(id)),
      30_000,
    );
    expect(created.filter((id) => !filled.ids.includes(id))).toEqual([]);

    const homeMark = log.mark();
    const home = await walk(alice.v1.timelines.home.list({ limit: 10 }));
    expectWalkedOnceNewestFirst(home, created);
    expect(home.ids).toEqual(filled.ids);
    // Every page but the last holds 10.
    expect(home.pages).toBeGreaterThanOrEqual(5);
    const homePages = log.since(homeMark).filter((r) => r.url.pathname === "/api/v1/timelines/home");
    for (const page of homePages.slice(0, -2)) expect((page.body as unknown[]).length).toBe(10);
    checkPages("Status", homeMark, "/api/v1/timelines/home");
    await expectEmptyPrevPage(server.baseUrl, tokens.alice ?? "", homePages[0]?.headers.get("link") ?? null, home.ids[0]);

    const accountMark = log.mark();
    const statuses = await walk(alice.v1.accounts.$select(bobAccount.id).statuses.list({ limit: 10 }));
    expectWalkedOnceNewestFirst(statuses, created);
    // Before the 45: the poll, the direct one (mentions alice), the private one (she follows), the edited public one.
    const earlier = [posted.public, posted.private, posted.direct].map((s) => mustHave(s, "step 2 status").id);
    for (const id of earlier) expect(statuses.ids).toContain(id);
    expect(statuses.ids).not.toContain(mustHave(posted.unlisted, "unlisted").id);
    expect(statuses.ids).toHaveLength(45 + 4);
    checkPages("Status", accountMark, `/api/v1/accounts/${bobAccount.id}/statuses`);
  });

  it("10a. a mute hides bob from alice's home until it is lifted", async () => {
    const before = await homePage(alice);
    expect(byOrOf(before, bobAccount).length).toBeGreaterThan(0);

    const muted = await checked("Relationship", () => alice.v1.accounts.$select(bobAccount.id).mute());
    expect(muted).toMatchObject({ muting: true, mutingNotifications: true, following: true, followedBy: true });

    const cleaned = await until(
      () => homePage(alice),
      (page) => byOrOf(page, bobAccount).length === 0,
    );
    expect(byOrOf(cleaned, bobAccount)).toEqual([]);
    // Mastodon's FeedManager#clear_from_home also drops statuses that mention the muted account, such
    // as alice's own "@bob nice one".
    expect.soft(mentioning(cleaned, bobAccount), "statuses mentioning bob left in alice's home after the mute").toEqual([]);

    const whileMuted = await bob.v1.statuses.create({ status: "while muted", visibility: "public" });
    // The fan-out message that feeds bob's own home also handles his followers; once the status is in
    // bob's home, give the rest of that message a moment before checking that alice's home lacks it.
    const bobHome = await until(
      () => homeIds(bob),
      (ids) => ids.includes(whileMuted.id),
    );
    expect(bobHome).toContain(whileMuted.id);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await homeIds(alice)).not.toContain(whileMuted.id);

    const unmuted = await checked("Relationship", () => alice.v1.accounts.$select(bobAccount.id).unmute());
    expect(unmuted).toMatchObject({ muting: false, following: true });

    const afterUnmute = await bob.v1.statuses.create({ status: "after unmute", visibility: "public" });
    const back = await until(
      () => homeIds(alice),
      (ids) => ids.includes(afterUnmute.id),
    );
    expect(back).toContain(afterUnmute.id);
  });

  it("10b. a block breaks both follows, empties alice's home of bob and hides alice from bob", async () => {
    const alicePublic = await alice.v1.statuses.create({ status: "alice in public", visibility: "public" });
    expect((await bob.v1.statuses.$select(alicePublic.id).fetch()).id).toBe(alicePublic.id);

    const blocked = await checked("Relationship", () => alice.v1.accounts.$select(bobAccount.id).block());
    expect(blocked).toMatchObject({ blocking: true, following: false, followedBy: false, requested: false });

    const [fromAlice] = await checked("Relationship", () => alice.v1.accounts.relationships.fetch({ id: [bobAccount.id] }), {
      array: true,
    });
    expect(fromAlice).toMatchObject({ blocking: true, blockedBy: false, following: false, followedBy: false });
    const [fromBob] = await checked("Relationship", () => bob.v1.accounts.relationships.fetch({ id: [aliceAccount.id] }), {
      array: true,
    });
    expect(fromBob).toMatchObject({ blocking: false, blockedBy: true, following: false, followedBy: false });

    const cleaned = await until(
      () => homePage(alice),
      (page) => byOrOf(page, bobAccount).length === 0,
    );
    expect(byOrOf(cleaned, bobAccount)).toEqual([]);
    expect.soft(mentioning(cleaned, bobAccount), "statuses mentioning bob left in alice's home after the block").toEqual([]);

    expect(await httpStatusOf(() => bob.v1.statuses.$select(alicePublic.id).fetch())).toBe(404);

    const unblocked = await checked("Relationship", () => alice.v1.accounts.$select(bobAccount.id).unblock());
    expect(unblocked).toMatchObject({ blocking: false, following: false, followedBy: false });
    expect((await bob.v1.statuses.$select(alicePublic.id).fetch()).id).toBe(alicePublic.id);
  });
});
