import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { hydrateStatuses } from "../../src/services/hydrate";
import { canView, visibleStatusIds } from "../../src/services/visibility";
import { api, config, createTestUser, db, type TestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { block, follow, mute, ok, post, type StatusJson } from "./helpers";

/** Alice posts one status of each visibility; bob follows her, carol is mentioned, dave is a stranger. */
async function world() {
  const [alice, bob, carol, dave, eve, frank] = await Promise.all([1, 2, 3, 4, 5, 6].map(() => createTestUser()));
  if (!alice || !bob || !carol || !dave || !eve || !frank) throw new Error("users");
  await follow(bob, alice);
  await follow(eve, alice);
  await follow(frank, alice);
  await block(alice, eve); // the author blocks eve
  await block(frank, alice); // frank blocks the author
  const c = `@${carol.account.username}`;
  const statuses = {
    public: await post(alice, { status: "public", visibility: "public" }),
    unlisted: await post(alice, { status: "unlisted", visibility: "unlisted" }),
    private: await post(alice, { status: `private ${c}`, visibility: "private" }),
    direct: await post(alice, { status: `direct ${c}`, visibility: "direct" }),
  };
  return { alice, bob, carol, dave, eve, frank, statuses };
}

async function canGet(id: string, viewer: TestUser | undefined): Promise<boolean> {
  const res = await api(`/api/v1/statuses/${id}`, { token: viewer?.token });
  if (res.status === 200) {
    expectEntity("Status", await res.json());
    return true;
  }
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: "Record not found" });
  return false;
}

describe("who can see a status", () => {
  it("follows Mastodon's rules for GET /api/v1/statuses/:id", async () => {
    const w = await world();
    const viewers = {
      author: w.alice,
      follower: w.bob,
      mentioned: w.carol,
      stranger: w.dave,
      blocked: w.eve,
      blocking: w.frank,
      anonymous: undefined,
    };
    const table: Record<string, string[]> = {};
    for (const [kind, s] of Object.entries(w.statuses)) {
      table[kind] = [];
      for (const [name, viewer] of Object.entries(viewers)) if (await canGet(s.id, viewer)) table[kind]?.push(name);
    }
    expect(table).toEqual({
      public: ["author", "follower", "mentioned", "stranger", "anonymous"],
      unlisted: ["author", "follower", "mentioned", "stranger", "anonymous"],
      private: ["author", "follower", "mentioned"],
      direct: ["author", "mentioned"],
    });
  });

  it("applies the same rules to an account's statuses", async () => {
    const w = await world();
    const list = async (viewer: TestUser | undefined) => {
      const res = await api(`/api/v1/accounts/${w.alice.account.id}/statuses`, { token: viewer?.token });
      expect(res.status).toBe(200);
      const body = (await res.json()) as StatusJson[];
      expectEntity("Status", body, { array: true });
      return body.map((s) => s.content.replace(/<[^>]+>/g, "").split(" ")[0]);
    };
    expect(await list(w.alice)).toEqual(["direct", "private", "unlisted", "public"]);
    expect(await list(w.bob)).toEqual(["private", "unlisted", "public"]);
    expect(await list(w.carol)).toEqual(["direct", "private", "unlisted", "public"]);
    expect(await list(w.dave)).toEqual(["unlisted", "public"]);
    expect(await list(undefined)).toEqual(["unlisted", "public"]);
    expect(await list(w.eve)).toEqual([]);
    expect(await list(w.frank)).toEqual([]);
  });

  it("hides statuses from domains the viewer blocks", async () => {
    const viewer = await createTestUser();
    const other = await createTestUser();
    const domain = `${uniqueName("d")}.example`;
    const remoteId = newId();
    const statusId = newId();
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO accounts (id, username, acct_key, domain, uri, created_at, updated_at) VALUES (?, 'remote', ?, ?, ?, ?, ?)",
    )
      .bind(remoteId, `remote@${domain}`, domain, `https://${domain}/users/remote`, now, now)
      .run();
    await env.DB.prepare(
      "INSERT INTO statuses (id, uri, account_id, local, visibility, content, created_at) VALUES (?, ?, ?, 0, 'public', '<p>far</p>', ?)",
    )
      .bind(statusId, `https://${domain}/statuses/1`, remoteId, now)
      .run();
    await env.DB.prepare("INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?, ?, ?, ?)")
      .bind(newId(), viewer.account.id, domain, now)
      .run();
    expect(await canGet(String(statusId), viewer)).toBe(false);
    expect(await canGet(String(statusId), other)).toBe(true);
    const remote = await ok(`/api/v1/statuses/${statusId}`, other);
    expect(remote.uri).toBe(`https://${domain}/statuses/1`);
    expect(remote.url).toBe(`https://${domain}/statuses/1`);
  });

  it("hides everything of suspended accounts", async () => {
    const alice = await createTestUser();
    const s = await post(alice, "soon suspended");
    await env.DB.prepare("UPDATE accounts SET suspended_at = ? WHERE id = ?").bind(Date.now(), alice.account.id).run();
    expect(await canGet(s.id, undefined)).toBe(false);
    const res = await api(`/api/v1/accounts/${alice.account.id}/statuses`);
    expect(res.status).toBe(404);
  });

  it("shows a boost only when both the boost and the boosted status are visible", async () => {
    const w = await world();
    const boost = await ok(`/api/v1/statuses/${w.statuses.public.id}/reblog`, w.dave, "POST", { visibility: "private" });
    expect(boost.visibility).toBe("private");
    const daveFollower = await createTestUser();
    await follow(daveFollower, w.dave);
    expect(await canGet(boost.id, daveFollower)).toBe(true);
    expect(await canGet(boost.id, w.bob)).toBe(false);
    // eve follows dave, but alice (the original's author) blocks eve.
    await follow(w.eve, w.dave);
    expect(await canGet(boost.id, w.eve)).toBe(false);
  });

  it("exports canView and a bulk helper for other features", async () => {
    const w = await world();
    const ids = Object.values(w.statuses).map((s) => Number(s.id));
    expect(await canView(db(), null, { id: Number(w.statuses.public.id) })).toBe(true);
    expect(await canView(db(), null, { id: Number(w.statuses.private.id) })).toBe(false);
    expect(await canView(db(), w.carol.account.id, { id: Number(w.statuses.direct.id) })).toBe(true);
    const forBob = await visibleStatusIds(db(), w.bob.account.id, [...ids, 1]);
    expect([...forBob].sort()).toEqual(ids.slice(0, 3).sort());
  });

  it("hydrates in the order asked, dropping unknown and invisible ids", async () => {
    const w = await world();
    const { public: pub, private: priv, direct, unlisted } = w.statuses;
    const asked = [direct.id, pub.id, "42", priv.id, unlisted.id].map(Number);
    const forDave = await hydrateStatuses(db(), config(), w.dave.account.id, asked);
    expect(forDave.map((s) => s.id)).toEqual([pub.id, unlisted.id]);
    const forCarol = await hydrateStatuses(db(), config(), w.carol.account.id, asked);
    expect(forCarol.map((s) => s.id)).toEqual([direct.id, pub.id, priv.id, unlisted.id]);
    expectEntity("Status", JSON.parse(JSON.stringify(forCarol)), { array: true });
    expect(forCarol[0]?.mentions.map((m) => m.username)).toEqual([w.carol.account.username]);
  });
});

