/**
 * The whole path through the real local queue: statuses posted, boosted and deleted through the API,
 * the FANOUT queue delivering to the consumer, and the follower's home timeline and notifications.
 */
import { describe, expect, it } from "vitest";
import { home, relate, users } from "../feeds/helpers";
import { api } from "../helpers/fixtures";

/** Polls `check` until it holds (the local queue delivers within about a second). */
async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function postStatus(token: string, json: Record<string, unknown>): Promise<number> {
  const res = await api("/api/v1/statuses", { token, json });
  expect(res.status, await res.clone().text()).toBe(200);
  return Number(((await res.json()) as { id: string }).id);
}

describe("timelines through the real FANOUT queue", () => {
  it("deliver posts, boosts and mentions to followers, and take deleted ones back", async () => {
    const [author, follower, mentioned] = await users(3);
    if (!author || !follower || !mentioned) throw new Error("users");
    await relate(follower, author.account.id, "follow");

    const id = await postStatus(author.token, { status: `hello @${mentioned.account.username}` });
    await eventually(async () => (await home(follower)).ids.includes(id));
    expect((await home(author)).ids).toContain(id);
    await eventually(async () => {
      const res = await api("/api/v1/notifications?types[]=mention", { token: mentioned.token });
      const list = (await res.json()) as Array<{ type: string; status: { id: string } | null }>;
      return list.some((n) => n.type === "mention" && n.status?.id === String(id));
    });

    const other = await postStatus(mentioned.token, { status: "boost me" });
    const boost = await api(`/api/v1/statuses/${other}/reblog`, { token: author.token, method: "POST" });
    expect(boost.status).toBe(200);
    const boostId = Number(((await boost.json()) as { id: string }).id);
    await eventually(async () => (await home(follower)).ids.includes(boostId));

    const deleted = await api(`/api/v1/statuses/${id}`, { token: author.token, method: "DELETE" });
    expect(deleted.status).toBe(200);
    await eventually(async () => !(await home(follower)).ids.includes(id));
    const after = await home(follower);
    expect(after.ids).toEqual([boostId]);
    expect(after.reblogs).toEqual([other]);
  });
});
