/**
 * The actor collections: outbox (public and unlisted posts as Create/Announce, paged by id),
 * followers/following (totals; pages unless the network is hidden), featured (pins as objects)
 * and featured tags.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { createTestUser } from "../helpers/fixtures";
import { LOCAL } from "./helpers";
import { follow, getJson, insertStatus, remote } from "./outbound-helpers";

type Json = Record<string, unknown>;

async function json(path: string): Promise<Json> {
  const res = await getJson(path);
  expect(res.status, path).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/activity\+json/);
  return res.json<Json>();
}

const pathOf = (url: unknown) => String(url).slice(LOCAL.length);

describe("actor collections", { timeout: 60_000 }, () => {
  it("pages the outbox newest first with public and unlisted posts only", async () => {
    const me = await createTestUser();
    const name = me.account.username;
    const ids: number[] = [];
    for (let i = 0; i < 22; i++) ids.push(await insertStatus(me.account.id, { visibility: i % 2 ? "unlisted" : "public" }));
    const hidden = await insertStatus(me.account.id, { visibility: "private" });
    const dm = await insertStatus(me.account.id, { visibility: "direct" });
    const other = await remote();
    const original = await insertStatus(other.account.id, { local: false, uri: `${other.actor.id}/statuses/1` });
    const boost = await insertStatus(me.account.id, { reblogOf: original });

    const outbox = await json(`/users/${name}/outbox`);
    const base = `${LOCAL}/users/${name}/outbox`;
    // Like Mastodon, the total is the account's statuses count (kept by triggers), not a count of the pages.
    const counted = await env.DB.prepare("SELECT statuses_count AS n FROM accounts WHERE id = ?")
      .bind(me.account.id)
      .first<{ n: number }>();
    expect(counted?.n).toBeGreaterThanOrEqual(22);
    expect(outbox).toMatchObject({ id: base, type: "OrderedCollection", totalItems: counted?.n, first: `${base}?page=true` });
    expect(outbox.last).toBe(`${base}?min_id=0&page=true`);

    const first = await json(pathOf(outbox.first));
    expect(first).toMatchObject({ type: "OrderedCollectionPage", partOf: base });
    const items = first.orderedItems as Json[];
    expect(items).toHaveLength(20);
    expect(items[0]).toMatchObject({
      type: "Announce",
      id: `${LOCAL}/users/${name}/statuses/${boost}/activity`,
      object: `${other.actor.id}/statuses/1`,
    });
    expect(items[1]).toMatchObject({
      type: "Create",
      object: { id: `${LOCAL}/users/${name}/statuses/${ids[21]}`, type: "Note" },
    });
    const all = JSON.stringify(first);
    expect(all).not.toContain(`statuses/${hidden}`);
    expect(all).not.toContain(`statuses/${dm}`);

    const second = await json(pathOf(first.next));
    const rest = second.orderedItems as Json[];
    expect(rest.map((a) => (a.object as Json).id)).toEqual(
      ids
        .slice(0, 3)
        .reverse()
        .map((id) => `${LOCAL}/users/${name}/statuses/${id}`),
    );
    expect(second).not.toHaveProperty("next");
    const browser = await getJson(`/users/${name}/outbox`, "text/html");
    expect(browser.status).toBe(302);
  });

  it("lists followers and following with totals, paged, unless the account hides its network", async () => {
    const me = await createTestUser();
    const name = me.account.username;
    const fans = [await remote(), await remote()];
    for (const f of fans) await follow(f.account.id, me.account.id);
    const idol = await createTestUser();
    await follow(me.account.id, idol.account.id);

    const followers = await json(`/users/${name}/followers`);
    expect(followers).toMatchObject({
      type: "OrderedCollection",
      totalItems: 2,
      first: `${LOCAL}/users/${name}/followers?page=true`,
    });
    const page = await json(pathOf(followers.first));
    expect(page).toMatchObject({ type: "OrderedCollectionPage", totalItems: 2, partOf: `${LOCAL}/users/${name}/followers` });
    expect(page.orderedItems).toEqual([fans[1]?.actor.id, fans[0]?.actor.id]);
    const following = await json(`/users/${name}/following?page=true`);
    expect(following.orderedItems).toEqual([`${LOCAL}/users/${idol.account.username}`]);

    await env.DB.prepare("UPDATE accounts SET hide_collections = 1 WHERE id = ?").bind(me.account.id).run();
    const hiddenSummary = await json(`/users/${name}/followers`);
    expect(hiddenSummary.totalItems).toBe(2);
    expect(hiddenSummary).not.toHaveProperty("first");
    expect((await getJson(`/users/${name}/followers?page=true`)).status).toBe(403);
    expect((await getJson(`/users/nobody_${newId()}/followers`)).status).toBe(404);
  });

  it("serves pinned public posts as featured objects, and an empty featured-tags collection", async () => {
    const me = await createTestUser();
    const name = me.account.username;
    const pinned = await insertStatus(me.account.id, { text: "pinned" });
    const privatePinned = await insertStatus(me.account.id, { visibility: "private" });
    for (const id of [pinned, privatePinned]) {
      await env.DB.prepare("INSERT INTO status_pins (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?)")
        .bind(newId(), me.account.id, id, Date.now())
        .run();
    }
    const featured = await json(`/users/${name}/collections/featured`);
    expect(featured).toMatchObject({
      id: `${LOCAL}/users/${name}/collections/featured`,
      type: "OrderedCollection",
      totalItems: 1,
    });
    expect(featured.orderedItems).toEqual([
      expect.objectContaining({ id: `${LOCAL}/users/${name}/statuses/${pinned}`, type: "Note" }),
    ]);
    const tags = await json(`/users/${name}/collections/tags`);
    expect(tags).toMatchObject({ type: "Collection", id: `${LOCAL}/users/${name}/collections/tags` });
    expect(Array.isArray(tags.items)).toBe(true);
  });

  it("serves a status's replies, likes and shares collections", async () => {
    const me = await createTestUser();
    const name = me.account.username;
    const other = await createTestUser();
    const id = await insertStatus(me.account.id);
    const reply = await insertStatus(other.account.id, { inReplyTo: { id, accountId: me.account.id } });
    await insertStatus(other.account.id, { inReplyTo: { id, accountId: me.account.id }, visibility: "private" });
    const replies = await json(`/users/${name}/statuses/${id}/replies`);
    expect(replies).toMatchObject({ type: "Collection", first: { type: "CollectionPage" } });
    expect((replies.first as Json).items).toEqual([`${LOCAL}/users/${other.account.username}/statuses/${reply}`]);
    const likes = await json(`/users/${name}/statuses/${id}/likes`);
    expect(likes).toMatchObject({ type: "Collection", totalItems: 0 });
  });
});
