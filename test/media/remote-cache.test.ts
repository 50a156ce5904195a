import { env, SELF } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { accounts, mediaAttachments } from "../../src/db/schema";
import { mediaCache } from "../../src/db/schema-media";
import type { Fetcher } from "../../src/federation/fetch";
import { newId } from "../../src/ids";
import { serveRemoteMedia } from "../../src/media/remote/cache";
import { DAY_MS, expireRemoteMedia } from "../../src/media/remote/cleanup";
import { api, BASE, config, createTestUser, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { fixture, upload } from "./helpers";

/** A mock remote server: serves `files` by URL, counts requests. */
function mockServer(files: Record<string, { bytes: Uint8Array; type: string } | { status: number; location?: string }>) {
  const calls: string[] = [];
  const fetcher: Fetcher = async (input) => {
    const url = String(input instanceof Request ? input.url : input);
    calls.push(url);
    const file = files[url];
    if (!file) return new Response("not found", { status: 404 });
    if ("status" in file)
      return new Response(null, { status: file.status, headers: file.location ? { location: file.location } : {} });
    return new Response(file.bytes, { headers: { "content-type": file.type, "content-length": String(file.bytes.length) } });
  };
  return { calls, fetcher };
}

async function remoteAccount(domain: string, avatar: string | null) {
  const id = newId();
  const username = uniqueName("remote");
  const now = Date.now();
  await db()
    .insert(accounts)
    .values({
      id,
      username,
      acctKey: `${username}@${domain}`.toLowerCase(),
      domain,
      uri: `https://${domain}/users/${username}`,
      avatar,
      createdAt: now,
      updatedAt: now,
    });
  return id;
}

async function remoteAttachment(accountId: number, remoteUrl: string) {
  const id = newId();
  await db().insert(mediaAttachments).values({
    id,
    accountId,
    type: "image",
    remoteUrl,
    contentType: "image/png",
    processedAt: Date.now(),
    createdAt: Date.now(),
  });
  return id;
}

const get = (path: string, headers: Record<string, string> = {}) => new Request(`${BASE}${path}`, { headers });

describe("remote media cache", () => {
  it("hands out URLs on our host, fetches into R2 on first request, then serves from R2; expires unused copies only", async () => {
    const domain = `${uniqueName("peer")}.example`;
    const avatarUrl = `https://${domain}/avatars/a.png`;
    const photoUrl = `https://${domain}/media/photo.jpg`;
    const server = mockServer({
      [avatarUrl]: { bytes: fixture("alpha.png"), type: "image/png" },
      // The remote server calls it a PNG; the bytes decide.
      [photoUrl]: { bytes: fixture("photo.jpg"), type: "image/png" },
    });
    const accountId = await remoteAccount(domain, avatarUrl);
    const mediaId = await remoteAttachment(accountId, photoUrl);

    // Entities never hot-link the remote server.
    const acct = (await (await api(`/api/v1/accounts/${accountId}`)).json()) as { avatar: string; avatar_static: string };
    expectEntity("Account", acct);
    expect(acct.avatar).toMatch(new RegExp(`^${BASE}/media/proxy/avatars/${accountId}/[0-9a-f]{8}$`));
    expect(acct.avatar_static).toBe(acct.avatar);

    const t0 = Date.now();
    const ctx = { db: db(), config: config(), bucket: env.MEDIA, fetcher: server.fetcher, now: t0 };
    const first = await serveRemoteMedia(ctx, get(new URL(acct.avatar).pathname), "avatars", accountId);
    expect(first?.status).toBe(200);
    expect(first?.headers.get("content-type")).toBe("image/png");
    expect(new Uint8Array(await (first as Response).arrayBuffer())).toEqual(fixture("alpha.png"));
    expect(server.calls).toEqual([avatarUrl]);

    // Later requests are answered from R2, through the route, with ranges.
    const again = await SELF.fetch(acct.avatar, { headers: { range: "bytes=0-7" } });
    expect(again.status).toBe(206);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(fixture("alpha.png").slice(0, 8));
    expect(server.calls).toHaveLength(1);

    const photo = await serveRemoteMedia(ctx, get(`/media/proxy/attachments/${mediaId}`), "attachments", mediaId);
    expect(photo?.status).toBe(200);
    expect(photo?.headers.get("content-type")).toBe("image/jpeg");
    await photo?.arrayBuffer();
    const cached = await db().select().from(mediaCache).where(eq(mediaCache.remoteUrl, photoUrl));
    expect(cached[0]).toMatchObject({ kind: "attachment", contentType: "image/jpeg", fileSize: fixture("photo.jpg").length });
    const photoKey = cached[0]?.fileKey as string;
    const avatarKey = (await db().select().from(mediaCache).where(eq(mediaCache.remoteUrl, avatarUrl)))[0]?.fileKey as string;
    expect(await env.MEDIA.head(photoKey)).not.toBeNull();

    // A local upload, which the cleanup must never touch.
    const alice = await createTestUser();
    const up = await upload(alice.token, { bytes: fixture("photo.jpg"), name: "photo.jpg", type: "image/jpeg" });
    const localId = Number(((await up.json()) as { id: string }).id);
    const [local] = await db().select().from(mediaAttachments).where(eq(mediaAttachments.id, localId));

    // The avatar is used again on day 5; the photo is not.
    await serveRemoteMedia({ ...ctx, now: t0 + 5 * DAY_MS }, get("/x"), "avatars", accountId).then((r) => r?.arrayBuffer());

    // Day 6: nothing is 7 days unused yet.
    await expireRemoteMedia(db(), env.MEDIA, 7, t0 + 6 * DAY_MS);
    expect(await env.MEDIA.head(photoKey)).not.toBeNull();

    // Day 8: the photo expired; the avatar (used on day 5) stays; local media untouched.
    await expireRemoteMedia(db(), env.MEDIA, 7, t0 + 8 * DAY_MS);
    expect(await db().select().from(mediaCache).where(eq(mediaCache.remoteUrl, photoUrl))).toEqual([]);
    expect(await env.MEDIA.head(photoKey)).toBeNull();
    expect(await env.MEDIA.head(avatarKey)).not.toBeNull();
    expect(await env.MEDIA.head(local?.fileKey as string)).not.toBeNull();
    expect(await env.MEDIA.head(local?.previewKey as string)).not.toBeNull();
    expect((await db().select().from(mediaAttachments).where(eq(mediaAttachments.id, localId))).length).toBe(1);

    // Asked for again, the photo is fetched again.
    const back = await serveRemoteMedia({ ...ctx, now: t0 + 9 * DAY_MS }, get("/x"), "attachments", mediaId);
    expect(back?.status).toBe(200);
    await back?.arrayBuffer();
    expect(server.calls.filter((u) => u === photoUrl)).toHaveLength(2);
  });

  it("falls back to the remote URL for what it will not cache, storing nothing", async () => {
    const domain = `${uniqueName("peer")}.example`;
    const htmlUrl = `https://${domain}/avatar.png`;
    const bigUrl = `https://${domain}/big.png`;
    const goneUrl = `https://${domain}/gone.png`;
    const privateUrl = "https://10.0.0.1/a.png";
    const server = mockServer({
      [htmlUrl]: { bytes: new TextEncoder().encode("<html><script>alert(1)</script></html>"), type: "image/png" },
      [bigUrl]: { bytes: new Uint8Array(9 * 1024 * 1024), type: "image/png" },
      [goneUrl]: { status: 410 },
    });
    const ctx = { db: db(), config: config(), bucket: env.MEDIA, fetcher: server.fetcher };
    for (const url of [htmlUrl, bigUrl, goneUrl, privateUrl]) {
      const id = await remoteAccount(domain, url);
      const res = await serveRemoteMedia(ctx, get("/x"), "avatars", id);
      expect(res?.status).toBe(302);
      expect(res?.headers.get("location")).toBe(url);
      expect(await db().select().from(mediaCache).where(eq(mediaCache.remoteUrl, url))).toEqual([]);
    }
    expect(server.calls).not.toContain(privateUrl);
    // Outside development, loopback is refused too.
    const loop = await remoteAccount(domain, "http://127.0.0.1:9/a.png");
    const prod = await serveRemoteMedia({ ...ctx, config: { ...config(), development: false } }, get("/x"), "avatars", loop);
    expect(prod?.status).toBe(302);
    expect(server.calls).not.toContain("http://127.0.0.1:9/a.png");

    // Ids that name no remote media are 404s on the route.
    expect((await SELF.fetch(`${BASE}/media/proxy/avatars/123`)).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/media/proxy/nothing/1/abc`)).status).toBe(404);
  });
});
