import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { setChosenLanguages } from "../../src/services/chosen-languages";
import { post, relate, remoteAccount, timeline, users } from "../feeds/helpers";
import { api, db, uniqueName } from "../helpers/fixtures";

/**
 * Other test files write public statuses into the same database at the same time, so each test looks
 * only at the statuses it wrote, inside a since_id window opened just before writing them.
 */
function mine(ids: number[], own: Set<number>): number[] {
  return ids.filter((id) => own.has(id));
}

describe("public timeline", () => {
  it("lists public originals newest first, without unlisted, boosts or replies to others; local, remote and only_media", async () => {
    const [local, other] = await users(2);
    if (!local || !other) throw new Error("users");
    const remote = await remoteAccount();
    const since = newId();
    const withMedia = await post(local.account.id, { mediaCount: 1, fanout: false });
    const plain = await post(local.account.id, { fanout: false });
    const unlisted = await post(local.account.id, { visibility: "unlisted", fanout: false });
    const privateOne = await post(local.account.id, { visibility: "private", fanout: false });
    const boost = await post(local.account.id, { reblogOf: plain, fanout: false });
    const replyToOther = await post(local.account.id, { inReplyTo: { id: plain, accountId: other.account.id }, fanout: false });
    const selfReply = await post(local.account.id, { inReplyTo: { id: plain, accountId: local.account.id }, fanout: false });
    const fromRemote = await post(remote.id, { local: false, mediaCount: 2, fanout: false });
    const own = new Set([withMedia, plain, unlisted, privateOne, boost, replyToOther, selfReply, fromRemote]);

    const all = await timeline(`/api/v1/timelines/public?since_id=${since}&limit=40`);
    expect(mine(all.ids, own)).toEqual([fromRemote, selfReply, plain, withMedia]);
    const localOnly = await timeline(`/api/v1/timelines/public?local=true&since_id=${since}&limit=40`);
    expect(mine(localOnly.ids, own)).toEqual([selfReply, plain, withMedia]);
    const remoteOnly = await timeline(`/api/v1/timelines/public?remote=1&since_id=${since}&limit=40`);
    expect(mine(remoteOnly.ids, own)).toEqual([fromRemote]);
    const media = await timeline(`/api/v1/timelines/public?only_media=true&since_id=${since}&limit=40`);
    expect(mine(media.ids, own)).toEqual([fromRemote, withMedia]);
    const both = await timeline(`/api/v1/timelines/public?local=true&remote=true&since_id=${since}&limit=40`);
    expect(mine(both.ids, own)).toEqual([fromRemote, selfReply, plain, withMedia]);
  });

  it("hides authors the viewer blocks, is blocked by, mutes, or whose domain it blocks", async () => {
    const [viewer, blocked, blocker, muted, fine] = await users(5);
    if (!viewer || !blocked || !blocker || !muted || !fine) throw new Error("users");
    const remote = await remoteAccount();
    await relate(viewer, blocked.account.id, "block");
    await relate(blocker, viewer.account.id, "block");
    await relate(viewer, muted.account.id, "mute");
    await env.DB.prepare("INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?, ?, ?, ?)")
      .bind(newId(), viewer.account.id, remote.domain, Date.now())
      .run();
    const since = newId();
    const hidden = [
      await post(blocked.account.id, { fanout: false }),
      await post(blocker.account.id, { fanout: false }),
      await post(muted.account.id, { fanout: false }),
      await post(remote.id, { local: false, fanout: false }),
    ];
    const shown = await post(fine.account.id, { fanout: false });
    const own = new Set([...hidden, shown]);

    const page = await timeline(`/api/v1/timelines/public?since_id=${since}&limit=40`, viewer.token);
    expect(mine(page.ids, own)).toEqual([shown]);
    const anonymous = await timeline(`/api/v1/timelines/public?since_id=${since}&limit=40`);
    expect(mine(anonymous.ids, own)).toEqual([shown, ...hidden].sort((a, b) => b - a));
  });

  it("pages with Link headers and refuses garbage cursors", async () => {
    const [author] = await users(1);
    if (!author) throw new Error("users");
    const since = newId();
    const posted: number[] = [];
    for (let i = 0; i < 5; i++) posted.push(await post(author.account.id, { fanout: false }));
    const first = await timeline(`/api/v1/timelines/public?since_id=${since}&limit=2&local=true`);
    expect(first.link).toMatch(/rel="next"/);
    expect(first.link).toMatch(/rel="prev"/);
    expect(first.link).toContain("local=true");
    const up = await timeline(`/api/v1/timelines/public?min_id=${posted[1]}&limit=40`);
    expect(mine(up.ids, new Set(posted))).toEqual([posted[4], posted[3], posted[2]]);
    expect((await api("/api/v1/timelines/public?max_id=abc")).status).toBe(400);
    const empty = await timeline(`/api/v1/timelines/public?since_id=${newId() + 10_000_000}`);
    expect(empty.ids).toEqual([]);
    expect(empty.link).toBeNull();
  });

  it("shows a viewer who chose languages only statuses in them, on public and hashtag timelines", async () => {
    const [viewer, author] = await users(2);
    if (!viewer || !author) throw new Error("users");
    expect(await setChosenLanguages(db(), viewer.user.id, ["fr", "de", "not-a-language"])).toEqual(["fr", "de"]);
    const tag = uniqueName("lang");
    const since = newId();
    const french = await post(author.account.id, { language: "fr", tags: [tag], fanout: false });
    const english = await post(author.account.id, { language: "en", tags: [tag], fanout: false });
    const unknown = await post(author.account.id, { language: null, tags: [tag], fanout: false });
    const own = new Set([french, english, unknown]);

    // Mastodon's PublicFeed: `language IN (chosen)`, so a status without a language is left out too.
    const chosen = await timeline(`/api/v1/timelines/public?since_id=${since}&limit=40`, viewer.token);
    expect(mine(chosen.ids, own)).toEqual([french]);
    const tagged = await timeline(`/api/v1/timelines/tag/${tag}?since_id=${since}&limit=40`, viewer.token);
    expect(mine(tagged.ids, own)).toEqual([french]);
    const anonymous = await timeline(`/api/v1/timelines/public?since_id=${since}&limit=40`);
    expect(mine(anonymous.ids, own)).toEqual([unknown, english, french]);

    expect(await setChosenLanguages(db(), viewer.user.id, [])).toBeNull();
    const all = await timeline(`/api/v1/timelines/public?since_id=${since}&limit=40`, viewer.token);
    expect(mine(all.ids, own)).toEqual([unknown, english, french]);
  });
});
