/**
 * Resolving remote handles and URLs for local users (WebFinger, actor and post fetches), remote
 * mentions in new posts, and the scheduled refresh of stale remote actors — against a fake network.
 */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, statuses } from "../../src/db/schema";
import { remoteContext } from "../../src/federation/fetch";
import { refreshStaleActors } from "../../src/federation/refresh-actors";
import { ACTOR_REFRESH_MS, resolveActor } from "../../src/federation/remote-actors";
import { mentionResolver, resolveHandle } from "../../src/federation/resolve-handle";
import { remoteResolver } from "../../src/federation/resolve-remote";
import { MAX_REMOTE_MENTION_LOOKUPS, renderStatusText } from "../../src/services/statuses/render";
import { extractEntities } from "../../src/text/status-text";
import { api, config, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { FakeNetwork, type RemoteActor, remoteActor, serveActor } from "./helpers";

function serveWebfinger(net: FakeNetwork, actor: RemoteActor, username = "alice"): void {
  const host = new URL(actor.id).host;
  net.json(
    `https://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${username}@${host}`)}`,
    {
      subject: `acct:${username}@${host}`,
      links: [{ rel: "self", type: "application/activity+json", href: actor.id }],
    },
    { contentType: "application/jrd+json" },
  );
}

async function peerWithWebfinger(net: FakeNetwork): Promise<{ peer: RemoteActor; host: string }> {
  const peer = await remoteActor();
  serveActor(net, peer);
  serveWebfinger(net, peer);
  return { peer, host: new URL(peer.id).host };
}

describe("resolveHandle", () => {
  it("finds an unknown handle through WebFinger, stores the actor, then answers from the database", async () => {
    const net = new FakeNetwork();
    const { peer, host } = await peerWithWebfinger(net);
    const remote = remoteContext(db(), config(), net.fetcher);
    const account = await resolveHandle(remote, "alice", host);
    expect(account).toMatchObject({ username: "alice", domain: host, uri: peer.id, acctKey: `alice@${host}` });
    const before = net.requests.length;
    const again = await resolveHandle(remote, "ALICE", host.toUpperCase());
    expect(again?.id).toBe(account?.id);
    expect(net.requests.length).toBe(before);
  });

  it("answers null for a handle WebFinger does not know, and for a self link to another user", async () => {
    const net = new FakeNetwork();
    const { host } = await peerWithWebfinger(net);
    const remote = remoteContext(db(), config(), net.fetcher);
    expect(await resolveHandle(remote, "nobody", host)).toBeNull();
    // bob's WebFinger points at alice's actor: not bob.
    const alice = await remoteActor(host, "alice");
    serveActor(net, alice);
    net.json(`https://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:bob@${host}`)}`, {
      subject: `acct:bob@${host}`,
      links: [{ rel: "self", type: "application/activity+json", href: alice.id }],
    });
    expect(await resolveHandle(remote, "bob", host)).toBeNull();
    const rows = await db()
      .select()
      .from(accounts)
      .where(eq(accounts.acctKey, `bob@${host}`));
    expect(rows).toHaveLength(0);
  });

  it("gives up at the deadline when the peer hangs", async () => {
    const net = new FakeNetwork();
    const host = `${uniqueName("slow")}.example`;
    net.on(
      `https://${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:alice@${host}`)}`,
      () => new Promise<Response>(() => {}),
    );
    const started = Date.now();
    expect(await mentionResolver(db(), config(), net.fetcher, 200)("alice", host)).toBeNull();
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("remote mentions in new posts", () => {
  it("links a resolvable @user@domain, records the mention, and leaves unknown handles as text", async () => {
    const net = new FakeNetwork();
    const { peer, host } = await peerWithWebfinger(net);
    const author = await createTestUser();
    const text = `hi @alice@${host} and @ghost@${host}`;
    const rendered = await renderStatusText(db(), config(), text, author.account.id, { fetcher: net.fetcher });
    expect(rendered.mentions.map((a) => a.uri)).toEqual([peer.id]);
    expect(rendered.content).toBe(
      `<p>hi <span class="h-card" translate="no"><a href="${peer.id}" class="u-url mention">@<span>alice</span></a></span>` +
        ` and @ghost@${host}</p>`,
    );
  });

  it("does not mention a remote account the author blocks", async () => {
    const net = new FakeNetwork();
    const { peer, host } = await peerWithWebfinger(net);
    const author = await createTestUser();
    const stored = await resolveActor(remoteContext(db(), config(), net.fetcher), peer.id);
    if (!stored.ok) throw new Error(stored.reason);
    await env.DB.prepare("INSERT INTO blocks (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(Date.now() * 4096, author.account.id, stored.account.id, Date.now())
      .run();
    const rendered = await renderStatusText(db(), config(), `@alice@${host}`, author.account.id, { fetcher: net.fetcher });
    expect(rendered.mentions).toEqual([]);
    expect(rendered.content).toBe(`<p>@alice@${host}</p>`);
  });

  it(`looks up at most ${MAX_REMOTE_MENTION_LOOKUPS} unknown handles per post`, async () => {
    const net = new FakeNetwork();
    const author = await createTestUser();
    const hosts = Array.from({ length: MAX_REMOTE_MENTION_LOOKUPS + 3 }, () => `${uniqueName("many")}.example`);
    const text = hosts.map((h) => `@x@${h}`).join(" ");
    await renderStatusText(db(), config(), text, author.account.id, { fetcher: net.fetcher });
    const webfingers = net.requests.filter((r) => r.url.includes("/.well-known/webfinger"));
    expect(webfingers).toHaveLength(MAX_REMOTE_MENTION_LOOKUPS);
  });

  it("keeps a :port only for local-only hosts (loopback instances in development)", () => {
    const [loop] = extractEntities("@bob@127.0.0.1:8787 hi");
    expect(loop).toMatchObject({ kind: "mention", domain: "127.0.0.1:8787", screenName: "bob@127.0.0.1:8787" });
    const [far] = extractEntities("@bob@example.com:8787 hi");
    expect(far).toMatchObject({ kind: "mention", domain: "example.com", screenName: "bob@example.com", end: 16 });
  });
});

describe("remoteResolver.url", () => {
  it("fetches and stores a remote post with its author, and a profile URL as the actor", async () => {
    const net = new FakeNetwork();
    const { peer } = await peerWithWebfinger(net);
    const noteId = `${peer.id}/statuses/1`;
    net.json(noteId, {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: noteId,
      type: "Note",
      attributedTo: peer.id,
      content: "<p>remote hello</p>",
      published: "2024-01-01T00:00:00Z",
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${peer.id}/followers`],
    });
    const resolver = remoteResolver(env, db(), config(), { fetcher: net.fetcher });
    const found = await resolver.url(noteId);
    expect(found?.kind).toBe("status");
    const rows = await db().select().from(statuses).where(eq(statuses.uri, noteId));
    expect(rows[0]).toMatchObject({ content: "<p>remote hello</p>", visibility: "public", local: false });

    const profile = `https://${new URL(peer.id).host}/@alice`;
    net.json(profile, peer.document);
    const account = await resolver.url(profile);
    expect(account?.kind === "account" && account.account.uri).toBe(peer.id);
  });

  it("refuses a document served for another origin and answers null for failures", async () => {
    const net = new FakeNetwork();
    const { peer } = await peerWithWebfinger(net);
    const elsewhere = `https://${uniqueName("evil")}.example/notes/1`;
    net.json(elsewhere, { id: `${peer.id}/statuses/9`, type: "Note", attributedTo: peer.id, content: "spoof" });
    const resolver = remoteResolver(env, db(), config(), { fetcher: net.fetcher });
    expect(await resolver.url(elsewhere)).toBeNull();
    expect(await resolver.url(`${peer.id}/statuses/404`)).toBeNull();
    const rows = await db()
      .select()
      .from(statuses)
      .where(eq(statuses.uri, `${peer.id}/statuses/9`));
    expect(rows).toHaveLength(0);
  });
});

