/**
 * A new status reaches the user and list streams of the author's online followers from their socket
 * shards, which apply Mastodon's home and list rules themselves (src/services/home-rules.ts) before
 * the FANOUT consumer writes a single feed; the feed writes then stream nothing a second time.
 */
import { describe, expect, it } from "vitest";
import { createList, post, relate, users } from "../feeds/helpers";
import { api } from "../helpers/fixtures";
import { connected, expectNone, type Frame, payloadOf, type TestSocket } from "./helpers";

const updateOf = (id: number, stream: string) => (f: Frame) =>
  f.event === "update" && f.stream?.[0] === stream && payloadOf<{ id: string }>(f).id === String(id);

describe("followers' streams", { timeout: 30_000 }, () => {
  it("apply languages, the reply rule and exclusive lists per follower, and send each update once", async () => {
    const [author, plain, french, threadFollower, lister, replied] = await users(6);
    if (!author || !plain || !french || !threadFollower || !lister || !replied) throw new Error("users");
    await relate(plain, author.account.id, "follow");
    const lang = await api(`/api/v1/accounts/${author.account.id}/follow`, {
      token: french.token,
      method: "POST",
      json: { languages: ["fr"] },
    });
    expect(lang.status).toBe(200);
    await relate(threadFollower, author.account.id, "follow");
    await relate(threadFollower, replied.account.id, "follow");
    await relate(lister, author.account.id, "follow");
    const list = await createList(lister, [author.account.id], { exclusive: true });

    const sockets = await Promise.all(
      [plain, french, threadFollower, lister].map((u) => connected("stream=user", { token: u.token })),
    );
    const [toPlain, toFrench, toThread, toLister] = sockets as [TestSocket, TestSocket, TestSocket, TestSocket];
    toLister.subscribe("list", { list: String(list) });
    for (const s of sockets) await s.barrier();

    // Through the real consumer, without the posting request's head start: it streams, then writes.
    const english = await post(author.account.id, { language: "en" });
    await toPlain.waitFor(updateOf(english, "user"));
    await toThread.waitFor(updateOf(english, "user"));
    const listed = await toLister.waitFor(updateOf(english, "list"));
    expect(listed.stream).toEqual(["list", String(list)]);
    await expectNone(toFrench, (f) => f.event === "update", 300);
    await expectNone(toLister, updateOf(english, "user"), 0);

    const reply = await post(author.account.id, { language: "en", inReplyTo: { id: english, accountId: replied.account.id } });
    await toThread.waitFor(updateOf(reply, "user"));
    await expectNone(toPlain, updateOf(reply, "user"), 300);

    // The feed writes came after the sockets were served, and did not stream the status again.
    expect(toPlain.frames.filter(updateOf(english, "user"))).toHaveLength(1);
    expect(toThread.frames.filter(updateOf(english, "user"))).toHaveLength(1);
    for (const s of sockets) s.close();
  });

  it("reach followers from the posting request, in followers-only posts too", async () => {
    const [author, follower, stranger] = await users(3);
    if (!author || !follower || !stranger) throw new Error("users");
    await relate(follower, author.account.id, "follow");
    const [toFollower, toStranger] = (await Promise.all(
      [follower, stranger].map((u) => connected("stream=user", { token: u.token })),
    )) as [TestSocket, TestSocket];
    await toFollower.barrier();
    await toStranger.barrier();

    const res = await api("/api/v1/statuses", { token: author.token, json: { status: "friends only", visibility: "private" } });
    expect(res.status).toBe(200);
    const id = Number(((await res.json()) as { id: string }).id);
    const frame = await toFollower.waitFor(updateOf(id, "user"));
    expect(payloadOf<{ visibility: string }>(frame).visibility).toBe("private");
    await expectNone(toStranger, (f) => f.event === "update", 300);
    await new Promise((r) => setTimeout(r, 300));
    expect(toFollower.frames.filter(updateOf(id, "user"))).toHaveLength(1);
    toFollower.close();
    toStranger.close();
  });
});
