/**
 * Public and hashtag streams: what each carries (visibility, local/remote/media, replies, the tag as
 * sent), per-viewer blocks, mutes and filters, and a shard that loses its memory (as after
 * hibernation) still delivering from what it keeps in socket attachments.
 */
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { setChosenLanguages } from "../../src/services/chosen-languages";
import type { ChannelHub } from "../../src/streaming/channel-hub";
import { publicExclusions, renderForStreams } from "../../src/streaming/publish";
import { accountShard, toAllShards } from "../../src/streaming/shards";
import { SocketHub } from "../../src/streaming/socket-hub";
import { relate, users } from "../feeds/helpers";
import { api } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { connected, expectNone, type Frame, payloadOf, postStatus } from "./helpers";

const idOf = (f: { payload?: string }) => payloadOf<{ id: string }>(f).id;

describe("public and hashtag streams", { timeout: 30_000 }, () => {
  it("carry public posts, the tag echoed as sent, and nothing unlisted or private", async () => {
    const [author] = await users(1);
    if (!author) throw new Error("users");
    const socket = await connected("stream=public");
    socket.subscribe("hashtag", { tag: "StreamCats" });
    socket.subscribe("public:remote");
    socket.subscribe("public:local:media");
    await socket.barrier();

    const tagged = await postStatus(author.token, { status: "look #streamcats" });
    const plain = await postStatus(author.token, { status: "plain public" });
    const unlisted = await postStatus(author.token, { status: "quiet #streamcats", visibility: "unlisted" });
    const priv = await postStatus(author.token, { status: "friends #streamcats", visibility: "private" });

    const hashtag = await socket.waitFor((f) => f.stream?.[0] === "hashtag");
    expect(hashtag.stream).toEqual(["hashtag", "StreamCats"]);
    expect(idOf(hashtag)).toBe(tagged);
    const publics = async () => socket.frames.filter((f) => f.stream?.[0] === "public" && f.event === "update").map(idOf);
    await socket.waitFor((f) => f.stream?.[0] === "public" && idOf(f) === plain);
    expectEntity("Status", payloadOf(hashtag));
    await expectNone(socket, (f) => f.event === "update" && [unlisted, priv].includes(idOf(f)));
    expect(await publics()).toEqual([tagged, plain]);
    // Local posts without media: not on public:remote nor public:local:media.
    expect(socket.frames.filter((f) => f.stream?.[0] === "public:remote" || f.stream?.[0] === "public:local:media")).toEqual([]);
    expect(socket.frames.filter((f) => f.stream?.[0] === "hashtag").map(idOf)).toEqual([tagged]);

    const del = await api(`/api/v1/statuses/${tagged}`, { token: author.token, method: "DELETE" });
    expect(del.status).toBe(200);
    const deleted = await socket.waitFor((f) => f.event === "delete" && f.stream?.[0] === "public");
    expect(deleted.payload).toBe(tagged);
    socket.close();
  });

  it("keep a blocked or muted author's posts from the viewer, and apply the viewer's filters", async () => {
    const [author, blocker, muter, filterer, bystander] = await users(5);
    if (!author || !blocker || !muter || !filterer || !bystander) throw new Error("users");
    await relate(blocker, author.account.id, "block");
    await relate(muter, author.account.id, "mute");
    const filter = await api("/api/v2/filters", {
      token: filterer.token,
      json: { title: "no okra", context: ["public"], filter_action: "hide", keywords_attributes: [{ keyword: "okra" }] },
    });
    expect(filter.status).toBe(200);
    const sockets = await Promise.all(
      [blocker, muter, filterer, bystander].map((u) => connected("stream=public:local", { token: u.token })),
    );
    for (const s of sockets) await s.barrier();
    const [blocked, muted, filtered, open] = sockets as [
      (typeof sockets)[0],
      (typeof sockets)[0],
      (typeof sockets)[0],
      (typeof sockets)[0],
    ];

    const id = await postStatus(author.token, { status: "okra recipes" });
    const seen = await open.waitFor((f) => f.event === "update");
    expect(idOf(seen)).toBe(id);
    expect(seen.stream).toEqual(["public:local"]);
    for (const s of [blocked, muted, filtered]) await expectNone(s, (f) => f.event === "update", 300);
    for (const s of sockets) s.close();
  });

  it("give a viewer who chose languages only statuses in them, read when the socket connects", async () => {
    const [author, chooser, bystander] = await users(3);
    if (!author || !chooser || !bystander) throw new Error("users");
    await setChosenLanguages(createDb(env.DB), chooser.user.id, ["fr"]);
    const [toChooser, toBystander] = await Promise.all(
      [chooser, bystander].map((u) => connected("stream=public:local", { token: u.token })),
    );
    if (!toChooser || !toBystander) throw new Error("sockets");
    for (const s of [toChooser, toBystander]) {
      s.subscribe("hashtag", { tag: "Langues" });
      await s.barrier();
    }

    const english = await postStatus(author.token, { status: "hello #langues", language: "en" });
    const french = await postStatus(author.token, { status: "bonjour #langues", language: "fr" });
    const isUpdate = (id: string, stream: string) => (f: Frame) =>
      f.event === "update" && f.stream?.[0] === stream && idOf(f) === id;
    for (const stream of ["public:local", "hashtag"]) {
      await toChooser.waitFor(isUpdate(french, stream));
      await toBystander.waitFor(isUpdate(english, stream));
      await toBystander.waitFor(isUpdate(french, stream));
    }
    await expectNone(toChooser, (f) => f.event === "update" && idOf(f) === english, 300);
    toChooser.close();
    toBystander.close();
  });

  it("check viewers in the shard when the fanout sends no exclusion list, and list every excluded kind", async () => {
    const [author, blocker, muter, blockedByAuthor, bystander] = await users(5);
    if (!author || !blocker || !muter || !blockedByAuthor || !bystander) throw new Error("users");
    await relate(blocker, author.account.id, "block");
    await relate(muter, author.account.id, "mute");
    await relate(author, blockedByAuthor.account.id, "block");
    const sockets = await Promise.all(
      [blocker, muter, blockedByAuthor, bystander].map((u) => connected("stream=public:local", { token: u.token })),
    );
    for (const s of sockets) await s.barrier();
    const posted = await api(`/api/v1/statuses`, { token: author.token, json: { status: "shard-side checks" } });
    const id = ((await posted.json()) as { id: string }).id;
    const open = sockets[3] as (typeof sockets)[0];
    await open.waitFor((f) => f.event === "update" && idOf(f) === id);

    const status = await renderForStreams(env, Number(id));
    if (!status) throw new Error("rendered");
    const excluded = await publicExclusions(createDb(env.DB), status);
    expect(new Set(excluded)).toEqual(new Set([blocker.account.id, muter.account.id, blockedByAuthor.account.id]));

    // The event as the fanout sends it when the list would be too long: the shards ask D1 themselves.
    await toAllShards(env, { t: "status", statusId: Number(id), keys: ["public:local"], status, excluded: null, edit: true });
    const edited = await open.waitFor((f) => f.event === "status.update");
    expect(idOf(edited)).toBe(id);
    for (const s of sockets.slice(0, 3)) await expectNone(s, (f) => f.event === "update" || f.event === "status.update", 300);
    for (const s of sockets) s.close();
  });

  it("deliver after the shard forgot everything but its sockets' attachments", async () => {
    const [author, viewer] = await users(2);
    if (!author || !viewer) throw new Error("users");
    await relate(viewer, author.account.id, "follow");
    const socket = await connected("stream=user", { token: viewer.token });
    socket.subscribe("hashtag:local", { tag: "wakeup" });
    await socket.barrier();

    const stub = accountShard(env, viewer.account.id);
    await runInDurableObject(stub, async (instance: ChannelHub, state) => {
      const attachments = state.getWebSockets(`a:${viewer.account.id}`).map((ws) => ws.deserializeAttachment());
      expect(attachments).toEqual([
        {
          a: viewer.account.id,
          k: expect.any(Number),
          s: ["read", "write", "follow", "push"],
          subs: [
            { stream: "user", key: "user" },
            { stream: "hashtag:local", tag: "wakeup", key: "hashtag:local:wakeup" },
          ],
        },
      ]);
      // What a wake from hibernation gives the object: a fresh instance with nothing in memory.
      Reflect.set(instance, "hub", new SocketHub(state, env));
    });

    const id = await postStatus(author.token, { status: "rise #wakeup" });
    await socket.waitFor((f) => f.event === "update" && f.stream?.[0] === "user" && idOf(f) === id);
    await socket.waitFor((f) => f.event === "update" && f.stream?.[0] === "hashtag:local" && idOf(f) === id);
    expect(socket.frames.find((f) => f.stream?.[0] === "hashtag:local")?.stream).toEqual(["hashtag:local", "wakeup"]);
    socket.close();
  });
});