describe("GET /api/v1/statuses/:id/context", () => {
  it("shows each viewer only the replies they may see, without blocked or muted authors", async () => {
    const [alice, bob, carol, dave, eve, frank, carolFan] = await Promise.all([1, 2, 3, 4, 5, 6, 7].map(() => createTestUser()));
    if (!alice || !bob || !carol || !dave || !eve || !frank || !carolFan) throw new Error("users");
    await follow(carolFan, carol);
    await mute(alice, frank);
    const root = await post(alice, "root");
    const r1 = await post(bob, { status: "public reply", in_reply_to_id: root.id });
    const r2 = await post(carol, { status: "followers-only reply", in_reply_to_id: root.id, visibility: "private" });
    const r3 = await post(dave, {
      status: `@${alice.account.username} direct reply`,
      in_reply_to_id: root.id,
      visibility: "direct",
    });
    const r4 = await post(eve, { status: "blocked reply", in_reply_to_id: root.id });
    const r5 = await post(frank, { status: "muted reply", in_reply_to_id: root.id });
    const r11 = await post(alice, { status: "nested", in_reply_to_id: r1.id });
    await block(alice, eve);

    const context = async (viewer: TestUser | undefined, id = root.id) => {
      const res = await api(`/api/v1/statuses/${id}/context`, { token: viewer?.token });
      const body = (await res.json()) as { ancestors: StatusJson[]; descendants: StatusJson[] };
      expect(res.status).toBe(200);
      expectEntity("Context", body);
      return { ancestors: body.ancestors.map((s) => s.id), descendants: body.descendants.map((s) => s.id) };
    };
    // Depth first: r1 then its child r11, then the later siblings.
    expect((await context(alice)).descendants).toEqual([r1.id, r11.id, r3.id]);
    expect((await context(carolFan)).descendants).toEqual([r1.id, r11.id, r2.id, r4.id, r5.id]);
    expect((await context(undefined)).descendants).toEqual([r1.id, r11.id, r4.id, r5.id]);
    expect(await context(bob, r11.id)).toEqual({ ancestors: [root.id, r1.id], descendants: [] });
    await expectNotFound(`/api/v1/statuses/${r3.id}/context`, bob);
  });
});

async function expectNotFound(path: string, viewer: TestUser) {
  const res = await api(path, { token: viewer.token });
  expect(res.status).toBe(404);
  expect(await res.json()).toEqual({ error: "Record not found" });
}
