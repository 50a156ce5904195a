import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { accountHub } from "../../src/services/feeds";
import { home, post, relate, users } from "../feeds/helpers";
import { api } from "../helpers/fixtures";

describe("home timeline", () => {
  it("holds the viewer's own statuses and those and boosts of followed accounts, not others'", async () => {
    const [alice, bob, carol] = await users(3);
    if (!alice || !bob || !carol) throw new Error("users");
    await relate(alice, bob.account.id, "follow");
    const fromBob = await post(bob.account.id);
    const own = await post(alice.account.id);
    const fromCarol = await post(carol.account.id);
    const boost = await post(bob.account.id, { reblogOf: fromCarol });

    const page = await home(alice);
    expect(page.ids).toEqual([boost, own, fromBob]);
    expect(page.reblogs).toEqual([fromCarol, null, null]);
  });

  it("leaves out boosts of accounts followed with reblogs off", async () => {
    const [dave, bob, carol] = await users(3);
    if (!dave || !bob || !carol) throw new Error("users");
    await relate(dave, bob.account.id, "follow", { reblogs: "false" });
    const original = await post(carol.account.id);
    await post(bob.account.id, { reblogOf: original });
    const own = await post(bob.account.id);
    expect((await home(dave)).ids).toEqual([own]);
  });

  it("pulls a newly followed account's recent statuses in, and drops them again on unfollow", async () => {
    const [alice, bob] = await users(2);
    if (!alice || !bob) throw new Error("users");
    const earlier = [await post(bob.account.id), await post(bob.account.id, { visibility: "private" })];
    await post(bob.account.id, { visibility: "direct" });
    await relate(alice, bob.account.id, "follow");
    expect((await home(alice)).ids).toEqual([...earlier].reverse());

    await relate(alice, bob.account.id, "unfollow");
    expect((await home(alice)).ids).toEqual([]);
    await post(bob.account.id);
    expect((await home(alice)).ids).toEqual([]);
  });

  it("drops a blocked account's statuses and boosts of them, and gets none afterwards", async () => {
    const [erin, frank, gina] = await users(3);
    if (!erin || !frank || !gina) throw new Error("users");
    await relate(erin, frank.account.id, "follow");
    await relate(erin, gina.account.id, "follow");
    const byFrank = await post(frank.account.id);
    await post(gina.account.id, { reblogOf: byFrank });
    const byGina = await post(gina.account.id);
    expect((await home(erin)).ids).toContain(byFrank);

    await relate(erin, frank.account.id, "block");
    expect((await home(erin)).ids).toEqual([byGina]);
    await post(frank.account.id);
    expect((await home(erin)).ids).toEqual([byGina]);
  });

  it("drops a muted account's statuses and keeps new ones out while the follow stays", async () => {
    const [hal, ivy] = await users(2);
    if (!hal || !ivy) throw new Error("users");
    await relate(hal, ivy.account.id, "follow");
    await post(ivy.account.id);
    await relate(hal, ivy.account.id, "mute");
    expect((await home(hal)).ids).toEqual([]);
    await post(ivy.account.id);
    expect((await home(hal)).ids).toEqual([]);

    await relate(hal, ivy.account.id, "unmute");
    expect((await home(hal)).ids.length).toBe(2);
  });

  it("drops muted authors at read time too (a status that raced the mute), with few or many mutes, and not expired ones", async () => {
    const [reader, muted, expired] = await users(3);
    if (!reader || !muted || !expired) throw new Error("users");
    const mute = "INSERT INTO mutes (id, account_id, target_account_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)";
    await env.DB.prepare(mute).bind(newId(), reader.account.id, muted.account.id, null, Date.now()).run();
    await env.DB.prepare(mute)
      .bind(newId(), reader.account.id, expired.account.id, Date.now() - 1000, Date.now())
      .run();
    const fromMuted = await post(muted.account.id);
    const fromExpired = await post(expired.account.id);
    // Straight into the feed, as if the fanout had read the followers before the mute landed.
    const hub = accountHub(env, reader.account.id);
    for (const [statusId, authorId] of [
      [fromMuted, muted.account.id],
      [fromExpired, expired.account.id],
    ] as const) {
      await hub.addToFeeds({ statusId, authorId, reblogOfId: null, reblogAuthorId: null }, [0]);
    }
    expect((await home(reader)).ids).toEqual([fromExpired]);

    // Past MUTES_READ_WHOLE mutes the lookup is bounded by the page's authors instead.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70)
       INSERT INTO mutes (id, account_id, target_account_id, created_at) SELECT ? + i, ?, i, 0 FROM n`,
    )
      .bind(-Date.now() * 1000, reader.account.id)
      .run();
    expect((await home(reader)).ids).toEqual([fromExpired]);
  });

  it("puts private statuses in followers' homes, and direct ones in the homes of mentioned followers only (as Mastodon)", async () => {
    const [author, follower, mentioned, mentionedFollower, stranger] = await users(5);
    if (!author || !follower || !mentioned || !mentionedFollower || !stranger) throw new Error("users");
    await relate(follower, author.account.id, "follow");
    await relate(mentionedFollower, author.account.id, "follow");
    const both = [mentioned.account.id, mentionedFollower.account.id];
    const priv = await post(author.account.id, { visibility: "private", mentions: both });
    const direct = await post(author.account.id, { visibility: "direct", mentions: both });

    expect((await home(follower)).ids).toEqual([priv]);
    expect((await home(mentionedFollower)).ids).toEqual([direct, priv]);
    // A mentioned non-follower sees both through notifications (and conversations), not in home.
    expect((await home(mentioned)).ids).toEqual([]);
    expect((await home(stranger)).ids).toEqual([]);
    expect((await home(author)).ids).toEqual([direct, priv]);
  });

  it("applies Mastodon's reply rule: replies to others only reach followers of both", async () => {
    const [author, other, followsAuthor, followsBoth] = await users(4);
    if (!author || !other || !followsAuthor || !followsBoth) throw new Error("users");
    await relate(followsAuthor, author.account.id, "follow");
    await relate(followsBoth, author.account.id, "follow");
    await relate(followsBoth, other.account.id, "follow");
    const root = await post(other.account.id, { fanout: false });
    const reply = await post(author.account.id, { inReplyTo: { id: root, accountId: other.account.id } });
    const selfRoot = await post(author.account.id, { fanout: false });
    const selfReply = await post(author.account.id, { inReplyTo: { id: selfRoot, accountId: author.account.id } });
    const toFollower = await post(author.account.id, { inReplyTo: { id: root, accountId: followsAuthor.account.id } });

    expect((await home(followsAuthor)).ids).toEqual([toFollower, selfReply]);
    expect((await home(followsBoth)).ids).toEqual([selfReply, reply]);
  });

  it("respects the languages chosen for a follow", async () => {
    const [reader, author] = await users(2);
    if (!reader || !author) throw new Error("users");
    await relate(reader, author.account.id, "follow", { "languages[]": "de" });
    await post(author.account.id, { language: "en" });
    const german = await post(author.account.id, { language: "de" });
    const unknown = await post(author.account.id, { language: null });
    expect((await home(reader)).ids).toEqual([unknown, german]);
  });

  it("does not add a boost of a status the feed already shows", async () => {
    const [reader, author, booster] = await users(3);
    if (!reader || !author || !booster) throw new Error("users");
    await relate(reader, author.account.id, "follow");
    await relate(reader, booster.account.id, "follow");
    const original = await post(author.account.id);
    await post(booster.account.id, { reblogOf: original });
    const other = await post(author.account.id);
    expect((await home(reader)).ids).toEqual([other, original]);
    // The booster's own home keeps its boost: the rule is per feed.
    expect((await home(booster)).reblogs).toEqual([original]);
  });

  it("pages over 45 statuses with Link headers, each status once, and stops", async () => {
    const [reader, author] = await users(2);
    if (!reader || !author) throw new Error("users");
    await relate(reader, author.account.id, "follow");
    const posted: number[] = [];
    for (let i = 0; i < 45; i++) posted.push(await post(author.account.id));
    const newestFirst = [...posted].reverse();

    const seen: number[] = [];
    let path: string | undefined = "/api/v1/timelines/home";
    let pages = 0;
    while (path) {
      const page = await home(reader, path.split("?")[1] ?? "");
      pages += 1;
      seen.push(...page.ids);
      const next = /<([^>]+)>; rel="next"/.exec(page.link ?? "")?.[1];
      if (page.ids.length === 0) expect(page.link).toBeNull();
      path = next ? new URL(next).pathname + new URL(next).search : undefined;
      expect(pages).toBeLessThan(6);
    }
    expect(seen).toEqual(newestFirst);
    expect(pages).toBe(4);

    // min_id walks up from the cursor: the statuses immediately newer, newest first.
    const up = await home(reader, `min_id=${posted[4]}&limit=3`);
    expect(up.ids).toEqual([posted[7], posted[6], posted[5]]);
    const prev = /<([^>]+)>; rel="prev"/.exec(up.link ?? "")?.[1];
    expect(prev).toContain(`min_id=${posted[7]}`);
    const since = await home(reader, `since_id=${posted[40]}&limit=40`);
    expect(since.ids).toEqual(newestFirst.slice(0, 4));
    const between = await home(reader, `max_id=${posted[10]}&since_id=${posted[7]}`);
    expect(between.ids).toEqual([posted[9], posted[8]]);
  });

  it("refuses garbage paging parameters and anonymous requests", async () => {
    const [reader] = await users(1);
    if (!reader) throw new Error("users");
    for (const q of ["max_id=abc", "since_id=-1", "min_id=1.5"]) {
      const res = await api(`/api/v1/timelines/home?${q}`, { token: reader.token });
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/must be a numeric id/);
    }
    expect((await api("/api/v1/timelines/home?limit=abc", { token: reader.token })).status).toBe(200);
    expect((await api("/api/v1/timelines/home")).status).toBe(401);
  });

  it("reports in-Worker time, D1 time and rows read in Server-Timing", async () => {
    const [reader] = await users(1);
    if (!reader) throw new Error("users");
    await post(reader.account.id);
    const page = await home(reader);
    const timing = page.res.headers.get("server-timing") ?? "";
    expect(timing).toMatch(/app;dur=[\d.]+/);
    expect(timing).toMatch(/d1;dur=[\d.]+;desc="rows=\d+ written=\d+ queries=\d+"/);
    expect(timing).toMatch(/hub;dur=/);
  });
});
