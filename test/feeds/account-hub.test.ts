import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { accountHub, accountHubShard, addToManyFeeds, removeStatusFromFeeds } from "../../src/services/feeds";
import { FEED_CAP, type FeedEntry, REBLOG_FALLOFF } from "../../src/streaming/feed-store";

let hubCounter = 0;
/** A fresh AccountHub (an id no account uses). */
function freshHub() {
  hubCounter += 1;
  return accountHub(env, 9_000_000_000 + Date.now() * 10 + hubCounter);
}

const entry = (statusId: number, authorId = 1, reblogOf: [number, number] | null = null): FeedEntry => ({
  statusId,
  authorId,
  reblogOfId: reblogOf?.[0] ?? null,
  reblogAuthorId: reblogOf?.[1] ?? null,
});

const ids = (entries: FeedEntry[]) => entries.map((e) => e.statusId);

describe("AccountHub feed store", () => {
  it("pages newest first with max_id, since_id and min_id (immediately newer, newest first)", async () => {
    const hub = freshHub();
    for (let i = 1; i <= 10; i++) await hub.addToFeeds(entry(i * 10), [0]);
    expect(ids(await hub.pageFeed(0, { limit: 3 }))).toEqual([100, 90, 80]);
    expect(ids(await hub.pageFeed(0, { limit: 3, maxId: 80 }))).toEqual([70, 60, 50]);
    expect(ids(await hub.pageFeed(0, { limit: 40, sinceId: 70 }))).toEqual([100, 90, 80]);
    expect(ids(await hub.pageFeed(0, { limit: 3, minId: 20 }))).toEqual([50, 40, 30]);
    expect(ids(await hub.pageFeed(0, { limit: 10, minId: 20, maxId: 50 }))).toEqual([40, 30]);
    expect(ids(await hub.pageFeed(0, { limit: 3, maxId: 10 }))).toEqual([]);
  });

  it("keeps home and list feeds apart, and adding twice adds once", async () => {
    const hub = freshHub();
    expect(await hub.addToFeeds(entry(5), [0, 77])).toEqual([0, 77]);
    expect(await hub.addToFeeds(entry(5), [0, 77])).toEqual([]);
    await hub.addToFeeds(entry(6), [77]);
    expect(ids(await hub.pageFeed(0, { limit: 10 }))).toEqual([5]);
    expect(ids(await hub.pageFeed(77, { limit: 10 }))).toEqual([6, 5]);
    expect(await hub.feedSize(77)).toBe(2);
  });

  it("trims each feed to the cap on insert, dropping the oldest", async () => {
    const hub = freshHub();
    const many = Array.from({ length: FEED_CAP + 30 }, (_, i) => entry(i + 1));
    expect(await hub.mergeIntoFeed(0, many)).toBe(FEED_CAP + 30);
    expect(await hub.feedSize(0)).toBe(FEED_CAP);
    await hub.addToFeeds(entry(FEED_CAP + 100), [0]);
    expect(await hub.feedSize(0)).toBe(FEED_CAP);
    const oldest = await hub.pageFeed(0, { limit: 1, minId: 0 });
    expect(ids(oldest)).toEqual([32]);
  });

  it("skips a boost of a recent status or of a status already boosted in the feed", async () => {
    const hub = freshHub();
    await hub.addToFeeds(entry(100, 1), [0]);
    expect(await hub.addToFeeds(entry(101, 2, [100, 1]), [0])).toEqual([]);
    expect(await hub.addToFeeds(entry(102, 2, [50, 3]), [0])).toEqual([0]);
    expect(await hub.addToFeeds(entry(103, 4, [50, 3]), [0])).toEqual([]);
    // Once the original has fallen below the newest REBLOG_FALLOFF entries, a boost brings it back up.
    for (let i = 0; i < REBLOG_FALLOFF; i++) await hub.addToFeeds(entry(200 + i, 5), [0]);
    expect(await hub.addToFeeds(entry(300, 2, [100, 1]), [0])).toEqual([0]);
  });

  it("removes an author's statuses (and boosts of them unless told not to), and a status with its boosts", async () => {
    const hub = freshHub();
    await hub.mergeIntoFeed(0, [entry(1, 10), entry(2, 20, [7, 10]), entry(3, 20), entry(4, 30, [9, 20])]);
    await hub.addToFeeds(entry(5, 10), [0, 8]);
    expect(await hub.removeAuthor(10, { boostsOfAuthor: false })).toBe(3);
    expect(ids(await hub.pageFeed(0, { limit: 10 }))).toEqual([4, 3, 2]);
    expect(await hub.removeAuthor(20)).toBe(3);
    expect(ids(await hub.pageFeed(0, { limit: 10 }))).toEqual([]);

    await hub.mergeIntoFeed(0, [entry(12, 2, [11, 1]), entry(13, 3)]);
    await hub.addToFeeds(entry(11, 1), [9]);
    expect(await hub.removeStatus(11)).toBe(2);
    expect(ids(await hub.pageFeed(0, { limit: 10 }))).toEqual([13]);
    expect(ids(await hub.pageFeed(9, { limit: 10 }))).toEqual([]);
    expect(await hub.feedSize(0)).toBe(1);
  });

  it("removes an author from one list feed only, and clears a list feed", async () => {
    const hub = freshHub();
    await hub.addToFeeds(entry(1, 10), [0, 5, 6]);
    expect(await hub.removeAuthor(10, { feed: 5 })).toBe(1);
    expect(ids(await hub.pageFeed(0, { limit: 10 }))).toEqual([1]);
    expect(ids(await hub.pageFeed(5, { limit: 10 }))).toEqual([]);
    await hub.clearFeed(6);
    expect(ids(await hub.pageFeed(6, { limit: 10 }))).toEqual([]);
    expect(await hub.feedSize(6)).toBe(0);
  });
});

