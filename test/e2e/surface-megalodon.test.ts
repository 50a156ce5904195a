/**
 * The client surface beyond the social core, end to end with megalodon (the library Whalebird uses)
 * against one real local instance (`npm run dev` on workerd): lists and their timeline, filters v2
 * (a keyword hides a status from home and marks it in the public timeline), search, conversations,
 * bookmarks, favourites, followed tags feeding home, and trends.
 *
 * megalodon calls the API through axios; every response it receives is recorded by an interceptor on
 * the same axios instance, so each step checks the JSON the server sent against Mastodon's OpenAPI
 * entities, not megalodon's conversion of it. megalodon 10 has no filters v2 methods; those calls go
 * through its own HTTP client (`client.post/get`), which is what an app built on it would do.
 */
import { createRequire } from "node:module";
import generator, { type Entity, type MegalodonInterface } from "megalodon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectEntity } from "../helpers/openapi";
import { type DevServer, startDevServer } from "./helpers/dev-server";
import { type CreatedUser, createAccount } from "./helpers/petrel-cli";

type EntityName = Parameters<typeof expectEntity>[0];

interface Recorded {
  method: string;
  path: string;
  status: number;
  body: unknown;
}

interface AxiosLike {
  interceptors: {
    response: {
      use(onFulfilled: (r: AxiosResponseLike) => AxiosResponseLike, onRejected: (e: unknown) => unknown): number;
      eject(id: number): void;
    };
  };
}
interface AxiosResponseLike {
  status: number;
  data: unknown;
  config: { method?: string; url?: string };
}

const SCOPES = "read write follow push";
const WAIT_MS = 10_000;

const recorded: Recorded[] = [];
// The axios megalodon itself loads (it calls the default instance).
const megalodonEntry = createRequire(import.meta.url).resolve("megalodon");
const axios = createRequire(megalodonEntry)("axios") as { default?: AxiosLike } & AxiosLike;
const axiosInstance: AxiosLike = axios.default ?? axios;
let interceptor: number | undefined;

let server: DevServer;
let alice: MegalodonInterface;
let bob: MegalodonInterface;
let carol: MegalodonInterface;
let bobId: string;

function record(r: AxiosResponseLike): AxiosResponseLike {
  const url = new URL(r.config.url ?? "", server.baseUrl);
  recorded.push({ method: (r.config.method ?? "get").toUpperCase(), path: url.pathname, status: r.status, body: r.data });
  return r;
}

/** Runs one megalodon call and checks the JSON the server answered with against the entity `name`. */
async function checked<T>(name: EntityName, call: () => Promise<T>, options: { array?: boolean } = {}): Promise<T> {
  const mark = recorded.length;
  const value = await call();
  const last = recorded.at(-1);
  if (!last || recorded.length === mark) throw new Error("no response recorded");
  expectEntity(name, last.body, options);
  return value;
}

/** The raw JSON of the last response (megalodon converts entities; assertions on Mastodon fields read this). */
function lastBody<T>(): T {
  const last = recorded.at(-1);
  if (!last) throw new Error("no response recorded");
  return last.body as T;
}

