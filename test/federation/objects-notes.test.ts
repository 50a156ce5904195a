/**
 * Local statuses served as ActivityStreams objects at their URIs: addressing per visibility,
 * tags, attachments, polls, content negotiation, and private/direct objects only for signed fetches
 * by actors allowed to see them.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { createTestUser } from "../helpers/fixtures";
import { LOCAL, run, signedGet } from "./helpers";
import { app, follow, getJson, insertStatus, PUBLIC, remote, spies } from "./outbound-helpers";

type Json = Record<string, unknown>;

async function setup() {
  const author = await createTestUser();
  const peer = await remote();
  const name = author.account.username;
  return { author, peer, name, actor: `${LOCAL}/users/${name}`, followers: `${LOCAL}/users/${name}/followers` };
}

describe("status objects", { timeout: 30_000 }, () => {
  it("serves a public status as a Note with Mastodon's addressing, tags and content", async () => {
    const { author, peer, name, actor, followers } = await setup();
    const id = await insertStatus(author.account.id, {
      mentions: [peer.account.id],
      tags: ["petrel"],
      text: "hello",
      spoiler: "cw",
      sensitive: true,
    });
    const res = await getJson(`/users/${name}/statuses/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/activity\+json/);
    const note = await res.json<Json>();
    expect(note["@context"]).toContain("https://www.w3.org/ns/activitystreams");
    expect(note).toMatchObject({
      id: `${actor}/statuses/${id}`,
      type: "Note",
      attributedTo: actor,
      url: `${LOCAL}/@${name}/${id}`,
      to: [PUBLIC],
      cc: [followers, peer.actor.id],
      content: "<p>hello</p>",
      contentMap: { en: "<p>hello</p>" },
      summary: "cw",
      sensitive: true,
      inReplyTo: null,
      attachment: [],
    });
    expect(typeof note.published).toBe("string");
    expect(note.tag).toEqual([
      { type: "Mention", href: peer.actor.id, name: `@${peer.actor.document.preferredUsername}@${new URL(peer.actor.id).host}` },
      { type: "Hashtag", href: `${LOCAL}/tags/petrel`, name: "#petrel" },
    ]);
    expect(note.replies).toMatchObject({ id: `${actor}/statuses/${id}/replies`, type: "Collection" });
  });

  it("addresses unlisted statuses to followers with Public in cc, and names the replied-to status", async () => {
    const { author, peer, name, followers } = await setup();
    const parentUri = `${peer.actor.id}/statuses/1`;
    const parent = await insertStatus(peer.account.id, { local: false, uri: parentUri });
    const id = await insertStatus(author.account.id, {
      visibility: "unlisted",
      mentions: [peer.account.id],
      inReplyTo: { id: parent, accountId: peer.account.id },
      language: null,
    });
    const note = await (await getJson(`/users/${name}/statuses/${id}`)).json<Json>();
    expect(note.to).toEqual([followers]);
    expect(note.cc).toEqual([PUBLIC, peer.actor.id]);
    expect(note.inReplyTo).toBe(parentUri);
    expect(note).not.toHaveProperty("contentMap");
  });

  it("redirects browsers to the web page, and serves the Create at /activity", async () => {
    const { author, name, actor } = await setup();
    const id = await insertStatus(author.account.id);
    const page = await getJson(`/users/${name}/statuses/${id}`, "text/html,application/xhtml+xml");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`${LOCAL}/@${name}/${id}`);
    const create = await (await getJson(`/users/${name}/statuses/${id}/activity`)).json<Json>();
    expect(create).toMatchObject({ id: `${actor}/statuses/${id}/activity`, type: "Create", actor, to: [PUBLIC] });
    expect((create.object as Json).id).toBe(`${actor}/statuses/${id}`);
  });

  it("answers 404 for unknown ids, other authors' statuses and bad usernames", async () => {
    const { author, name } = await setup();
    const other = await createTestUser();
    const id = await insertStatus(other.account.id);
    expect((await getJson(`/users/${name}/statuses/${id}`)).status).toBe(404);
    expect((await getJson(`/users/${name}/statuses/${newId()}`)).status).toBe(404);
    expect((await getJson(`/users/${name}/statuses/abc`)).status).toBe(404);
    expect((await getJson(`/users/no-such!/statuses/${id}`)).status).toBe(404);
    expect(author.account.id).toBeGreaterThan(0);
  });

  it("serves a private status only to a signed fetch by a follower or a mentioned actor", async () => {
    const { author, peer, name, followers } = await setup();
    const follower = await remote();
    const stranger = await remote();
    await follow(follower.account.id, author.account.id);
    const id = await insertStatus(author.account.id, { visibility: "private", mentions: [peer.account.id] });
    const path = `/users/${name}/statuses/${id}`;
    expect((await getJson(path)).status).toBe(404);
    expect((await run(app, await signedGet(path, stranger.actor))).status).toBe(404);
    const byFollower = await run(app, await signedGet(path, follower.actor));
    expect(byFollower.status).toBe(200);
    expect(byFollower.headers.get("cache-control")).toMatch(/^private/);
    const note = await byFollower.json<Json>();
    expect(note.to).toEqual([followers]);
    expect(note.cc).toEqual([peer.actor.id]);
    expect((await run(app, await signedGet(path, peer.actor))).status).toBe(200);
  });

  it("serves a direct status only to the mentioned, addressed to them alone", async () => {
    const { author, peer, name } = await setup();
    const follower = await remote();
    await follow(follower.account.id, author.account.id);
    const id = await insertStatus(author.account.id, { visibility: "direct", mentions: [peer.account.id] });
    const path = `/users/${name}/statuses/${id}`;
    expect((await getJson(path)).status).toBe(404);
    expect((await run(app, await signedGet(path, follower.actor))).status).toBe(404);
    const res = await run(app, await signedGet(path, peer.actor));
    expect(res.status).toBe(200);
    const note = await res.json<Json>();
    expect(note.to).toEqual([peer.actor.id]);
    expect(note.cc).toEqual([]);
    expect((await run(app, await signedGet(`${path}/activity`, peer.actor))).status).toBe(200);
    expect((await getJson(`${path}/activity`)).status).toBe(404);
  });

  it("serves a poll as a Question with its options, counts and end time", async () => {
    const { author, name } = await setup();
    const id = await insertStatus(author.account.id, { text: "pick" });
    const pollId = newId();
    const expires = Date.now() + 3_600_000;
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO polls (id, status_id, account_id, options, tallies, multiple, votes_count, voters_count, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, 0, 3, 3, ?, ?)`,
      ).bind(pollId, id, author.account.id, JSON.stringify([{ title: "a" }, { title: "b" }]), "[2,1]", expires, Date.now()),
      env.DB.prepare("UPDATE statuses SET poll_id = ? WHERE id = ?").bind(pollId, id),
    ]);
    const note = await (await getJson(`/users/${name}/statuses/${id}`)).json<Json>();
    expect(note.type).toBe("Question");
    expect(note.oneOf).toEqual([
      { type: "Note", name: "a", replies: { type: "Collection", totalItems: 2 } },
      { type: "Note", name: "b", replies: { type: "Collection", totalItems: 1 } },
    ]);
    expect(note.votersCount).toBe(3);
    expect(note.endTime).toBe(new Date(expires).toISOString());
    expect(note).not.toHaveProperty("closed");
  });

  it("lists attachments as Documents with type, alt text, blurhash, focal point and size", async () => {
    const { author, name } = await setup();
    const id = await insertStatus(author.account.id);
    await env.DB.prepare(
      `INSERT INTO media_attachments (id, account_id, status_id, type, file_key, content_type, description, blurhash, meta, position, processed_at, created_at)
       VALUES (?, ?, ?, 'image', 'media/x.png', 'image/png', 'a cat', 'LEHV6nWB2yk8', ?, 0, ?, ?)`,
    )
      .bind(
        newId(),
        author.account.id,
        id,
        JSON.stringify({ original: { width: 640, height: 480 }, focus: { x: 0.5, y: -0.25 } }),
        Date.now(),
        Date.now(),
      )
      .run();
    // Attaching media sets the status's counter in the same batch; hydration reads media by it.
    await env.DB.prepare("UPDATE statuses SET media_count = 1 WHERE id = ?").bind(id).run();
    const note = await (await getJson(`/users/${name}/statuses/${id}`)).json<Json>();
    expect(note.attachment).toEqual([
      {
        type: "Document",
        mediaType: "image/png",
        url: `${LOCAL}/media/media/x.png`,
        name: "a cat",
        blurhash: "LEHV6nWB2yk8",
        focalPoint: [0.5, -0.25],
        width: 640,
        height: 480,
      },
    ]);
  });

  it("answers 410 Gone for a deleted local status", async () => {
    const { author, name } = await setup();
    const s = spies();
    const id = await insertStatus(author.account.id);
    const del = await s.call(author.token, "DELETE", `/api/v1/statuses/${id}`);
    expect(del.status).toBe(200);
    expect((await getJson(`/users/${name}/statuses/${id}`)).status).toBe(410);
  });

  it("requires a signature under authorized fetch", async () => {
    const { author, name } = await setup();
    const peer = await remote();
    const id = await insertStatus(author.account.id);
    const path = `/users/${name}/statuses/${id}`;
    const authorized = { AUTHORIZED_FETCH: "true" };
    expect((await getJson(path, "application/activity+json", authorized)).status).toBe(401);
    expect((await run(app, await signedGet(path, peer.actor), authorized)).status).toBe(200);
  });
});
