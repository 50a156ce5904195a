/**
 * What the FANOUT consumer enqueues on DELIVERY for local statuses: Create/Update/Delete (and
 * Announce / Undo Announce for boosts), to remote followers deduplicated by shared inbox, plus
 * mentioned and replied-to actors; direct statuses never to followers; nothing for local-only reach.
 */

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { enqueueDelivery } from "../../src/federation/outbound/enqueue";
import { followerInboxPage } from "../../src/federation/outbound/recipients";
import { DELIVERY_INBOXES_PER_MESSAGE } from "../../src/queue/messages";
import { createTestUser, uniqueName } from "../helpers/fixtures";
import { LOCAL, SpyQueue } from "./helpers";
import { follow, insertStatus, PUBLIC, remote, single, spies } from "./outbound-helpers";

type Json = Record<string, unknown>;

/** An author with followers: two on one Mastodon-like host (one shared inbox), one GoToSocial-like, one local. */
async function authorWithFollowers() {
  const author = await createTestUser();
  const host = `${uniqueName("masto")}.example`;
  const a = await remote(host);
  const b = await remote(host);
  const gts = await remote(undefined, { shared: false });
  const local = await createTestUser();
  for (const f of [a, b, gts]) await follow(f.account.id, author.account.id);
  await follow(local.account.id, author.account.id);
  return { author, sharedInbox: `https://${host}/inbox`, gtsInbox: `${gts.actor.id}/inbox`, a, gts };
}

