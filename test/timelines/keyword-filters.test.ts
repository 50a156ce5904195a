import { describe, expect, it } from "vitest";
import { home, post, relate, timeline, users } from "../feeds/helpers";
import { api } from "../helpers/fixtures";

async function filter(token: string, body: Record<string, unknown>): Promise<void> {
  const res = await api("/api/v2/filters", { token, json: body });
  expect(res.status).toBe(200);
}

describe("keyword filters on timelines", () => {
  it("hide a matching status from home and mark it in the public timeline", async () => {
    const [alice, bob] = await users(2);
    if (!alice || !bob) throw new Error("users");
    await relate(alice, bob.account.id, "follow");
    const word = `zork${Date.now().toString(36)}`;
    await filter(alice.token, {
      title: "no",
      context: ["home"],
      filter_action: "hide",
      keywords_attributes: [{ keyword: word }],
    });
    await filter(alice.token, {
      title: "warn",
      context: ["public"],
      filter_action: "warn",
      keywords_attributes: [{ keyword: word }],
    });
    const matching = await post(bob.account.id, { text: `a ${word} here` });
    const fine = await post(bob.account.id, { text: "fine" });

    expect((await home(alice)).ids).toEqual([fine]);
    const res = await api(`/api/v1/timelines/public?local=true&limit=40&max_id=${fine + 1}`, { token: alice.token });
    const page = (await res.json()) as Array<{ id: string; filtered?: Array<{ keyword_matches: string[] | null }> }>;
    const marked = page.find((s) => s.id === String(matching));
    expect(marked?.filtered?.[0]?.keyword_matches).toEqual([word]);
    expect(page.find((s) => s.id === String(fine))?.filtered).toEqual([]);
    // Anonymous readers have no filters.
    expect((await timeline(`/api/v1/timelines/public?local=true&limit=40&max_id=${fine + 1}`)).ids).toContain(matching);
  });
});

describe("keyword filters on threads and profiles", () => {
  it("hide a matching reply from the thread and a matching status from the author's profile", async () => {
    const [alice, bob] = await users(2);
    if (!alice || !bob) throw new Error("users");
    const word = `quux${Date.now().toString(36)}`;
    await filter(alice.token, {
      title: "gone",
      context: ["thread", "account"],
      filter_action: "hide",
      keywords_attributes: [{ keyword: word }],
    });
    const root = await post(bob.account.id, { text: "root" });
    const reply = await post(bob.account.id, { text: `re ${word}`, inReplyTo: { id: root, accountId: bob.account.id } });
    const plain = await post(bob.account.id, { text: "plain", inReplyTo: { id: root, accountId: bob.account.id } });

    const context = (await (await api(`/api/v1/statuses/${root}/context`, { token: alice.token })).json()) as {
      descendants: Array<{ id: string }>;
    };
    expect(context.descendants.map((s) => s.id)).toEqual([String(plain)]);
    const profile = (await (await api(`/api/v1/accounts/${bob.account.id}/statuses`, { token: alice.token })).json()) as Array<{
      id: string;
    }>;
    expect(profile.map((s) => s.id)).not.toContain(String(reply));
    expect(profile.map((s) => s.id)).toContain(String(plain));
  });
});
