import { describe, expect, it } from "vitest";
import { post, relate, remoteAccount, timeline, users } from "../feeds/helpers";
import { uniqueName } from "../helpers/fixtures";

describe("hashtag timeline", () => {
  it("lists public statuses with the tag, with any[], all[], none[], local and only_media", async () => {
    const [author, muted, viewer] = await users(3);
    if (!author || !muted || !viewer) throw new Error("users");
    const remote = await remoteAccount();
    const t1 = uniqueName("t").toLowerCase();
    const t2 = uniqueName("t").toLowerCase();
    const t3 = uniqueName("t").toLowerCase();
    const s1 = await post(author.account.id, { tags: [t1], fanout: false });
    const s2 = await post(author.account.id, { tags: [t1, t2], mediaCount: 1, fanout: false });
    const s3 = await post(author.account.id, { tags: [t2], fanout: false });
    const s4 = await post(author.account.id, { tags: [t1, t3], fanout: false });
    await post(author.account.id, { tags: [t1], visibility: "unlisted", fanout: false });
    await post(author.account.id, { tags: [t1], visibility: "private", fanout: false });
    const s7 = await post(remote.id, { tags: [t1], local: false, fanout: false });
    const s8 = await post(muted.account.id, { tags: [t1], fanout: false });
    const tag = `/api/v1/timelines/tag/${t1.toUpperCase()}`;

    expect((await timeline(tag)).ids).toEqual([s8, s7, s4, s2, s1]);
    expect((await timeline(`${tag}?any[]=${t2}`)).ids).toEqual([s8, s7, s4, s3, s2, s1]);
    expect((await timeline(`${tag}?all[]=${t2}`)).ids).toEqual([s2]);
    expect((await timeline(`${tag}?none[]=${t3}`)).ids).toEqual([s8, s7, s2, s1]);
    expect((await timeline(`${tag}?local=true`)).ids).toEqual([s8, s4, s2, s1]);
    expect((await timeline(`${tag}?remote=true`)).ids).toEqual([s7]);
    expect((await timeline(`${tag}?only_media=1`)).ids).toEqual([s2]);
    expect((await timeline(`${tag}?all[]=${uniqueName("never")}`)).ids).toEqual([]);
    expect((await timeline(`/api/v1/timelines/tag/${uniqueName("never")}`)).ids).toEqual([]);
    expect((await timeline(`/api/v1/timelines/tag/${uniqueName("never")}?any[]=${t1}`)).ids).toEqual([]);

    await relate(viewer, muted.account.id, "mute");
    expect((await timeline(tag, viewer.token)).ids).toEqual([s7, s4, s2, s1]);
  });

  it("pages with Link headers until an empty page without one", async () => {
    const [author] = await users(1);
    if (!author) throw new Error("users");
    const t = uniqueName("t").toLowerCase();
    const posted: number[] = [];
    for (let i = 0; i < 5; i++) posted.push(await post(author.account.id, { tags: [t], fanout: false }));
    const seen: number[] = [];
    let path: string | undefined = `/api/v1/timelines/tag/${t}?limit=2`;
    for (let pages = 0; path && pages < 6; pages++) {
      const page = await timeline(path);
      seen.push(...page.ids);
      const next = /<([^>]+)>; rel="next"/.exec(page.link ?? "")?.[1];
      path = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    expect(path).toBeUndefined();
    expect(seen).toEqual([...posted].reverse());
    const up = await timeline(`/api/v1/timelines/tag/${t}?min_id=${posted[0]}&limit=2`);
    expect(up.ids).toEqual([posted[2], posted[1]]);
  });
});
