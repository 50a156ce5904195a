/** The remote-fetch rules: signed, bounded, typed, and never pointed at private or plain-http targets. */
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";
import { remoteOrigins } from "../../src/db/schema";
import { fetchJson, remoteContext, unfetchableReason } from "../../src/federation/fetch";
import { ensureInstanceActorKey } from "../../src/federation/keys";
import { mastodonPolicy } from "../../src/federation/signatures/policy";
import { messageFromRequest, verifySignedMessage } from "../../src/federation/signatures/verify";
import { config, db, uniqueName } from "../helpers/fixtures";
import { FakeNetwork, LOCAL } from "./helpers";

const production = loadConfig({ ...env, ENVIRONMENT: "production", LOCAL_DOMAIN: "petrel.example" });
const host = () => `https://${uniqueName("origin")}.example`;

/** A peer that answers only requests signed by our instance actor, as GoToSocial would. */
async function requireOurSignature(request: Request, scheme: "cavage" | "rfc9421" | "any" = "any"): Promise<Response | null> {
  const key = await ensureInstanceActorKey(db(), config());
  if (scheme === "cavage" && request.headers.has("signature-input")) return new Response("", { status: 401 });
  if (scheme === "rfc9421" && !request.headers.has("signature-input")) return new Response("", { status: 401 });
  const result = await verifySignedMessage(
    messageFromRequest(request, null),
    async (keyId) => (keyId === key.keyId ? key.publicKeyPem : null),
    mastodonPolicy(),
  );
  return result.ok ? null : new Response(result.reason, { status: 401 });
}

const ok = (doc: unknown, contentType = "application/activity+json") =>
  new Response(JSON.stringify(doc), { headers: { "content-type": contentType } });

describe("fetchJson", () => {
  it("signs with the instance actor (draft-cavage) and returns the document", async () => {
    const net = new FakeNetwork();
    const url = `${host()}/users/a`;
    net.on(url, async (req) => (await requireOurSignature(req, "cavage")) ?? ok({ id: url }));
    const res = await fetchJson(remoteContext(db(), config(), net.fetcher), url);
    expect(res).toEqual({ ok: true, json: { id: url }, url });
    const sent = net.requests[0];
    expect(sent?.headers.get("signature")).toContain(`keyId="${LOCAL}/actor#main-key"`);
    expect(sent?.headers.get("accept")).toContain("application/activity+json");
    expect(sent?.headers.get("user-agent")).toMatch(/^Petrel\//);
  });

  it("retries once with RFC 9421 after a 401 and remembers the origin", async () => {
    const net = new FakeNetwork();
    const origin = host();
    for (const path of ["/a", "/b"]) {
      net.on(`${origin}${path}`, async (req) => (await requireOurSignature(req, "rfc9421")) ?? ok({ id: `${origin}${path}` }));
    }
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect((await fetchJson(ctx, `${origin}/a`)).ok).toBe(true);
    expect(net.requests.map((r) => r.headers.has("signature-input"))).toEqual([false, true]);
    const [row] = await db().select().from(remoteOrigins).where(eq(remoteOrigins.origin, origin));
    expect(row?.signatureStyle).toBe("rfc9421");
    expect((await fetchJson(ctx, `${origin}/b`)).ok).toBe(true);
    expect(net.requests.map((r) => r.headers.has("signature-input"))).toEqual([false, true, true]);
  });

  it("does not remember RFC 9421 when the retry is refused too", async () => {
    const net = new FakeNetwork();
    const origin = host();
    net.on(`${origin}/a`, () => new Response("", { status: 401 }));
    const res = await fetchJson(remoteContext(db(), config(), net.fetcher), `${origin}/a`);
    expect(res).toMatchObject({ ok: false, status: 401 });
    expect(net.requests).toHaveLength(2);
    expect(await db().select().from(remoteOrigins).where(eq(remoteOrigins.origin, origin))).toEqual([]);
  });

  it("follows up to three redirects, re-signing each hop, and no more", async () => {
    const net = new FakeNetwork();
    const origin = host();
    const redirect = (to: string) => () => new Response(null, { status: 301, headers: { location: to } });
    net.on(`${origin}/1`, redirect("/2"));
    net.on(`${origin}/2`, redirect(`${origin}/3`));
    net.on(`${origin}/3`, redirect("/4"));
    net.on(`${origin}/4`, async (req) => (await requireOurSignature(req)) ?? ok({ id: `${origin}/4` }));
    net.on(`${origin}/0`, redirect("/1"));
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect(await fetchJson(ctx, `${origin}/1`)).toMatchObject({ ok: true, url: `${origin}/4` });
    expect(await fetchJson(ctx, `${origin}/0`)).toMatchObject({ ok: false, reason: "more than 3 redirects" });
  });

  it("refuses redirects to private addresses", async () => {
    const net = new FakeNetwork();
    const url = `${host()}/x`;
    net.on(url, () => new Response(null, { status: 302, headers: { location: "https://169.254.169.254/latest" } }));
    const res = await fetchJson(remoteContext(db(), production, net.fetcher), url);
    expect(res).toMatchObject({ ok: false, reason: expect.stringMatching(/private or reserved/) });
    expect(net.requests).toHaveLength(1);
  });

  it("refuses bodies over 1 MB, declared or streamed", async () => {
    const net = new FakeNetwork();
    const origin = host();
    const big = "x".repeat(1_100_000);
    net.on(`${origin}/declared`, () => ok({ big }));
    let pulled = 0;
    net.on(`${origin}/streamed`, () => {
      const chunk = new TextEncoder().encode("y".repeat(65_536));
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(chunk);
        },
      });
      return new Response(body, { headers: { "content-type": "application/activity+json" } });
    });
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect(await fetchJson(ctx, `${origin}/declared`)).toMatchObject({ ok: false, reason: "body larger than 1 MB" });
    expect(await fetchJson(ctx, `${origin}/streamed`)).toMatchObject({ ok: false, reason: "body larger than 1 MB" });
    // Reading stopped just past the cap instead of draining an endless body.
    expect(pulled).toBeLessThan(20);
  });

  it("checks the content type: ActivityStreams for documents, JRD or JSON for WebFinger", async () => {
    const net = new FakeNetwork();
    const origin = host();
    net.on(`${origin}/html`, () => ok({}, "text/html"));
    net.on(`${origin}/ld`, () => ok({ a: 1 }, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'));
    net.on(`${origin}/plain`, () => ok({ a: 1 }, "application/json"));
    net.on(`${origin}/wf`, () => ok({ subject: "acct:a@b" }, "application/jrd+json"));
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect(await fetchJson(ctx, `${origin}/html`)).toMatchObject({ ok: false, reason: "unexpected content type text/html" });
    expect((await fetchJson(ctx, `${origin}/ld`)).ok).toBe(true);
    expect((await fetchJson(ctx, `${origin}/plain`)).ok).toBe(false);
    expect((await fetchJson(ctx, `${origin}/plain`, { kind: "webfinger" })).ok).toBe(true);
    expect((await fetchJson(ctx, `${origin}/wf`, { kind: "webfinger" })).ok).toBe(true);
    expect(net.requestsTo(`${origin}/wf`)[0]?.headers.has("signature")).toBe(false);
  });

  it("reports 410 as gone, other errors as failures, and gives up after the timeout", async () => {
    const net = new FakeNetwork();
    const origin = host();
    net.on(`${origin}/gone`, () => new Response("", { status: 410 }));
    net.on(`${origin}/broken`, () => new Response("", { status: 500 }));
    net.on(`${origin}/notjson`, () => new Response("{", { headers: { "content-type": "application/activity+json" } }));
    net.on(
      `${origin}/slow`,
      (req) =>
        new Promise<Response>((_, reject) => {
          req.signal.addEventListener("abort", () => reject(req.signal.reason));
        }),
    );
    const ctx = remoteContext(db(), config(), net.fetcher);
    expect(await fetchJson(ctx, `${origin}/gone`)).toMatchObject({ ok: false, status: 410, gone: true });
    expect(await fetchJson(ctx, `${origin}/broken`)).toMatchObject({ ok: false, status: 500, gone: false });
    expect(await fetchJson(ctx, `${origin}/notjson`)).toMatchObject({ ok: false, reason: "body is not JSON" });
    expect(await fetchJson(ctx, `${origin}/slow`, { timeoutMs: 50 })).toMatchObject({ ok: false, reason: "timed out" });
  });
});

