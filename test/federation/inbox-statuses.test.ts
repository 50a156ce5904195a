/** INBOX consumer: Create, Update and Delete of posts, checked through the Mastodon API and D1. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
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
  rebase,
  rowCount,
  statusIdByUri,
} from "./inbox-consumer-helpers";

const MASTODON = "http://mastodon.example.org";
const LAIN = "http://localtesting.pleroma.lol/users/lain";

async function follow(u: TestUser, p: Peer): Promise<void> {
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), u.account.id, p.account.id, Date.now())
    .run();
}

async function getStatus(id: number | undefined, token?: string): Promise<Response> {
  return api(`/api/v1/statuses/${id ?? 0}`, token ? { token } : {});
}

async function statusJson(id: number | undefined, token?: string): Promise<Json> {
  const res = await getStatus(id, token);
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as Json;
  expectEntity("Status", body);
  return body;
}

async function markReceived(activity: Json, actorUri: string): Promise<void> {
  await env.DB.prepare("INSERT INTO inbox_activities (activity_id, actor_uri, received_at) VALUES (?, ?, ?)")
    .bind(String(activity.id), actorUri, Date.now())
    .run();
}

async function inboxError(activity: Json): Promise<string | null> {
  const row = await env.DB.prepare("SELECT error, processed_at FROM inbox_activities WHERE activity_id = ?")
    .bind(String(activity.id))
    .first<{ error: string | null; processed_at: number | null }>();
  expect(row?.processed_at).toBeTypeOf("number");
  return row?.error ?? null;
}

describe("inbox Create", () => {
  it("stores Mastodon's Note mentioning a local user: CW, sanitized HTML, acct user@domain, a mention notification", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("admin"), createTestUser()]);
    const activity = rebase(fixture("mastodon/activity-create-note_akkoma-fixtures.json"), {
      [MASTODON]: p.origin,
      [LAIN]: localActorUri(u.account.username),
    });
    await h.apply(activity);
    const uri = String((activity.object as Json).id);
    const id = await statusIdByUri(uri);
    const status = await statusJson(id, u.token);
    expect(status).toMatchObject({
      uri,
      url: `${p.origin}/@admin/99512778738411822`,
      spoiler_text: "cw",
      sensitive: true,
      visibility: "public",
      account: { acct: `admin@${p.host}`, username: "admin" },
      mentions: [{ id: String(u.account.id), username: u.account.username }],
    });
    expect(status.created_at).toBe("2018-02-12T14:08:20.000Z");
    expect(String(status.content)).toContain("@<span>lain</span></a>");
    expect(String(status.content)).not.toContain("<script");

    await h.runFanout();
    const res = await api("/api/v1/notifications?types[]=mention", { token: u.token });
    const notes = (await res.json()) as Array<{ type: string; status: { id: string } }>;
    expect(notes.map((n) => [n.type, n.status.id])).toEqual([["mention", String(id)]]);

    // The same Create again stores nothing more.
    await h.apply(activity);
    expect(await rowCount("SELECT count(*) AS n FROM statuses WHERE uri = ?", uri)).toBe(1);
  });

  it("a post by a followed account reaches the public timeline and the follower's home, with tags and media", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const object = note(p, {
      content:
        '<p>look <a href="https://x.example/tags/Cats" class="mention hashtag" onclick="x()">#<span>Cats</span></a></p><script>x()</script>',
      extra: {
        tag: [{ type: "Hashtag", name: "#Cats", href: "https://x.example/tags/cats" }],
        contentMap: { de: '<p>look <a href="https://x.example/tags/Cats">#<span>Cats</span></a></p>' },
        attachment: [
          {
            type: "Document",
            mediaType: "image/png",
            url: `${p.origin}/media/cat.png`,
            name: "a cat",
            blurhash: "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
            focalPoint: [0.5, -0.25],
            width: 800,
            height: 600,
          },
        ],
      },
    });
    await h.apply(create(p, object));
    const id = await statusIdByUri(String(object.id));
    const status = await statusJson(id);
    expect(status).toMatchObject({
      tags: [{ name: "cats" }],
      media_attachments: [
        {
          type: "image",
          // Served through the media module's cache/proxy (or the remote URL itself): its choice.
          url: expect.any(String),
          remote_url: `${p.origin}/media/cat.png`,
          description: "a cat",
          blurhash: "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH",
          meta: { focus: { x: 0.5, y: -0.25 }, original: { width: 800, height: 600 } },
        },
      ],
    });
    expect(String(status.content)).not.toMatch(/script|onclick/);

    const pub = await api("/api/v1/timelines/public?remote=true&limit=40");
    expect(((await pub.json()) as Array<{ id: string }>).map((s) => s.id)).toContain(String(id));
    const tag = await api("/api/v1/timelines/tag/cats?limit=40");
    expect(((await tag.json()) as Array<{ id: string }>).map((s) => s.id)).toContain(String(id));
    await h.runFanout();
    const home = await api("/api/v1/timelines/home", { token: u.token });
    expect(((await home.json()) as Array<{ id: string }>).map((s) => s.id)).toContain(String(id));
  });

  it("derives visibility from the audience: unlisted, followers-only and direct", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const followers = `${p.actor.id}/followers`;
    const me = localActorUri(u.account.username);
    const cases: Array<[Json, string]> = [
      [{ to: [followers], cc: [PUBLIC] }, "unlisted"],
      [{ to: [followers], cc: [] }, "private"],
      [{ to: [me], cc: [], tag: [{ type: "Mention", href: me }] }, "direct"],
    ];
    for (const [audience, expected] of cases) {
      const object = { ...note(p), ...audience };
      await h.apply(create(p, object));
      expect((await statusJson(await statusIdByUri(String(object.id)), u.token)).visibility).toBe(expected);
    }
  });

  it("is ignored when it concerns nobody here", async () => {
    const h = new Harness();
    const p = await peer();
    const object = note(p);
    await h.apply(create(p, object));
    expect(await statusIdByUri(String(object.id))).toBeUndefined();
  });

  it("refuses a post whose id is on another server, or attributed to someone else, and stores nothing", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const foreign = { ...note(p), id: `https://victim.example/statuses/${newId()}` };
    const spoofed = create(p, foreign);
    await markReceived(spoofed, p.actor.id);
    await h.apply(spoofed);
    expect(await statusIdByUri(String(foreign.id))).toBeUndefined();
    expect(await inboxError(spoofed)).toMatch(/not on its author's server/);

    const other = await peer("mallory", p.host);
    const impersonated: Json = { ...note(p), attributedTo: other.actor.id };
    await h.apply(create(p, impersonated));
    expect(await statusIdByUri(String(impersonated.id))).toBeUndefined();
  });

  it("fetches an unknown parent (bounded) and threads the reply; a local parent makes it relevant", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    const posted = await api("/api/v1/statuses", { token: u.token, json: { status: "root here" } });
    const localId = String(((await posted.json()) as Json).id);
    const localUri = `${localActorUri(u.account.username)}/statuses/${localId}`;
    const parent = note(p, { inReplyTo: localUri, content: "<p>parent</p>" });
    h.net.json(String(parent.id), { "@context": "https://www.w3.org/ns/activitystreams", ...parent });
    // The reply mentions the local user, which is what makes it ours to store.
    const reply = note(p, {
      inReplyTo: String(parent.id),
      content: "<p>reply</p>",
      mention: [localActorUri(u.account.username)],
    });
    await h.apply(create(p, reply));

    const parentId = await statusIdByUri(String(parent.id));
    const replyStatus = await statusJson(await statusIdByUri(String(reply.id)), u.token);
    expect(replyStatus.in_reply_to_id).toBe(String(parentId));
    const parentStatus = await statusJson(parentId, u.token);
    expect(parentStatus).toMatchObject({
      in_reply_to_id: localId,
      in_reply_to_account_id: String(u.account.id),
      replies_count: 1,
    });
    const context = await api(`/api/v1/statuses/${localId}/context`, { token: u.token });
    expect(((await context.json()) as { descendants: Json[] }).descendants.map((s) => s.id)).toEqual([
      String(parentId),
      replyStatus.id,
    ]);
  });

  it("retries when the object's server answers 5xx or times out, and stores it once it answers", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const object = note(p);
    const activity = { ...create(p, object), object: object.id };
    h.net.on(String(object.id), () => new Response("busy", { status: 503 }));
    const first = await h.deliver(activity);
    expect(first).toMatchObject({ acked: false, retried: true });
    expect(first.delaySeconds).toBeGreaterThan(0);
    expect(await statusIdByUri(String(object.id))).toBeUndefined();

    h.net.on(String(object.id), () => Promise.reject(new TypeError("connection reset")));
    const second = await h.deliver(activity, undefined, { attempts: 2 });
    expect(second.retried).toBe(true);
    expect(second.delaySeconds).toBeGreaterThan(first.delaySeconds ?? 0);

    h.net.json(String(object.id), object);
    expect(await h.deliver(activity, undefined, { attempts: 3 })).toMatchObject({ acked: true, retried: false });
    expect(await statusIdByUri(String(object.id))).toBeTypeOf("number");

    // A 404 is permanent: acked, nothing stored.
    const gone = note(p);
    expect(await h.deliver({ ...create(p, gone), object: gone.id })).toMatchObject({ acked: true, retried: false });
    expect(await statusIdByUri(String(gone.id))).toBeUndefined();
  });

  it("stores a Question's poll (options, counts, end) and a later Update refreshes only the counts", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer("rinpatch"), createTestUser()]);
    await follow(u, p);
    const activity = rebase(fixture("mastodon/activity-create-question_akkoma-fixtures.json"), {
      "https://mastodon.sdf.org": p.origin,
    });
    await h.apply(activity);
    const question = activity.object as Json;
    const id = await statusIdByUri(String(question.id));
    const status = await statusJson(id, u.token);
    const poll = status.poll as Json;
    expect(poll).toMatchObject({ expires_at: "2019-05-11T09:03:36.000Z", expired: true, multiple: false, votes_count: 2 });
    expect((poll.options as Json[]).map((o) => [o.title, o.votes_count])).toEqual([
      ["Dunno", 0],
      ["Everyone knows that!", 1],
      ["25 char limit is dumb", 0],
      ["I can't even fit a funny", 1],
    ]);

    const updated = structuredClone(question);
    ((updated.oneOf as Json[])[0]?.replies as Json).totalItems = 5;
    await h.apply({ id: `${question.id}#updates/1`, type: "Update", actor: p.actor.id, object: updated });
    const after = await statusJson(id, u.token);
    expect(((after.poll as Json).options as Json[])[0]).toMatchObject({ votes_count: 5 });
    expect(after.edited_at).toBeNull();
  });

  it("takes a vote on a local poll (Create(Note{name, inReplyTo}))", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    const posted = await api("/api/v1/statuses", {
      token: u.token,
      json: { status: "pick one", poll: { options: ["red", "blue"], expires_in: 3600 } },
    });
    const local = (await posted.json()) as Json;
    const localUri = `${localActorUri(u.account.username)}/statuses/${String(local.id)}`;
    const vote = {
      id: `${p.actor.id}#votes/${newId()}`,
      type: "Note",
      name: "blue",
      attributedTo: p.actor.id,
      inReplyTo: localUri,
      to: [localActorUri(u.account.username)],
    };
    await h.apply(create(p, vote));
    await h.apply(create(p, { ...vote, id: `${p.actor.id}#votes/${newId()}`, name: "red" }));
    const poll = (await statusJson(Number(local.id), u.token)).poll as Json;
    expect((poll.options as Json[]).map((o) => o.votes_count)).toEqual([0, 1]);
    expect(poll.voters_count).toBe(1);
  });
});

describe("inbox Update and Delete of posts", () => {
  async function stored(): Promise<{ h: Harness; p: Peer; u: TestUser; object: Json; id: number }> {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const object = note(p, { content: "<p>first</p>" });
    await h.apply(create(p, object));
    const id = await statusIdByUri(String(object.id));
    if (id === undefined) throw new Error("not stored");
    return { h, p, u, object, id };
  }

  it("Update edits the post and keeps its revisions", async () => {
    const { h, p, u, object, id } = await stored();
    const updated = {
      ...object,
      content: "<p>second</p>",
      summary: "now with a CW",
      updated: new Date(Date.now() + 1000).toISOString(),
    };
    await h.apply({ id: `${object.id}#updates/1`, type: "Update", actor: p.actor.id, object: updated });
    const status = await statusJson(id, u.token);
    expect(status).toMatchObject({ content: "<p>second</p>", spoiler_text: "now with a CW" });
    expect(status.edited_at).not.toBeNull();
    const history = await api(`/api/v1/statuses/${id}/history`, { token: u.token });
    const revisions = (await history.json()) as Json[];
    expectEntity("StatusEdit", revisions, { array: true });
    expect(revisions.map((r) => r.content)).toEqual(["<p>first</p>", "<p>second</p>"]);

    // An older revision arriving late does not win.
    await h.apply({
      id: `${object.id}#updates/0`,
      type: "Update",
      actor: p.actor.id,
      object: { ...object, content: "<p>stale</p>", updated: new Date(Date.now() - 60_000).toISOString() },
    });
    expect((await statusJson(id, u.token)).content).toBe("<p>second</p>");
  });

  it("Update or Delete of someone else's post changes nothing", async () => {
    const { h, p, u, object, id } = await stored();
    const mallory = await peer("mallory", p.host);
    const edit = {
      id: `${mallory.actor.id}#updates/1`,
      type: "Update",
      actor: mallory.actor.id,
      object: { ...object, attributedTo: mallory.actor.id, content: "<p>pwned</p>" },
    };
    await markReceived(edit, mallory.actor.id);
    await h.apply(edit);
    expect((await statusJson(id, u.token)).content).toBe("<p>first</p>");
    expect(await inboxError(edit)).toMatch(/may not edit/);

    const outsider = await peer("eve");
    await h.apply({
      id: `${outsider.actor.id}#updates/2`,
      type: "Update",
      actor: outsider.actor.id,
      object: { ...object, attributedTo: outsider.actor.id, content: "<p>pwned</p>" },
    });
    expect((await statusJson(id, u.token)).content).toBe("<p>first</p>");

    await h.apply({ id: `${mallory.actor.id}#delete`, type: "Delete", actor: mallory.actor.id, object: object.id });
    expect((await getStatus(id, u.token)).status).toBe(200);
  });

  it("Delete (Mastodon's Tombstone form) removes the post from the API and the follower's home", async () => {
    const { h, p, u, object, id } = await stored();
    await h.runFanout();
    const del = rebase(fixture("mastodon/activity-delete-tombstone_akkoma-fixtures.json"), {
      "http://mastodon.example.org/users/gargron/statuses/99620895606148759": String(object.id),
      "http://mastodon.example.org/users/gargron": p.actor.id,
    });
    await h.apply(del);
    expect((await getStatus(id, u.token)).status).toBe(404);
    expect(await rowCount("SELECT count(*) AS n FROM statuses WHERE id = ?", id)).toBe(0);
    await h.runFanout();
    const home = await api("/api/v1/timelines/home", { token: u.token });
    expect(((await home.json()) as Json[]).map((s) => s.id)).not.toContain(String(id));
  });

  it("Delete of the actor suspends it and removes its posts and follows", async () => {
    const { h, p, u, id } = await stored();
    const del = rebase(fixture("mastodon/activity-delete-actor_akkoma-fixtures.json"), {
      "http://mastodon.example.org/users/admin": p.actor.id,
    });
    expect(await h.deliver(del, p.actor.id, { actorGone: true })).toMatchObject({ acked: true });
    expect((await getStatus(id, u.token)).status).toBe(404);
    expect((await api(`/api/v1/accounts/${p.account.id}`)).status).toBe(404);
    expect(await rowCount("SELECT count(*) AS n FROM follows WHERE target_account_id = ?", p.account.id)).toBe(0);
  });
});
