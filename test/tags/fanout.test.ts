/**
 * Followed hashtags feed the home timeline: the real FANOUT consumer (feeds/helpers `post`) and the
 * real queue behind the posting API.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { feedIds, home, post, relate, remoteAccount, users } from "../feeds/helpers";
import { api, uniqueName } from "../helpers/fixtures";

async function followTag(token: string, name: string): Promise<void> {
  const res = await api(`/api/v1/tags/${name}/follow`, { token, method: "POST" });
  expect(res.status, await res.clone().text()).toBe(200);
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("followed tags in the home feed", () => {
  it("delivers public statuses with a followed tag, local and remote, and nothing else", async () => {
    const [author, follower, other] = await users(3);
    if (!author || !follower || !other) throw new Error("users");
    const tag = uniqueName("ft").toLowerCase();
    await followTag(follower.token, tag);

    const pub = await post(author.account.id, { tags: [tag] });
    const unlisted = await post(author.account.id, { tags: [tag], visibility: "unlisted" });
    const priv = await post(author.account.id, { tags: [tag], visibility: "private" });
    const untagged = await post(author.account.id, {});
    const otherTag = await post(author.account.id, { tags: [uniqueName("nf").toLowerCase()] });
    const remote = await remoteAccount();
    const remotePub = await post(remote.id, { tags: [tag], local: false });
    const boost = await post(other.account.id, { reblogOf: pub });

    const ids = await feedIds(follower.account.id);
    expect(ids).toEqual([remotePub, pub]);
    for (const id of [unlisted, priv, untagged, otherTag, boost]) expect(ids).not.toContain(id);
    const timeline = await home(follower);
    expect(timeline.ids).toEqual([remotePub, pub]);
    // The author's own status is not duplicated into its home through its own tag follow.
    await followTag(author.token, tag);
    const again = await post(author.account.id, { tags: [tag] });
    expect((await feedIds(author.account.id)).filter((id) => id === again)).toHaveLength(1);
  }, 30_000);

  it("applies blocks, mutes, mentions, domain blocks and silenced authors as Mastodon's tag filter does", async () => {
    const [author, blocker, muter, blockedByAuthor, mentionMuter, plain, mentioned] = await users(7);
    if (!author || !blocker || !muter || !blockedByAuthor || !mentionMuter || !plain || !mentioned) throw new Error("users");
    const tag = uniqueName("fx").toLowerCase();
    for (const u of [blocker, muter, blockedByAuthor, mentionMuter, plain]) await followTag(u.token, tag);
    await relate(blocker, author.account.id, "block");
    await relate(muter, author.account.id, "mute");
    await relate(author, blockedByAuthor.account.id, "block");
    await relate(mentionMuter, mentioned.account.id, "mute");

    const s1 = await post(author.account.id, { tags: [tag], mentions: [mentioned.account.id] });
    expect(await feedIds(plain.account.id)).toEqual([s1]);
    for (const u of [blocker, muter, blockedByAuthor, mentionMuter]) expect(await feedIds(u.account.id)).toEqual([]);

    const remote = await remoteAccount();
    const domainBlocker = (await users(1))[0];
    if (!domainBlocker) throw new Error("users");
    await followTag(domainBlocker.token, tag);
    const block = await api("/api/v1/domain_blocks", { token: domainBlocker.token, json: { domain: remote.domain } });
    expect(block.status).toBe(200);
    const s2 = await post(remote.id, { tags: [tag], local: false });
    expect(await feedIds(domainBlocker.account.id)).toEqual([]);
    expect(await feedIds(plain.account.id)).toEqual([s2, s1]);

    const silenced = (await users(1))[0];
    if (!silenced) throw new Error("users");
    await env.DB.prepare("UPDATE accounts SET silenced_at = ? WHERE id = ?").bind(Date.now(), silenced.account.id).run();
    const s3 = await post(silenced.account.id, { tags: [tag] });
    expect(await feedIds(plain.account.id)).not.toContain(s3);
  }, 30_000);

  it("reaches a follower through the posting API and the real FANOUT queue, and stops after unfollow", async () => {
    const [author, follower] = await users(2);
    if (!author || !follower) throw new Error("users");
    const tag = uniqueName("q").toLowerCase();
    await followTag(follower.token, tag);
    const res = await api("/api/v1/statuses", { token: author.token, json: { status: `hello #${tag.toUpperCase()}` } });
    expect(res.status, await res.clone().text()).toBe(200);
    const id = Number(((await res.json()) as { id: string }).id);
    await eventually(async () => (await home(follower)).ids.includes(id));

    const unfollow = await api(`/api/v1/tags/${tag}/unfollow`, { token: follower.token, method: "POST" });
    expect(unfollow.status).toBe(200);
    const later = await post(author.account.id, { tags: [tag] });
    expect(await feedIds(follower.account.id)).not.toContain(later);
  }, 20_000);
});
