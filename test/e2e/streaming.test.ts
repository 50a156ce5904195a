/**
 * The streaming API end to end against one real local instance (`npm run dev` on workerd), with two
 * real clients: masto.js (one multiplexed socket, the token as Sec-WebSocket-Protocol, streams chosen
 * by subscribe messages, URL from instance v2 `configuration.urls.streaming`) and megalodon (one
 * socket per stream, the token in `?access_token=`, URL from instance v1 `urls.streaming_api`).
 * Every event comes from real API calls through the real FANOUT queue.
 */
import { createStreamingAPIClient, type mastodon } from "masto";
import generator, { type WebSocketInterface } from "megalodon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { signIn } from "./helpers/masto-steps";
import { type CreatedUser, createAccount } from "./helpers/petrel-cli";

const SCOPES = "read write follow push";
const EVENT_TIMEOUT_MS = 20_000;
/** How long "never arrives" is watched for, after a later event already arrived. */
const QUIET_MS = 1_500;

type Rest = mastodon.rest.Client;
interface Seen {
  stream: string[];
  event: string;
  payload: unknown;
}

let server: DevServer;
const rest: Record<string, Rest> = {};
const tokens: Record<string, string> = {};
const ids: Record<string, string> = {};
const closers: Array<() => void> = [];
const maSeen: Seen[] = [];
const maErrors: unknown[] = [];
const megaSeen: Array<{ event: string; payload: unknown }> = [];
let listId = "";

function client(name: string): Rest {
  const c = rest[name];
  if (!c) throw new Error(`no client ${name}`);
  return c;
}

async function until(check: () => boolean, what: string, timeoutMs = EVENT_TIMEOUT_MS): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting for ${what}; masto saw ${JSON.stringify(maSeen.map((e) => [e.stream, e.event]))}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const payloadId = (p: unknown) => (p as { id?: string } | null)?.id;
const maHas = (stream: string, event: string, id?: string) =>
  maSeen.some(
    (e) => e.stream[0] === stream && e.event === event && (id === undefined || payloadId(e.payload) === id || e.payload === id),
  );
const megaHas = (event: string, id?: string) =>
  megaSeen.some((e) => e.event === event && (id === undefined || payloadId(e.payload) === id || e.payload === id));

function listen(sub: AsyncIterable<mastodon.streaming.Event>): void {
  void (async () => {
    for await (const e of sub) maSeen.push(e as unknown as Seen);
  })().catch((err: unknown) => maErrors.push(err));
}

beforeAll(async () => {
  server = await startDevServer();
  const names = ["alice", "bob", "carol", "dave", "eve"];
  // One CLI run at a time: concurrent runs meet SQLite's writer lock. Each takes seconds on a loaded machine.
  const users: CreatedUser[] = [];
  for (const name of names) users.push(await createAccount(server.stateDir, name));
  for (const signed of await signIn(server.baseUrl, users, SCOPES, "Petrel streaming e2e")) {
    tokens[signed.user.username] = signed.token;
    rest[signed.user.username] = signed.client;
    ids[signed.user.username] = (await signed.client.v1.accounts.verifyCredentials()).id;
  }

  const alice = client("alice");
  for (const name of ["bob", "carol", "dave", "eve"]) await alice.v1.accounts.$select(ids[name] ?? "").follow();
  await alice.v1.accounts.$select(ids.carol ?? "").block();
  await alice.v1.accounts.$select(ids.dave ?? "").mute();
  const list = await alice.v1.lists.create({ title: "bob only" });
  listId = list.id;
  await alice.v1.lists.$select(list.id).accounts.create({ accountIds: [ids.bob ?? ""] });

  // masto: the URL clients read from instance v2, one socket, the token as sub-protocol.
  const instance = await alice.v2.instance.fetch();
  const streaming = createStreamingAPIClient({
    streamingApiUrl: instance.configuration.urls.streaming,
    accessToken: tokens.alice,
    implementation: WebSocket,
    retry: false,
  });
  listen(streaming.user.subscribe());
  listen(streaming.public.local.subscribe());
  listen(streaming.hashtag.subscribe({ tag: "E2eTag" }));
  listen(streaming.list.subscribe({ list: listId }));
  closers.push(() => streaming.close());

  // megalodon: the URL from instance v1, `?access_token=`.
  const mega = generator("mastodon", server.baseUrl, tokens.alice ?? "");
  const socket: WebSocketInterface = await mega.userStreaming();
  for (const event of ["update", "notification", "delete", "status_update"]) {
    socket.on(event, (payload: unknown) => megaSeen.push({ event, payload }));
  }
  // megalodon cannot parse a payload-less event; Mastodon's filters_changed reaches it as a parser error.
  socket.on("parser-error", (err: Error) => {
    if (err.message.includes('"filters_changed"')) megaSeen.push({ event: "filters_changed", payload: null });
  });
  await new Promise<void>((resolve) => socket.on("connect", () => resolve()));
  closers.push(() => socket.stop());
  // Subscriptions are messages without an acknowledgement; give them a moment to land.
  await new Promise((r) => setTimeout(r, 2_000));
}, 480_000);

