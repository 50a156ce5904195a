/**
 * INBOX consumer: a Delete that arrives before its Create leaves a tombstone (Mastodon's Tombstone
 * model), so the late Create, an Announce or an Update of that URI bring nothing back; only the
 * object's own server can leave one; the cron purges old ones.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { purgeTombstones, TOMBSTONE_RETENTION_DAYS } from "../../src/federation/inbox-consumer/tombstones";
import { newId } from "../../src/ids";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import {
  activityId,
  create,
  Harness,
  type Json,
  localActorUri,
  note,
  type Peer,
  PUBLIC,
  peer,
  rowCount,
  statusIdByUri,
} from "./inbox-consumer-helpers";

async function follow(u: TestUser, p: Peer): Promise<void> {
  await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
    .bind(newId(), u.account.id, p.account.id, Date.now())
    .run();
}

async function tombstone(uri: string): Promise<{ account_id: number; created_at: number } | null> {
  return env.DB.prepare("SELECT account_id, created_at FROM federation_tombstones WHERE uri = ?")
    .bind(uri)
    .first<{ account_id: number; created_at: number }>();
}

function deleteOf(p: Peer, uri: string): Json {
  return {
    id: `${uri}#delete`,
    type: "Delete",
    actor: p.actor.id,
    to: [PUBLIC],
    object: { id: uri, type: "Tombstone", atomUri: uri },
  };
}

async function homeIds(u: TestUser): Promise<string[]> {
  const res = await api("/api/v1/timelines/home", { token: u.token });
  expect(res.status).toBe(200);
  return ((await res.json()) as Json[]).map((s) => String(s.id));
}

describe("inbox Delete before Create", () => {
  it("remembers a Delete of a post we never had and ignores its late Create", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const object = note(p, { content: "<p>regret</p>", mention: [localActorUri(u.account.username)] });
    const uri = String(object.id);

    await h.apply(deleteOf(p, uri));
    expect(await tombstone(uri)).toMatchObject({ account_id: p.account.id });
    expect(h.fanout.sent).toEqual([]);

    await h.apply(create(p, object));
    expect(await statusIdByUri(uri)).toBeUndefined();
    expect(h.fanout.sent).toEqual([]);
    expect(await rowCount("SELECT count(*) AS n FROM notifications WHERE account_id = ?", u.account.id)).toBe(0);
    expect(await homeIds(u)).toEqual([]);
    // Nothing was fetched to find that out.
    expect(h.net.requests).toEqual([]);
  });

  it("a Create by id only is refused before fetching the deleted post", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const object = note(p);
    h.net.json(String(object.id), object);
    await h.apply(deleteOf(p, String(object.id)));
    await h.apply({ ...create(p, object), object: object.id });
    expect(await statusIdByUri(String(object.id))).toBeUndefined();
    expect(h.net.requestsTo(String(object.id))).toEqual([]);
  });

  it("a Delete of a stored post removes it and a replayed Create does not bring it back", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const object = note(p);
    await h.apply(create(p, object));
    const id = await statusIdByUri(String(object.id));
    expect(id).toBeTypeOf("number");
    await h.apply(deleteOf(p, String(object.id)));
    expect(await statusIdByUri(String(object.id))).toBeUndefined();
    expect(await tombstone(String(object.id))).not.toBeNull();

    await h.apply(create(p, object));
    expect(await statusIdByUri(String(object.id))).toBeUndefined();
    expect((await api(`/api/v1/statuses/${id}`, { token: u.token })).status).toBe(404);
  });

  it("ignores an Announce of a deleted post, and an Announce whose own id was deleted", async () => {
    const h = new Harness();
    const [p, booster, u] = await Promise.all([peer(), peer("bob"), createTestUser()]);
    await follow(u, booster);
    const object = note(p);
    h.net.json(String(object.id), object);
    await h.apply(deleteOf(p, String(object.id)));
    const announce = {
      id: activityId(booster, "announce"),
      type: "Announce",
      actor: booster.actor.id,
      to: [PUBLIC],
      cc: [`${booster.actor.id}/followers`],
      object: object.id,
    };
    await h.apply(announce);
    expect(await statusIdByUri(String(object.id))).toBeUndefined();
    expect(await statusIdByUri(announce.id)).toBeUndefined();
    expect(h.net.requests).toEqual([]);

    // The booster's Undo-by-Delete of its boost raced ahead of the boost itself.
    const live = note(booster);
    await h.apply(create(booster, live));
    const boost = { ...announce, id: activityId(booster, "announce"), object: live.id };
    await h.apply({ id: `${boost.id}#delete`, type: "Delete", actor: booster.actor.id, object: boost.id });
    await h.apply(boost);
    expect(await statusIdByUri(boost.id)).toBeUndefined();
    expect(
      await rowCount("SELECT count(*) AS n FROM statuses WHERE reblog_of_id IS NOT NULL AND account_id = ?", booster.account.id),
    ).toBe(0);
  });

  it("ignores an Update of a deleted post without fetching it", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const object = note(p);
    h.net.json(String(object.id), object);
    await h.apply(deleteOf(p, String(object.id)));
    await h.apply({ id: `${object.id}#updates/1`, type: "Update", actor: p.actor.id, object: object.id });
    await h.apply({
      id: `${object.id}#updates/2`,
      type: "Update",
      actor: p.actor.id,
      object: { ...object, content: "<p>again</p>" },
    });
    expect(await statusIdByUri(String(object.id))).toBeUndefined();
    expect(h.net.requests).toEqual([]);
  });

  it("a Delete from another server leaves no tombstone: the owner's Create still lands", async () => {
    const h = new Harness();
    const [p, eve, u] = await Promise.all([peer(), peer("eve"), createTestUser()]);
    await follow(u, p);
    const object = note(p);
    await h.apply({ id: activityId(eve, "delete"), type: "Delete", actor: eve.actor.id, object: object.id });
    expect(await tombstone(String(object.id))).toBeNull();
    // Nor of our own posts.
    const local = `${localActorUri(u.account.username)}/statuses/${newId()}`;
    await h.apply({ id: activityId(eve, "delete"), type: "Delete", actor: eve.actor.id, object: local });
    expect(await tombstone(local)).toBeNull();

    await h.apply(create(p, object));
    expect(await statusIdByUri(String(object.id))).toBeTypeOf("number");
  });

  it("a Delete of someone else's stored post (same server) is refused and leaves no tombstone", async () => {
    const h = new Harness();
    const [p, u] = await Promise.all([peer(), createTestUser()]);
    await follow(u, p);
    const mallory = await peer("mallory", p.host);
    const object = note(p);
    await h.apply(create(p, object));
    await h.apply({ id: activityId(mallory, "delete"), type: "Delete", actor: mallory.actor.id, object: object.id });
    expect(await statusIdByUri(String(object.id))).toBeTypeOf("number");
    expect(await tombstone(String(object.id))).toBeNull();
  });

  it("the cron purges tombstones past the retention and keeps fresh ones", async () => {
    const p = await peer();
    const now = Date.now();
    const old = `${p.actor.id}/statuses/old-${newId()}`;
    const fresh = `${p.actor.id}/statuses/fresh-${newId()}`;
    await env.DB.batch([
      env.DB.prepare("INSERT INTO federation_tombstones (uri, account_id, created_at) VALUES (?, ?, ?)").bind(
        old,
        p.account.id,
        now - (TOMBSTONE_RETENTION_DAYS + 1) * 86_400_000,
      ),
      env.DB.prepare("INSERT INTO federation_tombstones (uri, account_id, created_at) VALUES (?, ?, ?)").bind(
        fresh,
        p.account.id,
        now - 60_000,
      ),
    ]);
    await purgeTombstones(createDb(env.DB), now);
    expect(await tombstone(old)).toBeNull();
    expect(await tombstone(fresh)).not.toBeNull();
  });
});
