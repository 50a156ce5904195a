import { describe, expect, it } from "vitest";
import { post, users } from "../feeds/helpers";
import { api, createTestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

interface TagJson {
  id: string;
  name: string;
  url: string;
  history: Array<{ day: string; uses: string; accounts: string }>;
  following?: boolean;
  featuring?: boolean;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status, await res.clone().text()).toBe(status);
  return (await res.json()) as T;
}

describe("GET /api/v1/tags/:name", () => {
  it("shows a used tag with 7 days of history counted from its statuses, today first", async () => {
    const [a, b] = await users(2);
    if (!a || !b) throw new Error("users");
    const name = uniqueName("tg").toLowerCase();
    await post(a.account.id, { tags: [name], fanout: false });
    await post(a.account.id, { tags: [name], fanout: false });
    await post(b.account.id, { tags: [name], visibility: "unlisted", fanout: false });
    await post(b.account.id, { tags: [name], visibility: "private", fanout: false });

    const tag = await json<TagJson>(await api(`/api/v1/tags/${name.toUpperCase()}`));
    expectEntity("Tag", tag);
    expect(tag.name).toBe(name);
    expect(tag.url).toBe(`http://petrel.test/tags/${name}`);
    expect(tag.id).toMatch(/^\d+$/);
    expect(tag.history).toHaveLength(7);
    const today = Math.floor(Date.now() / 86_400_000) * 86_400;
    expect(tag.history[0]).toEqual({ day: String(today), uses: "3", accounts: "2" });
    expect(tag.history[6]?.day).toBe(String(today - 6 * 86_400));
    expect(tag.history.slice(1).every((d) => d.uses === "0")).toBe(true);
    // Anonymous: no viewer flags.
    expect(tag.following).toBeUndefined();
    expect(tag.featuring).toBeUndefined();
  });

  it("shows a valid name nobody used as an unsaved tag, and 404s an invalid name", async () => {
    const user = await createTestUser();
    const name = uniqueName("never");
    const tag = await json<TagJson>(await api(`/api/v1/tags/${name}`, { token: user.token }));
    expectEntity("Tag", tag);
    expect(tag).toMatchObject({ id: "", name, following: false, featuring: false });
    expect(tag.history.every((d) => d.uses === "0" && d.accounts === "0")).toBe(true);

    const unicode = `日本${name}`;
    const shown = await json<TagJson>(await api(`/api/v1/tags/${encodeURIComponent(unicode)}`));
    expect(shown).toMatchObject({
      id: "",
      name: unicode,
      url: `http://petrel.test/tags/${encodeURIComponent(unicode.toLowerCase())}`,
    });

    for (const bad of ["123", "a-b", "%20"]) {
      const res = await api(`/api/v1/tags/${bad}`);
      expect(res.status, bad).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
  });
});

describe("following tags", () => {
  it("follows (creating the tag), shows following, unfollows; idempotent both ways", async () => {
    const user = await createTestUser();
    const name = uniqueName("Fol");
    const followed = await json<TagJson>(await api(`/api/v1/tags/${name}/follow`, { token: user.token, method: "POST" }));
    expectEntity("Tag", followed);
    expect(followed).toMatchObject({ name, following: true, featuring: false });
    expect(followed.id).toMatch(/^\d+$/);
    const again = await json<TagJson>(
      await api(`/api/v1/tags/${name.toLowerCase()}/follow`, { token: user.token, method: "POST" }),
    );
    expect(again).toMatchObject({ id: followed.id, following: true });
    expect((await json<TagJson>(await api(`/api/v1/tags/${name}`, { token: user.token }))).following).toBe(true);

    const list = await json<TagJson[]>(await api("/api/v1/followed_tags", { token: user.token }));
    expectEntity("Tag", list, { array: true });
    expect(list.map((t) => t.id)).toEqual([followed.id]);

    const unfollowed = await json<TagJson>(await api(`/api/v1/tags/${name}/unfollow`, { token: user.token, method: "POST" }));
    expectEntity("Tag", unfollowed);
    expect(unfollowed.following).toBe(false);
    expect(await json<TagJson[]>(await api("/api/v1/followed_tags", { token: user.token }))).toEqual([]);
    const never = uniqueName("never");
    expect(await json<TagJson>(await api(`/api/v1/tags/${never}/unfollow`, { token: user.token, method: "POST" }))).toMatchObject(
      {
        id: "",
        following: false,
      },
    );
  });

  it("requires a user token with write:follows; read:follows for the list; invalid names 404", async () => {
    const reader = await createTestUser({ scopes: "read" });
    const name = uniqueName("sc");
    const res = await api(`/api/v1/tags/${name}/follow`, { token: reader.token, method: "POST" });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "This action is outside the authorized scopes" });
    expect((await api(`/api/v1/tags/${name}/follow`, { method: "POST" })).status).toBe(401);
    expect((await api("/api/v1/followed_tags")).status).toBe(401);
    const writer = await createTestUser({ scopes: "write:follows" });
    expect((await api("/api/v1/followed_tags", { token: writer.token })).status).toBe(403);
    expect((await api(`/api/v1/tags/${name}/follow`, { token: writer.token, method: "POST" })).status).toBe(200);
    const follower = await createTestUser({ scopes: "follow" });
    expect((await api(`/api/v1/tags/${name}/unfollow`, { token: follower.token, method: "POST" })).status).toBe(200);
    const bad = await api("/api/v1/tags/12345/follow", { token: writer.token, method: "POST" });
    expect(bad.status).toBe(404);
    expect(await bad.json()).toEqual({ error: "Record not found" });
  });

  it("pages followed tags newest first with Link headers", async () => {
    const user = await createTestUser();
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = uniqueName(`p${i}x`);
      names.push(name);
      await json(await api(`/api/v1/tags/${name}/follow`, { token: user.token, method: "POST" }));
    }
    const first = await api("/api/v1/followed_tags?limit=2", { token: user.token });
    const page1 = await json<TagJson[]>(first);
    expect(page1.map((t) => t.name)).toEqual([names[4], names[3]]);
    const link = first.headers.get("link") ?? "";
    expect(link).toContain('rel="next"');
    expect(link).toContain('rel="prev"');
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? "";
    const second = await api(next.replace("http://petrel.test", ""), { token: user.token });
    expect((await json<TagJson[]>(second)).map((t) => t.name)).toEqual([names[2], names[1]]);
    const prev = /<([^>]+)>; rel="prev"/.exec(second.headers.get("link") ?? "")?.[1] ?? "";
    const back = await json<TagJson[]>(await api(prev.replace("http://petrel.test", ""), { token: user.token }));
    expect(back.map((t) => t.name)).toEqual([names[4], names[3]]);
    const all = await json<TagJson[]>(await api("/api/v1/followed_tags", { token: user.token }));
    expect(all).toHaveLength(5);
    expect(all.every((t) => t.following === true)).toBe(true);
    const empty = await api(`/api/v1/followed_tags?max_id=1`, { token: user.token });
    expect(await json(empty)).toEqual([]);
    expect(empty.headers.get("link")).toBeNull();
  });
});
