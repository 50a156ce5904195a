import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { post } from "../feeds/helpers";
import { api, createTestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

interface Featured {
  id: string;
  name: string;
  url: string;
  statuses_count: string;
  last_status_at: string | null;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

async function count(accountId: number): Promise<number> {
  const row = await env.DB.prepare("SELECT count(*) AS n FROM featured_tags WHERE account_id = ?")
    .bind(accountId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("featured tags", () => {
  it("features a tag with its count and date, lists it on the profile, and deletes it", async () => {
    const user = await createTestUser();
    const name = uniqueName("Feat");
    const key = name.toLowerCase();
    await post(user.account.id, { tags: [key], fanout: false });
    await post(user.account.id, { tags: [key], visibility: "unlisted", fanout: false });
    await post(user.account.id, { tags: [key], visibility: "private", fanout: false });

    const created = await json<Featured>(await api("/api/v1/featured_tags", { token: user.token, form: { name: `#${name}` } }));
    expectEntity("FeaturedTag", created);
    // The tag existed (from the posts): its display name is the one first written.
    expect(created.name).toBe(key);
    expect(created.url).toBe(`http://petrel.test/@${user.account.username}/tagged/${key}`);
    expect(created.statuses_count).toBe("2");
    expect(created.last_status_at).toBe(new Date().toISOString().slice(0, 10));
    // Featuring it again answers the same one.
    const again = await json<Featured>(await api("/api/v1/featured_tags", { token: user.token, json: { name: key } }));
    expect(again.id).toBe(created.id);

    const mine = await json<Featured[]>(await api("/api/v1/featured_tags", { token: user.token }));
    expectEntity("FeaturedTag", mine, { array: true });
    expect(mine.map((f) => f.id)).toEqual([created.id]);
    const anon = await json<Featured[]>(await api(`/api/v1/accounts/${user.account.id}/featured_tags`));
    expect(anon).toEqual(mine);
    const tag = await json<{ featuring?: boolean }>(await api(`/api/v1/tags/${key}`, { token: user.token }));
    expect(tag.featuring).toBe(true);

    expect(await json(await api(`/api/v1/featured_tags/${created.id}`, { token: user.token, method: "DELETE" }))).toEqual({});
    expect(await json(await api("/api/v1/featured_tags", { token: user.token }))).toEqual([]);
    const gone = await api(`/api/v1/featured_tags/${created.id}`, { token: user.token, method: "DELETE" });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: "Record not found" });
  });

  it("refuses invalid and blank names, someone else's id, and more than 10 tags", async () => {
    const user = await createTestUser();
    for (const [name, error] of [
      ["", "Validation failed: Name can't be blank"],
      ["#", "Validation failed: Name can't be blank"],
      ["12345", "Validation failed: Name is invalid"],
      ["not a tag", "Validation failed: Name is invalid"],
    ] as const) {
      const res = await api("/api/v1/featured_tags", { token: user.token, json: { name } });
      expect(res.status, name).toBe(422);
      expect(((await res.json()) as { error: string }).error).toBe(error);
    }
    expect(await count(user.account.id)).toBe(0);

    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push(
        (await json<Featured>(await api("/api/v1/featured_tags", { token: user.token, json: { name: uniqueName(`l${i}x`) } })))
          .id,
      );
    }
    const over = await api("/api/v1/featured_tags", { token: user.token, json: { name: uniqueName("over") } });
    expect(over.status).toBe(422);
    expect(await over.json()).toEqual({ error: "Validation failed: You have already featured the maximum number of hashtags" });
    expect(await count(user.account.id)).toBe(10);

    const other = await createTestUser();
    const res = await api(`/api/v1/featured_tags/${ids[0]}`, { token: other.token, method: "DELETE" });
    expect(res.status).toBe(404);
    expect(await count(user.account.id)).toBe(10);
    expect((await api("/api/v1/featured_tags/abc", { token: other.token, method: "DELETE" })).status).toBe(404);
  }, 30_000);

  it("checks scopes and the account id", async () => {
    const reader = await createTestUser({ scopes: "read" });
    const res = await api("/api/v1/featured_tags", { token: reader.token, json: { name: "x1" } });
    expect(res.status).toBe(403);
    expect((await api("/api/v1/featured_tags")).status).toBe(401);
    const writer = await createTestUser({ scopes: "write" });
    expect((await api("/api/v1/featured_tags", { token: writer.token })).status).toBe(403);
    expect((await api("/api/v1/featured_tags/suggestions", { token: writer.token })).status).toBe(403);
    const missing = await api("/api/v1/accounts/999999999/featured_tags");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "Record not found" });
  });

  it("suggests the account's most used tags that it does not feature yet", async () => {
    const user = await createTestUser();
    const [a, b, c] = [uniqueName("sa").toLowerCase(), uniqueName("sb").toLowerCase(), uniqueName("sc").toLowerCase()];
    await post(user.account.id, { tags: [a, b], fanout: false });
    await post(user.account.id, { tags: [b], fanout: false });
    await post(user.account.id, { tags: [b, c], fanout: false });
    await post(user.account.id, { tags: [c], visibility: "direct", fanout: false });
    await json(await api("/api/v1/featured_tags", { token: user.token, json: { name: c } }));
    const tags = await json<Array<{ name: string; featuring: boolean; history: unknown[] }>>(
      await api("/api/v1/featured_tags/suggestions", { token: user.token }),
    );
    expectEntity("Tag", tags, { array: true });
    expect(tags.map((t) => t.name)).toEqual([b, a]);
    expect(tags.every((t) => t.featuring === false && t.history.length === 7)).toBe(true);
  });

  it("features and unfeatures from the tag (Mastodon 4.4)", async () => {
    const user = await createTestUser();
    const name = uniqueName("ff");
    const featured = await json<{ featuring: boolean }>(
      await api(`/api/v1/tags/${name}/feature`, { token: user.token, method: "POST" }),
    );
    expectEntity("Tag", featured);
    expect(featured.featuring).toBe(true);
    expect(await count(user.account.id)).toBe(1);
    const un = await json<{ featuring: boolean }>(
      await api(`/api/v1/tags/${name}/unfeature`, { token: user.token, method: "POST" }),
    );
    expect(un.featuring).toBe(false);
    expect(await count(user.account.id)).toBe(0);
  });
});
