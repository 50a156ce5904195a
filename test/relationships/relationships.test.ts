import { describe, expect, it } from "vitest";
import { api, createTestUser, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { exec, expectError, follow, type Json, lockedUser, post, relationshipOf, remoteAccount } from "./helpers";

describe("GET /api/v1/accounts/relationships", () => {
  it("answers one entry per known id, in the order asked, with every flag", async () => {
    const me = await lockedUser();
    const followed = await createTestUser();
    const follower = await createTestUser();
    const asked = await lockedUser();
    const asker = await createTestUser();
    const blocked = await createTestUser();
    const blocker = await createTestUser();
    const quiet = await createTestUser();
    const muted = await createTestUser();
    const noted = await createTestUser();
    const gone = await createTestUser();
    const domain = `${uniqueName("d")}.example`;
    const remote = await remoteAccount(domain);

    await follow(me, followed, { reblogs: false, notify: true, languages: ["fr"] });
    await follow(follower, me);
    await relationshipOf(await post(`/api/v1/follow_requests/${follower.account.id}/authorize`, me.token));
    await follow(me, asked);
    await follow(asker, me);
    await relationshipOf(await post(`/api/v1/accounts/${blocked.account.id}/block`, me.token));
    await relationshipOf(await post(`/api/v1/accounts/${me.account.id}/block`, blocker.token));
    await relationshipOf(
      await post(`/api/v1/accounts/${quiet.account.id}/mute`, me.token, { notifications: false, duration: 3600 }),
    );
    await relationshipOf(await post(`/api/v1/accounts/${muted.account.id}/mute`, me.token));
    await relationshipOf(await post(`/api/v1/accounts/${noted.account.id}/note`, me.token, { comment: "met at the café" }));
    const blockedDomain = await api("/api/v1/domain_blocks", { token: me.token, method: "POST", json: { domain } });
    expect(blockedDomain.status).toBe(200);
    await exec("UPDATE accounts SET suspended_at = ? WHERE id = ?", Date.now(), gone.account.id);

    const ids = [
      noted.account.id,
      followed.account.id,
      999999999999,
      follower.account.id,
      asked.account.id,
      asker.account.id,
      gone.account.id,
      blocked.account.id,
      blocker.account.id,
      quiet.account.id,
      muted.account.id,
      remote,
      followed.account.id,
    ];
    const query = ids.map((id) => `id[]=${id}`).join("&");
    const res = await api(`/api/v1/accounts/relationships?${query}`, { token: me.token });
    expect(res.status).toBe(200);
    const list = (await res.json()) as Json[];
    expectEntity("Relationship", list, { array: true });
    const byId = new Map(list.map((r) => [r.id, r]));
    // Unknown and suspended ids are skipped; a repeated id appears once; the order is the one asked for.
    expect(list.map((r) => r.id)).toEqual(
      [
        noted.account.id,
        followed.account.id,
        follower.account.id,
        asked.account.id,
        asker.account.id,
        blocked.account.id,
        blocker.account.id,
        quiet.account.id,
        muted.account.id,
        remote,
      ].map(String),
    );

    const none: Json = {
      following: false,
      showing_reblogs: false,
      notifying: false,
      languages: null,
      followed_by: false,
      blocking: false,
      blocked_by: false,
      muting: false,
      muting_notifications: false,
      muting_expires_at: null,
      requested: false,
      requested_by: false,
      domain_blocking: false,
      endorsed: false,
      note: "",
    };
    const expectFlags = (id: number, flags: Json) => expect(byId.get(String(id))).toEqual({ ...none, id: String(id), ...flags });

    expectFlags(noted.account.id, { note: "met at the café" });
    expectFlags(followed.account.id, { following: true, showing_reblogs: false, notifying: true, languages: ["fr"] });
    expectFlags(follower.account.id, { followed_by: true });
    expectFlags(asked.account.id, { requested: true, showing_reblogs: true });
    expectFlags(asker.account.id, { requested_by: true });
    expectFlags(blocked.account.id, { blocking: true });
    expectFlags(blocker.account.id, { blocked_by: true });
    const quietRel = byId.get(String(quiet.account.id)) as Json;
    expect(quietRel).toMatchObject({ muting: true, muting_notifications: false });
    const expires = Date.parse(String(quietRel.muting_expires_at));
    expect(expires).toBeGreaterThan(Date.now() + 3500_000);
    expect(expires).toBeLessThan(Date.now() + 3700_000);
    expectFlags(muted.account.id, { muting: true, muting_notifications: true });
    expectFlags(remote, { domain_blocking: true });

    // with_suspended brings the suspended account back.
    const withSuspended = await api(`/api/v1/accounts/relationships?id[]=${gone.account.id}&with_suspended=true`, {
      token: me.token,
    });
    const suspendedList = (await withSuspended.json()) as Json[];
    expect(suspendedList.map((r) => r.id)).toEqual([String(gone.account.id)]);
  });

  it("accepts `id` as a single value and ignores malformed ids; an empty request is an empty list", async () => {
    const me = await createTestUser();
    const other = await createTestUser();
    const single = await api(`/api/v1/accounts/relationships?id=${other.account.id}`, { token: me.token });
    expect(((await single.json()) as Json[]).map((r) => r.id)).toEqual([String(other.account.id)]);
    const malformed = await api(`/api/v1/accounts/relationships?id[]=abc&id[]=-1&id[]=${other.account.id}`, { token: me.token });
    expect(((await malformed.json()) as Json[]).map((r) => r.id)).toEqual([String(other.account.id)]);
    const empty = await api("/api/v1/accounts/relationships", { token: me.token });
    expect(await empty.json()).toEqual([]);
  });

  it("needs a user token with read:follows", async () => {
    const other = await createTestUser();
    await expectError(await api(`/api/v1/accounts/relationships?id[]=${other.account.id}`), 401, "The access token is invalid");
    const writer = await createTestUser({ scopes: "write" });
    await expectError(
      await api(`/api/v1/accounts/relationships?id[]=${other.account.id}`, { token: writer.token }),
      403,
      "This action is outside the authorized scopes",
    );
  });
});
