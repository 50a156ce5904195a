import { describe, expect, it } from "vitest";
import { createList, home, post, relate, timeline, users } from "../feeds/helpers";
import { api } from "../helpers/fixtures";

describe("list timeline", () => {
  it("shows the list's feed, honours the replies policy, and keeps exclusive members out of home", async () => {
    const [owner, member, other, outsider] = await users(4);
    if (!owner || !member || !other || !outsider) throw new Error("users");
    await relate(owner, member.account.id, "follow");
    await relate(owner, other.account.id, "follow");
    const list = await createList(owner, [member.account.id], { repliesPolicy: "list" });
    const none = await createList(owner, [member.account.id], { repliesPolicy: "none" });
    const exclusive = await createList(owner, [other.account.id], { exclusive: true });

    const plain = await post(member.account.id);
    const toOther = await post(member.account.id, { inReplyTo: { id: plain, accountId: other.account.id } });
    const byOther = await post(other.account.id);

    expect((await timeline(`/api/v1/timelines/list/${list}`, owner.token)).ids).toEqual([plain]);
    expect((await timeline(`/api/v1/timelines/list/${none}`, owner.token)).ids).toEqual([plain]);
    expect((await timeline(`/api/v1/timelines/list/${exclusive}`, owner.token)).ids).toEqual([byOther]);
    expect((await home(owner)).ids).toEqual([toOther, plain]);
  });

  it("answers 404 for a list that is not the viewer's, or no list at all", async () => {
    const [owner, intruder] = await users(2);
    if (!owner || !intruder) throw new Error("users");
    const list = await createList(owner, []);
    for (const path of [`/api/v1/timelines/list/${list}`, "/api/v1/timelines/list/123", "/api/v1/timelines/list/abc"]) {
      const res = await api(path, { token: intruder.token });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: "Record not found" });
    }
    expect((await api(`/api/v1/timelines/list/${list}`)).status).toBe(401);
  });
});