describe("refreshStaleActors", () => {
  it("refetches the stalest remote actors and pushes back those whose peer fails", async () => {
    const net = new FakeNetwork();
    const now = Date.now();
    // Older than every other row the suite may have left, so these two come first.
    const ancient = 1_000;
    const fresh = await remoteActor();
    serveActor(net, fresh);
    const down = await remoteActor();
    const remote = remoteContext(db(), config(), net.fetcher);
    const a = await resolveActor(remote, fresh.id);
    serveActor(net, down);
    const b = await resolveActor(remote, down.id);
    if (!a.ok || !b.ok) throw new Error("setup");
    await db().update(accounts).set({ fetchedAt: ancient }).where(eq(accounts.id, a.account.id));
    await db()
      .update(accounts)
      .set({ fetchedAt: ancient + 1 })
      .where(eq(accounts.id, b.account.id));
    fresh.document = { ...fresh.document, name: "Renamed" };
    serveActor(net, fresh);
    net.json(down.id, {}, { status: 503 });

    const summary = await refreshStaleActors(db(), config(), now, net.fetcher);
    expect(summary.refreshed + summary.failed).toBeGreaterThanOrEqual(2);
    const [ra] = await db().select().from(accounts).where(eq(accounts.id, a.account.id));
    const [rb] = await db().select().from(accounts).where(eq(accounts.id, b.account.id));
    expect(ra?.displayName).toBe("Renamed");
    expect(ra?.fetchedAt).toBeGreaterThanOrEqual(now);
    // Not fresh, but out of the way for six hours.
    expect(rb?.fetchedAt).toBe(now - ACTOR_REFRESH_MS + 6 * 3_600_000);
  });
});

