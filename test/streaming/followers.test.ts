/**
 * A new status reaches the user and list streams of the author's online followers as soon as it is
 * committed: one query applies Mastodon's home and list rules (src/services/home-rules.ts) to the
 * accounts the socket shards hold, before the FANOUT consumer writes a single feed; the feed writes
 * then stream nothing a second time.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newId } from "../../src/ids";
import { readComposeInput } from "../../src/services/statuses/compose";
import { postStatus } from "../../src/services/statuses/post";
import { ONLINE_WAIT_MS, prepareNewStatusStream } from "../../src/streaming/new-status";
import { Params } from "../../src/util/params";
import { SpyQueue } from "../federation/helpers";
import { createList, post, relate, users } from "../feeds/helpers";
import { api, config, db, type TestUser } from "../helpers/fixtures";
import { connected, expectNone, type Frame, payloadOf, type TestSocket } from "./helpers";

const updateOf = (id: number, stream: string) => (f: Frame) =>
  f.event === "update" && f.stream?.[0] === stream && payloadOf<{ id: string }>(f).id === String(id);

/** An author, a follower and a stranger, each reader with a `user` socket also on `streams`. */
async function followerAndStranger(streams: string[]) {
  const [author, follower, stranger] = await users(3);
  if (!author || !follower || !stranger) throw new Error("users");
  await relate(follower, author.account.id, "follow");
  const [toFollower, toStranger] = (await Promise.all(
    [follower, stranger].map((u) => connected("stream=user", { token: u.token })),
  )) as [TestSocket, TestSocket];
  for (const socket of [toFollower, toStranger]) {
    for (const stream of streams) socket.subscribe(stream);
    await socket.barrier();
  }
  return { author, toFollower, toStranger };
}

