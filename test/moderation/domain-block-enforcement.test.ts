/**
 * What a domain block refuses on every federation path: a suspended server's activities (before any
 * key fetch, and with a cached key), fetches and WebFinger lookups to it, deliveries to it; new
 * accounts on a blocked server start suspended or silenced; `reject_reports` drops its Flags;
 * `reject_media` keeps its files out of the media cache. Servers that are not blocked are untouched.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { fetchJson, remoteContext } from "../../src/federation/fetch";
import { accountSigningKey } from "../../src/federation/keys";
import { resolveActor } from "../../src/federation/remote-actors";
import { resolveHandle } from "../../src/federation/resolve-handle";
import { ensureCached } from "../../src/media/remote/cache";
import { createDomainBlock, type DomainBlockInput } from "../../src/services/domain-blocks";
import { forgetDomainPolicies } from "../../src/services/domain-policy";
import { streamNewStatus } from "../../src/streaming/new-status";
import { renderForStreams } from "../../src/streaming/publish";
import { SpyQueue as DeliverySpy, fakeBatch, MockInboxes, message, runBatch, server } from "../federation/delivery-helpers";
import {
  FakeNetwork,
  federationApp,
  LOCAL,
  remoteActor,
  run,
  SpyQueue,
  seedRemoteActor,
  serveActor,
  signedPost,
} from "../federation/helpers";
import { Harness, localActorUri, peer } from "../federation/inbox-consumer-helpers";
import { insertStatus, remote } from "../federation/outbound-helpers";
import { config, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { connected, payloadOf } from "../streaming/helpers";

afterEach(() => forgetDomainPolicies());

async function block(domain: string, options: Partial<DomainBlockInput> = {}): Promise<number> {
  const result = await createDomainBlock(db(), config(), {
    domain,
    severity: "suspend",
    rejectMedia: false,
    rejectReports: false,
    privateComment: "",
    publicComment: "",
    obfuscate: false,
    ...options,
  });
  if (!result.ok) throw new Error(result.error);
  return result.block.createdAt;
}

function followOf(actorId: string, target: string): string {
  return JSON.stringify({
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${actorId}#follows/${uniqueName("f")}`,
    type: "Follow",
    actor: actorId,
    object: target,
  });
}

describe("a suspended server", () => {
  it("has its activities refused before any key fetch, cached key or not; other servers are heard", async () => {
    const net = new FakeNetwork();
    const host = `${uniqueName("evil")}.example`;
    const [unknown, known, open] = [await remoteActor(`social.${host}`), await remoteActor(host), await remoteActor()];
    for (const a of [unknown, known, open]) serveActor(net, a);
    await seedRemoteActor(known);
    const { account } = await createTestUser();
    const target = `${LOCAL}/users/${account.username}`;
    await block(host);

    for (const actor of [unknown, known]) {
      const spy = new SpyQueue();
      const res = await run(federationApp(net.fetcher), await signedPost("/inbox", followOf(actor.id, target), actor), {
        INBOX: spy.asQueue(),
      });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe("the key's server is blocked");
      expect(spy.sent).toEqual([]);
    }
    expect(net.requests).toEqual([]);
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM inbox_activities WHERE actor_uri IN (?, ?)")
        .bind(unknown.id, known.id)
        .first(),
    ).toEqual({
      n: 0,
    });

    const spy = new SpyQueue();
    const res = await run(federationApp(net.fetcher), await signedPost("/inbox", followOf(open.id, target), open), {
      INBOX: spy.asQueue(),
    });
    expect(res.status).toBe(202);
    expect(spy.sent).toHaveLength(1);
  });

  it("is never fetched from, nor looked up through WebFinger", async () => {
    const net = new FakeNetwork();
    const host = `${uniqueName("evil")}.example`;
    const actor = await remoteActor(host);
    serveActor(net, actor);
    await block(host);
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect(await fetchJson(ctx, actor.id)).toMatchObject({ ok: false, reason: `the server is blocked: ${actor.id}` });
    expect(await resolveActor(ctx, actor.id)).toMatchObject({ ok: false });
    expect(await resolveHandle(ctx, "alice", host)).toBeNull();
    expect(net.requests).toEqual([]);
  });

  it("gets no deliveries: its inboxes are dropped and acked, the others delivered", async () => {
    const { account } = await createTestUser();
    await accountSigningKey(db(), config(), account.id);
    const [blocked, open] = [server(), server()];
    await block(new URL(blocked).host);
    const net = new MockInboxes();
    const queue = new DeliverySpy();
    const { batch, acked, retried } = fakeBatch([message(account.id, [`${blocked}/inbox`, `${open}/inbox`])]);
    await runBatch(batch, queue, { fetch: net.fetch });
    expect(net.requests.map((r) => r.url)).toEqual([`${open}/inbox`]);
    expect(acked.size).toBe(1);
    expect(retried.size).toBe(0);
    expect(queue.sent).toEqual([]);
  });
});

describe("a blocked server's new accounts and reports", () => {
  it("start silenced (or suspended) as the block left the others", async () => {
    const net = new FakeNetwork();
    const [quiet, gone] = [`${uniqueName("quiet")}.example`, `${uniqueName("gone")}.example`];
    const actor = await remoteActor(quiet);
    serveActor(net, actor);
    const silencedAt = await block(quiet, { severity: "silence" });
    const resolved = await resolveActor(remoteContext(db(), config(), net.fetcher), actor.id);
    expect(resolved.ok && resolved.account.silencedAt).toBe(silencedAt);
    expect(resolved.ok && resolved.account.suspendedAt).toBeNull();
    // Suspended servers are not fetched; an account stored another way (a migration's seed) is marked.
    const suspendedAt = await block(gone);
    const seeded = await seedRemoteActor(await remoteActor(gone));
    expect(seeded.suspendedAt).toBe(suspendedAt);
  });

  it("when silenced, stay off the public streams; other remote posts reach them", async () => {
    const socket = await connected("stream=public:remote");
    await socket.barrier();
    const loudHost = `${uniqueName("loud")}.example`;
    await block(loudHost, { severity: "silence" });
    const [loud, calm] = [await remote(loudHost), await remote()];
    const posts: string[] = [];
    for (const r of [loud, calm]) {
      const id = await insertStatus(r.account.id, { local: false, uri: `${r.actor.id}/notes/${uniqueName("n")}` });
      const rendered = await renderForStreams(env, id);
      if (!rendered) throw new Error("not rendered");
      await streamNewStatus(env, rendered);
      posts.push(String(id));
    }
    await socket.waitFor((f) => f.stream?.[0] === "public:remote" && payloadOf<{ id: string }>(f).id === posts[1]);
    expect(socket.frames.filter((f) => f.event === "update").map((f) => payloadOf<{ id: string }>(f).id)).toEqual([posts[1]]);
    socket.close();
  });

  it("with reject_reports, have their Flags dropped; other servers' reports are kept", async () => {
    const h = new Harness();
    const [muted, heard, u] = [await peer(), await peer(), await createTestUser()];
    await block(muted.host, { severity: "noop", rejectReports: true });
    for (const p of [muted, heard]) {
      const flag = {
        id: `${p.actor.id}#flags/${uniqueName("f")}`,
        type: "Flag",
        actor: p.actor.id,
        content: "spam",
        object: [localActorUri(u.account.username)],
      };
      expect(await h.deliver(flag)).toMatchObject({ acked: true, retried: false });
    }
    const reports = await env.DB.prepare("SELECT account_id FROM reports WHERE target_account_id = ?")
      .bind(u.account.id)
      .all<{ account_id: number }>();
    expect(reports.results.map((r) => r.account_id)).toEqual([heard.account.id]);
  });

  it("with reject_media, never have their files fetched into the media cache", async () => {
    const host = `${uniqueName("pics")}.example`;
    const fetched: string[] = [];
    const fetcher = async (input: RequestInfo | URL) => {
      fetched.push(String(input));
      return new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { headers: { "content-type": "image/png" } });
    };
    await block(host, { severity: "noop", rejectMedia: true });
    const ctx = { db: db(), config: config(), bucket: env.MEDIA, fetcher };
    expect(await ensureCached(ctx, "avatar", `https://${host}/a.png`)).toBeUndefined();
    expect(await ensureCached(ctx, "attachment", `https://files.${host}/b.png`)).toBeUndefined();
    expect(fetched).toEqual([]);
    expect(
      await env.DB.prepare("SELECT COUNT(*) AS n FROM media_cache WHERE remote_url LIKE ?").bind(`%${host}%`).first(),
    ).toEqual({ n: 0 });
  });
});