afterAll(async () => {
  for (const close of closers) close();
  await server?.stop();
});

describe("streaming with masto.js and megalodon", () => {
  it("advertises the API host as the streaming URL", async () => {
    const v2 = await client("alice").v2.instance.fetch();
    const v1 = await client("alice").v1.instance.fetch();
    expect(v2.configuration.urls.streaming).toBe(`ws://${server.domain}`);
    expect(v1.urls.streamingApi).toBe(`ws://${server.domain}`);
  });

  it("delivers a followed account's post on user, public:local, hashtag and list streams", async () => {
    const status = await client("bob").v1.statuses.create({ status: "hello streaming #E2eTag" });
    await until(() => maHas("user", "update", status.id) && megaHas("update", status.id), "bob's update");
    await until(() => maHas("public:local", "update", status.id), "public:local update");
    await until(() => maHas("hashtag", "update", status.id), "hashtag update");
    await until(() => maHas("list", "update", status.id), "list update");
    const hashtag = maSeen.find((e) => e.stream[0] === "hashtag");
    expect(hashtag?.stream).toEqual(["hashtag", "E2eTag"]);
    expect(maSeen.find((e) => e.stream[0] === "list")?.stream).toEqual(["list", listId]);
    // megalodon hands over its own converted entities; the raw JSON is checked against the OpenAPI
    // document in test/streaming/events.test.ts.
    expect(payloadId(megaSeen.find((e) => e.event === "update")?.payload)).toBe(status.id);
  });

  it("keeps other authors off the list and untagged posts off the hashtag stream", async () => {
    const status = await client("eve").v1.statuses.create({ status: "eve, untagged" });
    await until(() => maHas("user", "update", status.id) && maHas("public:local", "update", status.id), "eve's update");
    await new Promise((r) => setTimeout(r, QUIET_MS));
    expect(maHas("list", "update", status.id)).toBe(false);
    expect(maHas("hashtag", "update", status.id)).toBe(false);
  });

  it("never delivers a blocked or muted author's posts", async () => {
    const blocked = await client("carol").v1.statuses.create({ status: "carol here #E2eTag" });
    const muted = await client("dave").v1.statuses.create({ status: "dave here #E2eTag" });
    const marker = await client("eve").v1.statuses.create({ status: "after them #E2eTag" });
    await until(() => maHas("hashtag", "update", marker.id) && megaHas("update", marker.id), "the marker post");
    await new Promise((r) => setTimeout(r, QUIET_MS));
    for (const id of [blocked.id, muted.id]) {
      expect(maSeen.filter((e) => payloadId(e.payload) === id)).toEqual([]);
      expect(megaSeen.filter((e) => payloadId(e.payload) === id)).toEqual([]);
    }
  });

  it("delivers notifications for a mention and a follow", async () => {
    const mention = await client("bob").v1.statuses.create({ status: "@alice look" });
    const isMention = (p: unknown) => (p as { type?: string; status?: { id: string } }).status?.id === mention.id;
    await until(
      () =>
        maSeen.some((e) => e.event === "notification" && isMention(e.payload)) &&
        megaSeen.some((e) => e.event === "notification" && isMention(e.payload)),
      "the mention notification",
    );
    await client("eve")
      .v1.accounts.$select(ids.alice ?? "")
      .follow();
    const isFollow = (p: unknown) => (p as { type?: string; account?: { id: string } }).type === "follow";
    await until(
      () =>
        maSeen.some((e) => e.event === "notification" && isFollow(e.payload)) &&
        megaSeen.some((e) => e.event === "notification" && isFollow(e.payload)),
      "the follow notification",
    );
  });

  it("delivers status.update for an edit and delete for a delete", async () => {
    const status = await client("bob").v1.statuses.create({ status: "to be edited" });
    await until(() => maHas("user", "update", status.id), "the update");
    await client("bob").v1.statuses.$select(status.id).update({ status: "edited now" });
    await until(() => maHas("user", "status.update", status.id) && megaHas("status_update", status.id), "status.update");
    await client("bob").v1.statuses.$select(status.id).remove();
    await until(() => maHas("user", "delete", status.id) && megaHas("delete", status.id), "delete");
    expect(maSeen.find((e) => e.event === "delete")?.payload).toBe(status.id);
  });

  it("delivers filters_changed", async () => {
    await client("alice").v2.filters.create({ title: "e2e", context: ["home"], keywordsAttributes: [{ keyword: "zzz" }] });
    await until(() => maHas("user", "filters_changed") && megaHas("filters_changed"), "filters_changed");
    expect(maErrors).toEqual([]);
  });
});