/** Posts through the API (so the posting request streams it); the new status's id. */
async function posted(token: string, json: Record<string, unknown>): Promise<number> {
  const res = await api("/api/v1/statuses", { token, json });
  expect(res.status).toBe(200);
  return Number(((await res.json()) as { id: string }).id);
}

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
    const { author, toFollower, toStranger } = await followerAndStranger([]);
    const id = await posted(author.token, { status: "friends only", visibility: "private" });
    const frame = await toFollower.waitFor(updateOf(id, "user"));
    expect(payloadOf<{ visibility: string }>(frame).visibility).toBe("private");
    await expectNone(toStranger, (f) => f.event === "update", 300);
    await new Promise((r) => setTimeout(r, 300));
    expect(toFollower.frames.filter(updateOf(id, "user"))).toHaveLength(1);
    toFollower.close();
    toStranger.close();
  });

  it("give a follower's one socket both the channel and the home update of a public post, others the channel one", async () => {
    const { author, toFollower, toStranger } = await followerAndStranger(["public:local"]);
    const id = await posted(author.token, { status: "to everyone" });
    await toFollower.waitFor(updateOf(id, "public:local"));
    await toFollower.waitFor(updateOf(id, "user"));
    await toStranger.waitFor(updateOf(id, "public:local"));
    await expectNone(toStranger, updateOf(id, "user"), 300);
    // Once each, though the consumer's feed writes and the posting request both had a go.
    await new Promise((r) => setTimeout(r, 300));
    expect(toFollower.frames.filter(updateOf(id, "user"))).toHaveLength(1);
    expect(toFollower.frames.filter(updateOf(id, "public:local"))).toHaveLength(1);
    toFollower.close();
    toStranger.close();
  });

  it("run the streams' reads last in the batch that commits the post, and return their rows", async () => {
    const [author, follower, blocker, mentioned, lister, blocked] = await users(6);
    if (!author || !follower || !blocker || !mentioned || !lister || !blocked) throw new Error("users");
    await relate(follower, author.account.id, "follow");
    await relate(blocker, author.account.id, "block");
    await relate(follower, mentioned.account.id, "mute");
    await relate(lister, author.account.id, "follow");
    const list = await createList(lister, [author.account.id], { exclusive: true });
    // A follow left over beside the author's block (blocking ends follows; a race could leave one).
    await relate(author, blocked.account.id, "block");
    await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(newId(), blocked.account.id, author.account.id, Date.now())
      .run();
    const d = db();
    let results: readonly unknown[] | undefined | "not called" = "not called";
    const posting = (text: string) =>
      postStatus(
        {
          db: d,
          config: config(),
          fanout: new SpyQueue().asQueue(),
          streamOnCommit: async (status, row) => {
            // Someone online who does not follow (the blocker): the query keeps followers only.
            // All in one shard (index 0) here: the reads are per shard, the rules the same.
            const online = Promise.resolve([[follower, blocker, lister, blocked].map((u) => u.account.id)]);
            const stream = await prepareNewStatusStream(env, d, status, row, online);
            return {
              statements: stream.statements,
              committed: (r) => {
                results = r;
              },
            };
          },
        },
        { account: author.account, user: author.user },
        readComposeInput(new Params({ status: text })),
        { applicationId: null },
      );
    const sorted = (rows: unknown) => [...(rows as Array<{ id: number }>)].sort((a, b) => a.id - b.id);
    // The shard's read is one row: the deliveries as [id, home, lists], filtered followers left out.
    const deliveries = (rows: unknown) => {
      const [only, ...more] = rows as Array<{ d: string }>;
      expect(more).toEqual([]);
      return (JSON.parse(only?.d ?? "null") as Array<[number, number, string | null]>).sort((a, b) => a[0] - b[0]);
    };
    const delivery = (u: TestUser, home: number, lists: string | null) => [u.account.id, home, lists];
    await posting("plain");
    // The channels' exclusions, then the online followers under the home and list rules: what
    // loadStatus would have said about the author's blocks and lists is asked in the query (the
    // follow the block left over delivers nothing).
    const [excluded, followers, ...others] = results as unknown as [unknown, unknown];
    expect(others).toEqual([]);
    expect(sorted(excluded)).toEqual(sorted([blocker, blocked].map((u) => ({ id: u.account.id }))));
    expect(deliveries(followers)).toEqual(
      [delivery(follower, 1, null), delivery(lister, 0, String(list))].sort((a, b) => Number(a[0]) - Number(b[0])),
    );
    // The mention rows written by the same batch are seen: the follower mutes the mentioned account.
    await posting(`hi @${mentioned.account.username}`);
    const [excludedNow, followersNow] = results as unknown as [unknown, unknown];
    expect(sorted(excludedNow)).toEqual(sorted([blocker, blocked, follower].map((u) => ({ id: u.account.id }))));
    expect(deliveries(followersNow)).toEqual([delivery(lister, 0, String(list))]);
  });

  it("leave the streams to the FANOUT consumer when the route cannot prepare them, and still post", async () => {
    const [author] = await users(1);
    if (!author) throw new Error("users");
    const fanout = new SpyQueue();
    const result = await postStatus(
      {
        db: db(),
        config: config(),
        fanout: fanout.asQueue(),
        streamOnCommit: async () => {
          throw new Error("shards unreachable");
        },
      },
      { account: author.account, user: author.user },
      readComposeInput(new Params({ status: "still posted" })),
      { applicationId: null },
    );
    expect(result.kind).toBe("status");
    expect(fanout.sent).toHaveLength(1);
    expect(fanout.sent[0]).toMatchObject({ type: "status.created" });
    expect(fanout.sent[0]).not.toHaveProperty("streamed");
  });

  it("post without waiting on shards that do not answer, leaving the streams to the FANOUT consumer", async () => {
    const [author] = await users(1);
    if (!author) throw new Error("users");
    const fanout = new SpyQueue();
    const d = db();
    const started = Date.now();
    const result = await postStatus(
      {
        db: d,
        config: config(),
        fanout: fanout.asQueue(),
        streamOnCommit: async (status, row) => {
          const stream = await prepareNewStatusStream(env, d, status, row, new Promise<number[][]>(() => {}));
          return { statements: stream.statements, committed: () => {} };
        },
      },
      { account: author.account, user: author.user },
      readComposeInput(new Params({ status: "shards asleep" })),
      { applicationId: null },
    );
    expect(result.kind).toBe("status");
    expect(Date.now() - started).toBeGreaterThanOrEqual(ONLINE_WAIT_MS);
    expect(fanout.sent[0]).toMatchObject({ type: "status.created" });
    expect(fanout.sent[0]).not.toHaveProperty("streamed");
  });

  it("read the new status's mentions in the commit: a follower muting a mentioned account gets no update", async () => {
    const [author, muter, plain, mentioned] = await users(4);
    if (!author || !muter || !plain || !mentioned) throw new Error("users");
    await relate(muter, author.account.id, "follow");
    await relate(plain, author.account.id, "follow");
    await relate(muter, mentioned.account.id, "mute");
    const [toMuter, toPlain] = (await Promise.all([muter, plain].map((u) => connected("stream=user", { token: u.token })))) as [
      TestSocket,
      TestSocket,
    ];

    const id = await posted(author.token, { status: `hello @${mentioned.account.username}`, visibility: "private" });
    await toPlain.waitFor(updateOf(id, "user"));
    await expectNone(toMuter, updateOf(id, "user"), 300);
    toMuter.close();
    toPlain.close();
  });

  it("still commit the post and send the channel frame when the followers' query fails", async () => {
    const [author, reader] = await users(2);
    if (!author || !reader) throw new Error("users");
    // A corrupt follow row (languages is not JSON) makes the followers' query fail for this author.
    await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, languages, created_at) VALUES (?, ?, ?, ?, ?)")
      .bind(newId(), reader.account.id, author.account.id, "{not json", Date.now())
      .run();
    const socket = await connected("stream=user", { token: reader.token });
    socket.subscribe("public:local");
    await socket.barrier();

    // The query runs in the batch that commits the post, which is then committed without it.
    const id = await posted(author.token, { status: "still public", language: "en" });
    const stored = await env.DB.prepare("SELECT text FROM statuses WHERE id = ?").bind(id).first<{ text: string }>();
    expect(stored?.text).toBe("still public");
    await socket.waitFor(updateOf(id, "public:local"));
    await expectNone(socket, updateOf(id, "user"), 300);
    socket.close();
  });
});