describe("unfetchableReason", () => {
  it("allows only public https targets in production", () => {
    expect(unfetchableReason(production, "https://mastodon.social/users/Gargron")).toBeNull();
    expect(unfetchableReason(production, "http://mastodon.social/users/Gargron")).toBe("only https URLs are fetched");
    for (const url of [
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://172.16.0.1/x",
      "https://192.168.1.1/x",
      "https://169.254.169.254/x",
      "https://100.64.0.1/x",
      "https://0.0.0.0/x",
      "https://[::1]/x",
      "https://[fd00::1]/x",
      "https://[fe80::1]/x",
      "https://[::ffff:127.0.0.1]/x",
      "https://2130706433/x",
      "https://localhost/x",
      "https://printer.local/x",
      "https://peer.test/x",
    ]) {
      expect(unfetchableReason(production, url), url).toBe("private or reserved address");
    }
    expect(unfetchableReason(production, "https://user:pass@example.com/")).toBe("URL carries credentials");
    expect(unfetchableReason(production, "ftp://example.com/")).toBe("only https URLs are fetched");
  });

  it("allows plain http to loopback, *.localhost and *.test in development only", () => {
    const dev = config();
    expect(dev.development).toBe(true);
    expect(unfetchableReason(dev, "http://peer.test/users/a")).toBeNull();
    expect(unfetchableReason(dev, "http://127.0.0.1:8788/users/a")).toBeNull();
    expect(unfetchableReason(dev, "http://a.localhost/users/a")).toBeNull();
    expect(unfetchableReason(dev, "http://example.com/users/a")).toBe("only https URLs are fetched");
    expect(unfetchableReason(dev, "https://10.0.0.1/users/a")).toBe("private or reserved address");
  });
});
