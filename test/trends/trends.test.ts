import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { newId } from "../../src/ids";
import { runScheduled } from "../../src/scheduled";
import { RECOMPUTE_EVERY, refreshTrends } from "../../src/services/trends/compute";
import { post, relate, users } from "../feeds/helpers";
import { api, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

async function get<T>(path: string, token?: string): Promise<{ body: T; link: string | null }> {
  const res = await api(path, token ? { token } : {});
  expect(res.status, await res.clone().text()).toBe(200);
  return { body: (await res.json()) as T, link: res.headers.get("link") };
}

const db = () => createDb(env.DB);

async function card(url: string, title: string): Promise<number> {
  const id = newId();
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO preview_cards (id, url, title, description, author_name, author_url, provider_name, provider_url, embed_url,
       fetched_at, created_at, updated_at)
     VALUES (?, ?, ?, 'd', 'Ann', 'https://example.com/ann', 'Example', 'https://example.com/', 'https://example.com/embed', ?, ?, ?)`,
  )
    .bind(id, url, title, now, now, now)
    .run();
  return id;
}

async function attach(statusId: number, cardId: number, url: string): Promise<void> {
  await env.DB.prepare("INSERT INTO preview_card_statuses (status_id, preview_card_id, url) VALUES (?, ?, ?)")
    .bind(statusId, cardId, url)
    .run();
}

describe("trends", () => {
  it("ranks tags by distinct accounts per day, statuses by interactions, links by accounts sharing them", async () => {
    const authors = await users(5);
    const [a, b, c, d, viewer] = authors;
    if (!a || !b || !c || !d || !viewer) throw new Error("users");
    const big = uniqueName("big").toLowerCase();
    const small = uniqueName("small").toLowerCase();
    const lone = uniqueName("lone").toLowerCase();
    const hidden = uniqueName("hid").toLowerCase();
    for (const u of [a, b, c, d]) await post(u.account.id, { tags: [big], fanout: false });
    await post(a.account.id, { tags: [small], fanout: false });
    await post(b.account.id, { tags: [small], fanout: false });
    // Many uses by one account do not make a trend.
    for (let i = 0; i < 3; i++) await post(a.account.id, { tags: [lone], fanout: false });
    // Unlisted statuses do not count.
    for (const u of [a, b, c]) await post(u.account.id, { tags: [hidden], visibility: "unlisted", fanout: false });

    for (const u of [a, b]) await env.DB.prepare("UPDATE accounts SET discoverable = 1 WHERE id = ?").bind(u.account.id).run();
    const hot = await post(a.account.id, { fanout: false });
    const warm = await post(b.account.id, { fanout: false });
    const sensitive = await post(a.account.id, { fanout: false });
    const undiscoverable = await post(c.account.id, { fanout: false });
    await env.DB.batch([
      env.DB.prepare("UPDATE statuses SET favourites_count = 900000, reblogs_count = 90000 WHERE id = ?").bind(hot),
      env.DB.prepare("UPDATE statuses SET favourites_count = 800000 WHERE id = ?").bind(warm),
      env.DB.prepare("UPDATE statuses SET favourites_count = 950000, sensitive = 1 WHERE id = ?").bind(sensitive),
      env.DB.prepare("UPDATE statuses SET favourites_count = 990000 WHERE id = ?").bind(undiscoverable),
    ]);

    const url = `https://example.com/${uniqueName("article")}`;
    const cardId = await card(url, "An article");
    const s1 = await post(a.account.id, { fanout: false });
    const s2 = await post(b.account.id, { fanout: false });
    await attach(s1, cardId, url);
    await attach(s2, cardId, url);

    expect(await refreshTrends(db(), Date.now(), { force: true })).toBe(true);

    const tags =
      await get<Array<{ name: string; history: Array<{ uses: string; accounts: string }> }>>("/api/v1/trends/tags?limit=20");
    expectEntity("Tag", tags.body, { array: true });
    const names = tags.body.map((t) => t.name);
    expect(names).toContain(big);
    expect(names).toContain(small);
    expect(names.indexOf(big)).toBeLessThan(names.indexOf(small));
    expect(names).not.toContain(lone);
    expect(names).not.toContain(hidden);
    const bigTag = tags.body.find((t) => t.name === big);
    expect(bigTag?.history[0]).toMatchObject({ uses: "4", accounts: "4" });
    const alias = await get<unknown[]>("/api/v1/trends?limit=20");
    expect(alias.body).toEqual(tags.body);

    const statuses = await get<Array<{ id: string }>>("/api/v1/trends/statuses");
    expectEntity("Status", statuses.body, { array: true });
    const ids = statuses.body.map((s) => s.id);
    expect(ids.slice(0, 2)).toEqual([String(hot), String(warm)]);
    expect(ids).not.toContain(String(sensitive));
    expect(ids).not.toContain(String(undiscoverable));
    await relate(viewer, a.account.id, "mute");
    const filtered = await get<Array<{ id: string }>>("/api/v1/trends/statuses", viewer.token);
    expect(filtered.body.map((s) => s.id)[0]).toBe(String(warm));

    const links = await get<Array<{ url: string; history: Array<{ uses: string; accounts: string }> }>>("/api/v1/trends/links");
    expectEntity("TrendsLink", links.body, { array: true });
    const link = links.body.find((l) => l.url === url);
    expect(link?.history[0]).toMatchObject({ uses: "2", accounts: "2" });
    const timeline = await get<Array<{ id: string }>>(`/api/v1/timelines/link?url=${encodeURIComponent(url)}`);
    expectEntity("Status", timeline.body, { array: true });
    expect(timeline.body.map((s) => s.id)).toEqual([String(s2), String(s1)]);
    const unknown = await api(`/api/v1/timelines/link?url=${encodeURIComponent("https://example.com/nope")}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: "Record not found" });
  }, 30_000);

  it("pages with offset and limit and Mastodon's Link headers", async () => {
    const authors = await users(3);
    for (let i = 0; i < 4; i++) {
      const tag = uniqueName(`pg${i}x`).toLowerCase();
      for (const u of authors) await post(u.account.id, { tags: [tag], fanout: false });
    }
    await refreshTrends(db(), Date.now(), { force: true });
    const all = await get<Array<{ name: string }>>("/api/v1/trends/tags?limit=20");
    expect(all.body.length).toBeGreaterThanOrEqual(4);
    const first = await get<Array<{ name: string }>>("/api/v1/trends/tags?limit=2");
    expect(first.body.map((t) => t.name)).toEqual(all.body.slice(0, 2).map((t) => t.name));
    expect(first.link).toBe('<http://petrel.test/api/v1/trends/tags?limit=2&offset=2>; rel="next"');
    const third = await get<Array<{ name: string }>>("/api/v1/trends/tags?limit=1&offset=2");
    expect(third.body.map((t) => t.name)).toEqual([all.body[2]?.name]);
    expect(third.link).toContain('<http://petrel.test/api/v1/trends/tags?limit=1&offset=1>; rel="prev"');
    const beyond = await get<unknown[]>("/api/v1/trends/tags?offset=1000");
    expect(beyond.body).toEqual([]);
    // Mastodon: no `next` after a short page; `prev` whenever the offset passes one page.
    expect(beyond.link).toBe('<http://petrel.test/api/v1/trends/tags?offset=990>; rel="prev"');
    // A negative offset is 0, a limit above the maximum is the maximum (20 for tags).
    const clamped = await get<unknown[]>("/api/v1/trends/tags?offset=-3&limit=500");
    expect(clamped.body.length).toBe(Math.min(all.body.length, 20));
  }, 30_000);

  it("is recomputed by the cron at most every 15 minutes", async () => {
    const now = Date.now();
    expect(await refreshTrends(db(), now, { force: true })).toBe(true);
    expect(await refreshTrends(db(), now + 60_000)).toBe(false);
    expect(await refreshTrends(db(), now + RECOMPUTE_EVERY)).toBe(true);

    await env.DB.prepare("UPDATE instance_settings SET value = '0' WHERE key = 'trends_computed_at'").run();
    const tag = uniqueName("cron").toLowerCase();
    for (const u of await users(2)) await post(u.account.id, { tags: [tag], fanout: false });
    await runScheduled(Date.now(), env);
    const stamp = await env.DB.prepare("SELECT value FROM instance_settings WHERE key = 'trends_computed_at'").first<{
      value: string;
    }>();
    expect(Number(stamp?.value)).toBeGreaterThan(now);
    const tags = await get<Array<{ name: string }>>("/api/v1/trends/tags?limit=20");
    expect(tags.body.map((t) => t.name)).toContain(tag);
  });
});