describe("AccountHub shards", () => {
  /** `n` fresh account ids that hash to the same shard. */
  function sameShard(n: number): number[] {
    const base = 9_500_000_000 + Date.now() * 10;
    const shard = accountHubShard(base);
    const out = [base];
    for (let id = base + 1; out.length < n; id++) if (accountHubShard(id) === shard) out.push(id);
    return out;
  }

  it("keeps the feeds of two accounts in one shard apart", async () => {
    const [a, b] = sameShard(2) as [number, number];
    const hubA = accountHub(env, a);
    const hubB = accountHub(env, b);
    await hubA.addToFeeds(entry(1, 10), [0, 5]);
    await hubB.addToFeeds(entry(2, 10), [0]);
    await hubB.addToFeeds(entry(1, 10), [0]);
    expect(ids(await hubA.pageFeed(0, { limit: 10 }))).toEqual([1]);
    expect(ids(await hubB.pageFeed(0, { limit: 10 }))).toEqual([2, 1]);
    expect(await hubB.feedSize(5)).toBe(0);

    expect(await hubA.removeAuthor(10)).toBe(2);
    expect(ids(await hubB.pageFeed(0, { limit: 10 }))).toEqual([2, 1]);
    expect(await hubB.removeStatus(1)).toBe(1);
    await hubA.addToFeeds(entry(3, 11), [5]);
    await hubB.clearFeed(0);
    expect(ids(await hubA.pageFeed(5, { limit: 10 }))).toEqual([3]);
    expect(await hubB.feedSize(0)).toBe(0);
  });

  it("writes one status into many accounts' feeds, one call per shard, and adds nothing the second time", async () => {
    const accounts = Array.from({ length: 40 }, (_, i) => 9_700_000_000 + Date.now() * 10 + i);
    expect(new Set(accounts.map(accountHubShard)).size).toBeGreaterThan(1);
    const targets = accounts.map((id, i) => ({ id, feeds: i % 2 === 0 ? [0] : [0, 7] }));
    await addToManyFeeds(env, entry(50, 3), targets, false);
    await addToManyFeeds(env, entry(50, 3), targets, false);
    for (const [i, id] of accounts.entries()) {
      expect(ids(await accountHub(env, id).pageFeed(0, { limit: 10 }))).toEqual([50]);
      expect(await accountHub(env, id).feedSize(7)).toBe(i % 2 === 0 ? 0 : 1);
    }
    await removeStatusFromFeeds(env, accounts.slice(0, 20), 50);
    expect(await accountHub(env, accounts[0] as number).feedSize(0)).toBe(0);
    expect(await accountHub(env, accounts[25] as number).feedSize(0)).toBe(1);
  });

  it("rejects when one shard's call fails, after the other shards have written their part", async () => {
    const base = 9_800_000_000 + Date.now() * 10;
    const broken = base;
    const healthy = Array.from({ length: 40 }, (_, i) => base + 1 + i).find(
      (id) => accountHubShard(id) !== accountHubShard(broken),
    ) as number;
    // A feed id of null breaks the NOT NULL column: that shard's call throws.
    const targets = [
      { id: broken, feeds: [null as unknown as number] },
      { id: healthy, feeds: [0] },
    ];
    await expect(addToManyFeeds(env, entry(60, 3), targets, false)).rejects.toThrow();
    expect(ids(await accountHub(env, healthy).pageFeed(0, { limit: 10 }))).toEqual([60]);
  });
});