async function until<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = WAIT_MS): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() - started > timeoutMs) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function passwordToken(app: { client_id: string; client_secret: string }, user: CreatedUser): Promise<string> {
  const res = await fetch(`${server.baseUrl}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      grant_type: "password",
      client_id: app.client_id,
      client_secret: app.client_secret,
      username: user.email,
      password: user.password,
      scope: SCOPES,
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  // Trends recompute on every cron run here (production: every 15 minutes).
  server = await startDevServer({ env: { TRENDS_INTERVAL_MINUTES: "0" } });
  interceptor = axiosInstance.interceptors.response.use(record, (err) => Promise.reject(err));
  const users = {
    alice: await createAccount(server.stateDir, "alice"),
    bob: await createAccount(server.stateDir, "bob"),
    carol: await createAccount(server.stateDir, "carol"),
  };
  const anonymous = generator("mastodon", server.baseUrl);
  const app = await anonymous.registerApp("Petrel megalodon e2e", { scopes: SCOPES.split(" ") });
  const appKeys = { client_id: app.client_id, client_secret: app.client_secret };
  alice = generator("mastodon", server.baseUrl, await passwordToken(appKeys, users.alice));
  bob = generator("mastodon", server.baseUrl, await passwordToken(appKeys, users.bob));
  carol = generator("mastodon", server.baseUrl, await passwordToken(appKeys, users.carol));
  await checked("Account", () => alice.verifyAccountCredentials());
  bobId = (await checked("Account", () => bob.verifyAccountCredentials())).data.id;
  await checked("Relationship", () => alice.followAccount(bobId));
});

afterAll(async () => {
  if (interceptor !== undefined) axiosInstance.interceptors.response.eject(interceptor);
  await server?.stop();
});

describe("megalodon against Petrel", () => {
  it("lists: create, add a member, read the list timeline, rename, delete", async () => {
    const list = (await checked("List", () => alice.createList("Friends"))).data;
    await alice.addAccountsToList(list.id, [bobId]);
    const members = await checked("Account", () => alice.getAccountsInList(list.id), { array: true });
    expect(members.data.map((a) => a.id)).toEqual([bobId]);

    const posted = (await checked("Status", () => bob.postStatus("for the list"))).data as Entity.Status;
    const timeline = await until(
      () => alice.getListTimeline(list.id),
      (r) => r.data.some((s) => s.id === posted.id),
    );
    expect(timeline.data.map((s) => s.id)).toContain(posted.id);
    expectEntity("Status", lastBody(), { array: true });

    const renamed = await checked("List", () => alice.updateList(list.id, "Close friends"));
    expect(renamed.data.title).toBe("Close friends");
    expect((await checked("List", () => alice.getLists(), { array: true })).data.map((l) => l.id)).toContain(list.id);
    await alice.deleteList(list.id);
    await expect(alice.getList(list.id)).rejects.toMatchObject({ response: { status: 404 } });
  });

  it("filters v2: a keyword hides a status from home and marks it in the public timeline", async () => {
    const client = (alice as unknown as { client: { post<T>(path: string, params?: object): Promise<{ data: T }> } }).client;
    const hide = await client.post<{ id: string }>("/api/v2/filters", {
      title: "no vegetables at home",
      context: ["home"],
      filter_action: "hide",
      keywords_attributes: [{ keyword: "rutabaga", whole_word: true }],
    });
    expectEntity("Filter", lastBody());
    const warn = await client.post<{ id: string }>("/api/v2/filters", {
      title: "vegetables warning",
      context: ["public"],
      filter_action: "warn",
      keywords_attributes: [{ keyword: "rutabaga", whole_word: true }],
    });
    expectEntity("Filter", lastBody());

    const plain = (await bob.postStatus("a plain post")).data as Entity.Status;
    const veg = (await bob.postStatus("I love rutabaga soup")).data as Entity.Status;
    const home = await until(
      () => alice.getHomeTimeline(),
      (r) => r.data.some((s) => s.id === plain.id),
    );
    expect(home.data.map((s) => s.id)).toContain(plain.id);
    expect(home.data.map((s) => s.id)).not.toContain(veg.id);

    await alice.getPublicTimeline({ limit: 40 });
    const raw = lastBody<Array<{ id: string; filtered?: Array<{ filter: { id: string }; keyword_matches: string[] | null }> }>>();
    expectEntity("Status", raw, { array: true });
    const marked = raw.find((s) => s.id === veg.id);
    expect(marked?.filtered?.map((f) => [f.filter.id, f.keyword_matches])).toEqual([[warn.data.id, ["rutabaga"]]]);
    expect(raw.find((s) => s.id === plain.id)?.filtered ?? []).toEqual([]);
    expect(hide.data.id).not.toBe(warn.data.id);
  });

  it("bookmarks and favourites lists", async () => {
    const status = (await bob.postStatus("keep this one")).data as Entity.Status;
    await checked("Status", () => alice.bookmarkStatus(status.id));
    await checked("Status", () => alice.favouriteStatus(status.id));
    const bookmarks = await checked("Status", () => alice.getBookmarks(), { array: true });
    expect(bookmarks.data.map((s) => s.id)).toEqual([status.id]);
    const favourites = await checked("Status", () => alice.getFavourites(), { array: true });
    expect(favourites.data.map((s) => s.id)).toEqual([status.id]);
    await alice.unbookmarkStatus(status.id);
    expect((await alice.getBookmarks()).data).toEqual([]);
  });

  it("search: accounts, hashtags and statuses", async () => {
    const status = (await bob.postStatus("zanzibar is lovely in spring #petrelsearch")).data as Entity.Status;
    // Mastodon searches the statuses you interacted with (and public indexable ones); favourite it.
    await alice.favouriteStatus(status.id);
    const accounts = await checked("Search", () => alice.search("bob", { type: "accounts" }));
    expect(accounts.data.accounts.map((a) => a.id)).toContain(bobId);
    const tags = await checked("Search", () => alice.search("petrelsea", { type: "hashtags" }));
    expect(tags.data.hashtags.map((t) => t.name)).toContain("petrelsearch");
    const statuses = await until(
      () => alice.search("zanzibar", { type: "statuses" }),
      (r) => r.data.statuses.length > 0,
    );
    expectEntity("Search", lastBody());
    expect(statuses.data.statuses.map((s) => s.id)).toEqual([status.id]);
    // Someone who never saw it finds nothing.
    expect((await carol.search("zanzibar", { type: "statuses" })).data.statuses).toEqual([]);
  });

  it("conversations: a direct message arrives unread, is read, and is removed", async () => {
    const dm = (await bob.postStatus("@alice just between us", { visibility: "direct" })).data as Entity.Status;
    const conversations = await until(
      () => alice.getConversationTimeline(),
      (r) => r.data.some((c) => c.last_status?.id === dm.id),
    );
    expectEntity("Conversation", lastBody(), { array: true });
    const conversation = conversations.data.find((c) => c.last_status?.id === dm.id);
    expect(conversation?.unread).toBe(true);
    expect(conversation?.accounts.map((a) => a.id)).toEqual([bobId]);
    if (!conversation) throw new Error("no conversation");

    const read = await checked("Conversation", () => alice.readConversation(conversation.id));
    expect(read.data.unread).toBe(false);
    await alice.deleteConversation(conversation.id);
    expect((await alice.getConversationTimeline()).data.map((c) => c.id)).not.toContain(conversation.id);
    // Bob's side is his own, and was read when he wrote it.
    const bobs = await until(
      () => bob.getConversationTimeline(),
      (r) => r.data.some((c) => c.last_status?.id === dm.id),
    );
    expect(bobs.data.find((c) => c.last_status?.id === dm.id)?.unread).toBe(false);
  });

  it("followed tags feed the home timeline", async () => {
    const tag = await checked("Tag", () => alice.followTag("petrelbirds"));
    expect(tag.data.following).toBe(true);
    expect((await checked("Tag", () => alice.getFollowedTags(), { array: true })).data.map((t) => t.name)).toContain(
      "petrelbirds",
    );
    // Carol is not followed by Alice: only the tag brings her post home.
    const post = (await carol.postStatus("storm petrels today #PetrelBirds")).data as Entity.Status;
    const home = await until(
      () => alice.getHomeTimeline(),
      (r) => r.data.some((s) => s.id === post.id),
    );
    expect(home.data.map((s) => s.id)).toContain(post.id);
    await alice.unfollowTag("petrelbirds");
    expect((await alice.getFollowedTags()).data.map((t) => t.name)).not.toContain("petrelbirds");
  });

  it("trends: a tag used by two accounts trends after the cron run", async () => {
    await bob.postStatus("first #petreltrend");
    await carol.postStatus("second #petreltrend");
    const cron = await fetch(`${server.baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
    expect(cron.status).toBe(200);
    const trends = await until(
      () => alice.getInstanceTrends(),
      (r) => r.data.some((t) => t.name === "petreltrend"),
    );
    expectEntity("Tag", lastBody(), { array: true });
    const trend = trends.data.find((t) => t.name === "petreltrend");
    expect(trend?.history?.[0]?.accounts).toBe("2");
  });
});