describe("remote handles through the client API", () => {
  it("lookup answers 404 for an unresolvable remote handle, and never fetches for anonymous callers", async () => {
    const me = await createTestUser();
    // Development allows plain http to local-only hosts; nothing listens on port 9.
    const acct = encodeURIComponent("nobody@localhost:9");
    const signedIn = await api(`/api/v1/accounts/lookup?acct=${acct}`, { token: me.token });
    expect(signedIn.status).toBe(404);
    expect(await signedIn.json()).toEqual({ error: "Record not found" });
    const anonymous = await api(`/api/v1/accounts/lookup?acct=${acct}`);
    expect(anonymous.status).toBe(404);
    const rows = await db().select().from(accounts).where(eq(accounts.acctKey, "nobody@localhost:9"));
    expect(rows).toHaveLength(0);
  });

  it("search with resolve finds nothing for an unresolvable handle or URL, and needs a token", async () => {
    const me = await createTestUser();
    const handle = await api(`/api/v2/search?resolve=true&q=${encodeURIComponent("@nobody@localhost:9")}`, { token: me.token });
    expect(handle.status).toBe(200);
    expect(await handle.json()).toMatchObject({ accounts: [], statuses: [] });
    const url = await api(`/api/v2/search?resolve=true&q=${encodeURIComponent("http://localhost:9/notes/1")}`, {
      token: me.token,
    });
    expect(await url.json()).toEqual({ accounts: [], statuses: [], hashtags: [] });
    const anonymous = await api(`/api/v2/search?resolve=true&q=${encodeURIComponent("@nobody@localhost:9")}`);
    expect(anonymous.status).toBe(401);
  });
});

describe("handles that are not bare hosts", () => {
  it("never fetch anything", async () => {
    const net = new FakeNetwork();
    const remote = remoteContext(db(), config(), net.fetcher);
    for (const domain of ["evil.example/x?", "evil.example#a", "user:pw@evil.example", "evil .example"]) {
      expect(await resolveHandle(remote, "alice", domain)).toBeNull();
    }
    expect(net.requests).toHaveLength(0);
  });
});
