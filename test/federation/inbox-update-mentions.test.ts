/**
 * INBOX consumer: a remote Update that adds mentions of local accounts gives those accounts a
 * `mention` notification (only the new ones, as Mastodon's ProcessStatusUpdateService); accounts that
 * boosted the post get `update`; mentions the edit drops turn silent (out of the Status entity's
 * `mentions`), as Mastodon keeps them. Someone else's Update notifies nobody.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { create, Harness, type Json, localActorUri, note, type Peer, peer, statusIdByUri } from "./inbox-consumer-helpers";

async function notifications(u: TestUser, type: string): Promise<Array<{ from_account_id: number; status_id: number }>> {
  const { results } = await env.DB.prepare(
    "SELECT from_account_id, status_id FROM notifications WHERE account_id = ? AND type = ? ORDER BY id",
  )
    .bind(u.account.id, type)
    .all<{ from_account_id: number; status_id: number }>();
  return results;
}

function mentioning(p: Peer, object: Json, users: TestUser[], content: string, seconds: number): Json {
  const hrefs = users.map((u) => localActorUri(u.account.username));
  return {
    ...object,
    content,
    cc: [`${p.actor.id}/followers`, ...hrefs],
    tag: hrefs.map((href) => ({ type: "Mention", href, name: `@${href.split("/").pop()}@petrel.test` })),
    updated: new Date(Date.now() + seconds * 1000).toISOString(),
  };
}

function update(p: Peer, object: Json, n: number): Json {
  return { id: `${String(object.id)}#updates/${n}`, type: "Update", actor: p.actor.id, object };
}

async function mentionsOf(id: number, token: string): Promise<string[]> {
  const res = await api(`/api/v1/statuses/${id}`, { token });
  expect(res.status).toBe(200);
  const body = (await res.json()) as Json;
  expectEntity("Status", body);
  return (body.mentions as Json[]).map((m) => String(m.id)).sort();
}

describe("inbox Update notifies new mentions", () => {
  it("notifies only the newly mentioned, tells boosters with `update`, and silences dropped mentions", async () => {
    const h = new Harness();
    const [p, first, second, booster] = await Promise.all([peer(), createTestUser(), createTestUser(), createTestUser()]);
    const object = note(p, { content: "<p>hi first</p>", mention: [localActorUri(first.account.username)] });
    await h.apply(create(p, object));
    await h.runFanout();
    const id = await statusIdByUri(String(object.id));
    if (id === undefined) throw new Error("not stored");
    expect(await notifications(first, "mention")).toEqual([{ from_account_id: p.account.id, status_id: id }]);
    expect((await api(`/api/v1/statuses/${id}/reblog`, { token: booster.token, method: "POST" })).status).toBe(200);

    await h.apply(update(p, mentioning(p, object, [first, second], "<p>hi first and second</p>", 1), 1));
    await h.runFanout();
    expect(await notifications(second, "mention")).toEqual([{ from_account_id: p.account.id, status_id: id }]);
    // Already told: no second notification, and no `update` either (they did not boost it).
    expect(await notifications(first, "mention")).toHaveLength(1);
    expect(await notifications(first, "update")).toEqual([]);
    expect(await notifications(booster, "update")).toEqual([{ from_account_id: p.account.id, status_id: id }]);
    expect(await mentionsOf(id, second.token)).toEqual([String(first.account.id), String(second.account.id)].sort());

    // The next edit drops `first`: the mention turns silent and leaves the entity; nobody is told again.
    await h.apply(update(p, mentioning(p, object, [second], "<p>only second now</p>", 2), 2));
    await h.runFanout();
    expect(await mentionsOf(id, second.token)).toEqual([String(second.account.id)]);
    const row = await env.DB.prepare("SELECT silent FROM mentions WHERE status_id = ? AND account_id = ?")
      .bind(id, first.account.id)
      .first<{ silent: number }>();
    expect(row?.silent).toBe(1);
    expect(await notifications(first, "mention")).toHaveLength(1);
    expect(await notifications(second, "mention")).toHaveLength(1);

    // Mentioned again: loud again, still one notification.
    await h.apply(update(p, mentioning(p, object, [first, second], "<p>both again</p>", 3), 3));
    expect(await mentionsOf(id, second.token)).toHaveLength(2);
    expect(await notifications(first, "mention")).toHaveLength(1);
  });

  it("an account the author blocks is not notified when an edit mentions it", async () => {
    const h = new Harness();
    const [p, fan, blocked] = await Promise.all([peer(), createTestUser(), createTestUser()]);
    const object = note(p, { mention: [localActorUri(fan.account.username)] });
    await h.apply(create(p, object));
    await env.DB.prepare("INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(newId(), p.account.id, blocked.account.id, Date.now())
      .run();
    await h.apply(update(p, mentioning(p, object, [fan, blocked], "<p>edited</p>", 1), 1));
    expect(await notifications(blocked, "mention")).toEqual([]);
  });

  it("an Update by someone else adds no mention and notifies nobody", async () => {
    const h = new Harness();
    const [p, fan, victim] = await Promise.all([peer(), createTestUser(), createTestUser()]);
    const object = note(p, { mention: [localActorUri(fan.account.username)] });
    await h.apply(create(p, object));
    const id = await statusIdByUri(String(object.id));
    if (id === undefined) throw new Error("not stored");
    const mallory = await peer("mallory", p.host);
    const forged = { ...mentioning(p, object, [fan, victim], "<p>forged</p>", 1), attributedTo: mallory.actor.id };
    await h.apply({ id: `${mallory.actor.id}#updates/1`, type: "Update", actor: mallory.actor.id, object: forged });
    expect(await notifications(victim, "mention")).toEqual([]);
    expect(await mentionsOf(id, fan.token)).toEqual([String(fan.account.id)]);
  });

  it("an account the edit only addresses (no Mention tag) gets a silent mention and no notification", async () => {
    const h = new Harness();
    const [p, fan, other] = await Promise.all([peer(), createTestUser(), createTestUser()]);
    const object = note(p, { content: "<p>same</p>", mention: [localActorUri(fan.account.username)] });
    await h.apply(create(p, object));
    // `other` only addressed in cc, not tagged: a silent mention, no notification.
    const addressed = { ...object, cc: [...(object.cc as string[]), localActorUri(other.account.username)] };
    await h.apply(
      update(p, { ...addressed, content: "<p>same, edited</p>", updated: new Date(Date.now() + 1000).toISOString() }, 1),
    );
    const id = await statusIdByUri(String(object.id));
    const row = await env.DB.prepare("SELECT silent FROM mentions WHERE status_id = ? AND account_id = ?")
      .bind(id ?? 0, other.account.id)
      .first<{ silent: number }>();
    expect(row?.silent).toBe(1);
    expect(await notifications(other, "mention")).toEqual([]);
  });
});