describe("outbound statuses", { timeout: 30_000 }, () => {
  it("sends a public status's Create once per shared inbox, plus to mentioned and replied-to actors", async () => {
    const { author, sharedInbox, gtsInbox } = await authorWithFollowers();
    const mentioned = await remote();
    const parentAuthor = await remote();
    const parent = await insertStatus(parentAuthor.account.id, { local: false, uri: `${parentAuthor.actor.id}/statuses/9` });
    const s = spies();
    const id = await insertStatus(author.account.id, {
      mentions: [mentioned.account.id],
      inReplyTo: { id: parent, accountId: parentAuthor.account.id },
    });
    await s.fanoutRun({ type: "status.created", v: 1, statusId: id });
    const { activity, inboxes, actorId } = single(s.take());
    expect(actorId).toBe(author.account.id);
    expect(inboxes).toEqual(
      [sharedInbox, gtsInbox, new URL("/inbox", mentioned.actor.id).href, new URL("/inbox", parentAuthor.actor.id).href].sort(),
    );
    const uri = `${LOCAL}/users/${author.account.username}/statuses/${id}`;
    expect(activity).toMatchObject({
      id: `${uri}/activity`,
      type: "Create",
      actor: `${LOCAL}/users/${author.account.username}`,
      to: [PUBLIC],
    });
    const object = activity.object as Json;
    expect(object).toMatchObject({ id: uri, type: "Note", inReplyTo: `${parentAuthor.actor.id}/statuses/9` });
    expect(object.cc).toContain(mentioned.actor.id);
  });

  it("never sends a direct status to followers, only to the mentioned", async () => {
    const { author, a } = await authorWithFollowers();
    const mentioned = await remote(undefined, { shared: false });
    const s = spies();
    const id = await insertStatus(author.account.id, { visibility: "direct", mentions: [mentioned.account.id] });
    await s.fanoutRun({ type: "status.created", v: 1, statusId: id });
    const { activity, inboxes } = single(s.take());
    expect(inboxes).toEqual([`${mentioned.actor.id}/inbox`]);
    expect(activity.to).toEqual([mentioned.actor.id]);
    expect(activity.cc).toEqual([]);
    expect(JSON.stringify(activity)).not.toContain(PUBLIC);
    expect(inboxes).not.toContain(new URL("/inbox", a.actor.id).href);
  });

  it("sends private statuses to followers without Public, and nothing when all reach is local", async () => {
    const { author, sharedInbox, gtsInbox } = await authorWithFollowers();
    const s = spies();
    const id = await insertStatus(author.account.id, { visibility: "private" });
    await s.fanoutRun({ type: "status.created", v: 1, statusId: id });
    const { activity, inboxes } = single(s.take());
    expect(inboxes).toEqual([sharedInbox, gtsInbox].sort());
    expect(activity.to).toEqual([`${LOCAL}/users/${author.account.username}/followers`]);
    expect(JSON.stringify(activity)).not.toContain(PUBLIC);

    const loner = await createTestUser();
    const localFan = await createTestUser();
    await follow(localFan.account.id, loner.account.id);
    const quiet = await insertStatus(loner.account.id, { mentions: [localFan.account.id] });
    await s.fanoutRun({ type: "status.created", v: 1, statusId: quiet });
    expect(s.delivery.sent).toEqual([]);
  });

  it("sends an Update for an edit, naming the edit time", async () => {
    const { author, sharedInbox, gtsInbox } = await authorWithFollowers();
    const s = spies();
    const posted = await s.call(author.token, "POST", "/api/v1/statuses", { status: "first" });
    const { id } = await posted.json<{ id: string }>();
    await s.drainFanout();
    expect(single(s.take()).activity.type).toBe("Create");
    const edited = await s.call(author.token, "PUT", `/api/v1/statuses/${id}`, { status: "second" });
    expect(edited.status).toBe(200);
    await s.drainFanout();
    const { activity, inboxes } = single(s.take());
    expect(inboxes).toEqual([sharedInbox, gtsInbox].sort());
    const uri = `${LOCAL}/users/${author.account.username}/statuses/${id}`;
    expect(activity.type).toBe("Update");
    expect(String(activity.id)).toMatch(new RegExp(`^${uri}#updates/\\d+$`));
    expect(activity.object).toMatchObject({ id: uri, type: "Note", content: "<p>second</p>" });
    expect((activity.object as Json).updated).toEqual(expect.any(String));
  });

  it("sends a Delete with a Tombstone to followers and the mentioned after the rows are gone", async () => {
    const { author, sharedInbox, gtsInbox } = await authorWithFollowers();
    const mentioned = await remote();
    const s = spies();
    const id = await insertStatus(author.account.id, { mentions: [mentioned.account.id] });
    const res = await s.call(author.token, "DELETE", `/api/v1/statuses/${id}`);
    expect(res.status).toBe(200);
    await s.drainFanout();
    const { activity, inboxes } = single(s.take());
    const uri = `${LOCAL}/users/${author.account.username}/statuses/${id}`;
    expect(inboxes).toEqual([sharedInbox, gtsInbox, new URL("/inbox", mentioned.actor.id).href].sort());
    expect(activity).toMatchObject({
      id: `${uri}#delete`,
      type: "Delete",
      actor: `${LOCAL}/users/${author.account.username}`,
      to: [PUBLIC],
      object: { id: uri, type: "Tombstone" },
    });
  });

  it("announces a boost of a remote status to followers and its author, and undoes it", async () => {
    const { author, sharedInbox, gtsInbox } = await authorWithFollowers();
    const origin = await remote(undefined, { shared: false });
    const originalUri = `${origin.actor.id}/statuses/77`;
    const original = await insertStatus(origin.account.id, { local: false, uri: originalUri });
    const s = spies();
    const boosted = await s.call(author.token, "POST", `/api/v1/statuses/${original}/reblog`);
    expect(boosted.status).toBe(200);
    const boost = await boosted.json<{ id: string }>();
    await s.drainFanout();
    const announce = single(s.take());
    const actor = `${LOCAL}/users/${author.account.username}`;
    expect(announce.inboxes).toEqual([sharedInbox, gtsInbox, `${origin.actor.id}/inbox`].sort());
    expect(announce.activity).toMatchObject({
      id: `${actor}/statuses/${boost.id}/activity`,
      type: "Announce",
      actor,
      object: originalUri,
      to: [PUBLIC],
    });
    expect(announce.activity.cc).toContain(origin.actor.id);

    const undone = await s.call(author.token, "POST", `/api/v1/statuses/${original}/unreblog`);
    expect(undone.status).toBe(200);
    await s.drainFanout();
    const undo = single(s.take());
    expect(undo.inboxes).toEqual(announce.inboxes);
    expect(undo.activity).toMatchObject({
      id: `${actor}#announces/${boost.id}/undo`,
      type: "Undo",
      actor,
      object: { id: `${actor}/statuses/${boost.id}/activity`, type: "Announce", object: originalUri },
    });
  });

  it("continues a huge follower list from a delivery.followers FANOUT message after the given follower", async () => {
    const { author, sharedInbox, gtsInbox, a, gts } = await authorWithFollowers();
    const s = spies();
    const activity = { id: "https://petrel.test/x", type: "Update" };
    expect(await s.fanoutRun({ type: "delivery.followers", v: 1, actorId: author.account.id, activity, afterAccountId: 0 })).toBe(
      "done",
    );
    expect(single(s.take()).inboxes).toEqual([sharedInbox, gtsInbox].sort());
    // Only followers above the cursor: the GoToSocial-like follower was stored after both Mastodon-like ones.
    expect(gts.account.id).toBeGreaterThan(a.account.id);
    await s.fanoutRun({
      type: "delivery.followers",
      v: 1,
      actorId: author.account.id,
      activity,
      afterAccountId: gts.account.id - 1,
    });
    expect(single(s.take()).inboxes).toEqual([gtsInbox]);
  });

  it("reads followers in keyset pages and chunks inboxes per message", async () => {
    const author = await createTestUser();
    const followers = [];
    for (let i = 0; i < 3; i++) followers.push(await remote(undefined, { shared: false }));
    for (const f of followers) await follow(f.account.id, author.account.id);
    const db = createDb(env.DB);
    const first = await followerInboxPage(db, author.account.id, 0, 2);
    expect(first.inboxes).toHaveLength(2);
    expect(first.next).not.toBeNull();
    const second = await followerInboxPage(db, author.account.id, first.next ?? 0, 2);
    expect(second.inboxes).toHaveLength(1);
    expect(second.next).toBeNull();
    expect([...first.inboxes, ...second.inboxes].sort()).toEqual(followers.map((f) => `${f.actor.id}/inbox`).sort());

    const spy = new SpyQueue();
    const many = Array.from({ length: 250 }, (_, i) => `https://h${i}.example/inbox`);
    const sent = await enqueueDelivery({ DELIVERY: spy.asQueue() }, 7, { id: "x", type: "Create" }, [
      ...many,
      many[0],
      null,
      "ftp://x",
    ]);
    expect(sent).toBe(3);
    const bodies = spy.sent as Array<{ inboxes: string[] }>;
    expect(bodies.map((b) => b.inboxes.length)).toEqual([DELIVERY_INBOXES_PER_MESSAGE, DELIVERY_INBOXES_PER_MESSAGE, 50]);
    expect(bodies.flatMap((b) => b.inboxes)).toEqual(many);
  });
});
