/**
 * Signed inbox requests for the inbound benchmarks: each activity is signed once (cavage or RFC 9421,
 * as test/federation/helpers.ts signs them) and can be turned into a fresh Request any number of
 * times, since a Request's body can be read only once. The floor inputs (signature bytes, signing
 * base, body bytes) are taken apart outside any timed loop.
 */
import type { KeySource } from "../../src/federation/inbox";
import { mastodonPolicy } from "../../src/federation/signatures/policy";
import { messageFromRequest, parseSignature } from "../../src/federation/signatures/verify";
import { type RemoteActor, signedPost } from "../../test/federation/helpers";

export type Scheme = "cavage" | "rfc9421";

export interface SignedSpec {
  url: string;
  headers: [string, string][];
  bytes: Uint8Array;
  /** What the floor verifies: the request's own signature over its own signing base. */
  signature: Uint8Array;
  base: Uint8Array;
}

export const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A Mastodon-shaped public Create of about 1.1 KB with a hashtag. */
export function createActivity(actorId: string, n: string): string {
  return JSON.stringify({
    "@context": ["https://www.w3.org/ns/activitystreams", { Hashtag: "as:Hashtag", sensitive: "as:sensitive" }],
    id: `${actorId}/statuses/${n}/activity`,
    type: "Create",
    actor: actorId,
    published: "2026-11-22T00:00:00Z",
    to: ["https://www.w3.org/ns/activitystreams#Public"],
    cc: [`${actorId}/followers`],
    object: {
      id: `${actorId}/statuses/${n}`,
      type: "Note",
      attributedTo: actorId,
      content: `<p>${"Hello fediverse. ".repeat(30)} ${n} <a href="https://remote.example/tags/petrel">#petrel</a></p>`,
      to: ["https://www.w3.org/ns/activitystreams#Public"],
      cc: [`${actorId}/followers`],
      published: "2026-11-22T00:00:00Z",
      sensitive: false,
      tag: [{ type: "Hashtag", href: "https://remote.example/tags/petrel", name: "#petrel" }],
    },
  });
}

export async function signedSpecs(actor: RemoteActor, scheme: Scheme, count: number, nonce: string): Promise<SignedSpec[]> {
  const specs: SignedSpec[] = [];
  for (let i = 0; i < count; i++) {
    const body = createActivity(actor.id, `${nonce}-${scheme}-${i}`);
    const request = await signedPost("/inbox", body, actor, { scheme });
    const bytes = new TextEncoder().encode(body);
    const parsed = parseSignature(messageFromRequest(request, bytes), mastodonPolicy());
    if (!parsed.ok) throw new Error(parsed.reason);
    const base = parsed.value.bases[0];
    if (base === undefined) throw new Error("no signing base");
    specs.push({
      url: request.url,
      headers: [...request.headers],
      bytes,
      signature: parsed.value.signature,
      base: new TextEncoder().encode(base),
    });
  }
  return specs;
}

/** The request as a peer sends it (Mastodon, GoToSocial and Misskey all declare Content-Length). */
export function toRequest(spec: SignedSpec): Request {
  const headers = new Headers(spec.headers);
  headers.set("content-length", String(spec.bytes.length));
  return new Request(spec.url, { method: "POST", headers, body: spec.bytes });
}

/** The key as the D1 row would give it, without D1: what a warm isolate verifies with. */
export function memoryKeySource(actor: RemoteActor, accountId: number): KeySource {
  const key = { keyId: actor.keyId, publicKeyPem: actor.publicKeyPem, owner: actor.id, accountId };
  return {
    get: async (keyId) =>
      keyId === actor.keyId ? { status: "ok", key, fromCache: true } : { status: "error", reason: "unknown key" },
  };
}

/** µs per activity of the WebCrypto floor: RSA-2048 verify of its signature + SHA-256 of its body + JSON.parse. */
export async function floorUs(specs: SignedSpec[], key: CryptoKey): Promise<number> {
  await tick();
  const start = Date.now();
  for (const spec of specs) {
    if (!(await crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, spec.signature, spec.base)))
      throw new Error("floor: bad signature");
    await crypto.subtle.digest("SHA-256", spec.bytes);
    JSON.parse(new TextDecoder().decode(spec.bytes));
  }
  await tick();
  return ((Date.now() - start) * 1000) / specs.length;
}

/** Runs `fn` once per item, `limit` at a time. */
export async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
