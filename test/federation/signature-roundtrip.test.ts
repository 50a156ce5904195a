/** Our signer against our verifier, both schemes, RSA and Ed25519; and every kind of tampering fails. */
import { describe, expect, it } from "vitest";
import { type CavageSigner, signCavage } from "../../src/federation/signatures/cavage";
import { derToPem } from "../../src/federation/signatures/crypto-keys";
import { HOUR_MS, mastodonPolicy, type SignedMessage } from "../../src/federation/signatures/policy";
import { signRfc9421 } from "../../src/federation/signatures/rfc9421";
import { verifySignedMessage } from "../../src/federation/signatures/verify";
import { rsaKeyPair } from "./helpers";

type Scheme = "cavage" | "rfc9421";

async function ed25519KeyPair(): Promise<{ publicKeyPem: string; privateKey: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  return { publicKeyPem: derToPem(spki, "PUBLIC KEY"), privateKey: pair.privateKey };
}

const rsa = await rsaKeyPair();
const ed = await ed25519KeyPair();
const KEY_ID = "https://remote.example/users/alice#main-key";
const BODY = JSON.stringify({
  type: "Follow",
  actor: "https://remote.example/users/alice",
  object: "https://petrel.test/users/bob",
});

async function sign(
  scheme: Scheme,
  options: { method?: string; url?: string; body?: string | null; at?: number; key?: "rsa" | "ed25519" } = {},
): Promise<SignedMessage> {
  const method = options.method ?? "POST";
  const url = options.url ?? "https://petrel.test/users/bob/inbox";
  const body = options.body === undefined ? (method === "POST" ? BODY : null) : options.body;
  const bytes = body === null ? null : new TextEncoder().encode(body);
  const headers = new Headers({ host: new URL(url).host });
  const pair = options.key === "ed25519" ? ed : rsa;
  const signer: CavageSigner = {
    keyId: KEY_ID,
    privateKey: pair.privateKey,
    algorithm: options.key === "ed25519" ? "ed25519" : "rsa-v1_5-sha256",
  };
  const request = { method, url, headers, body: bytes };
  if (scheme === "cavage") await signCavage(request, signer, options.at);
  else await signRfc9421(request, signer, options.at);
  return { method, url, headers, body: bytes };
}

function verify(msg: SignedMessage, options: { key?: "rsa" | "ed25519"; now?: number; pem?: string } = {}) {
  const pem = options.pem ?? (options.key === "ed25519" ? ed.publicKeyPem : rsa.publicKeyPem);
  return verifySignedMessage(msg, async (keyId) => (keyId === KEY_ID ? pem : null), mastodonPolicy(options.now));
}

const reasonOf = (r: Awaited<ReturnType<typeof verify>>) => (r.ok ? "valid" : r.reason);

describe.each(["cavage", "rfc9421"] as const)("%s", (scheme) => {
  it("verifies its own POST and GET, with RSA and with Ed25519", async () => {
    expect(reasonOf(await verify(await sign(scheme)))).toBe("valid");
    expect(reasonOf(await verify(await sign(scheme, { method: "GET", url: "https://petrel.test/users/bob?page=1" })))).toBe(
      "valid",
    );
    expect(reasonOf(await verify(await sign(scheme, { key: "ed25519" }), { key: "ed25519" }))).toBe("valid");
  });

  it("fails when the body is tampered with", async () => {
    const msg = await sign(scheme);
    msg.body = new TextEncoder().encode(BODY.replace("Follow", "Block"));
    expect(reasonOf(await verify(msg))).toMatch(/does not match the body/);
  });

  it("fails when the digest header is replaced to match a tampered body", async () => {
    const msg = await sign(scheme);
    const forged = new TextEncoder().encode(BODY.replace("Follow", "Block"));
    const other = await sign(scheme, { body: BODY.replace("Follow", "Block") });
    msg.body = forged;
    for (const h of ["digest", "content-digest"]) {
      const v = other.headers.get(h);
      if (v) msg.headers.set(h, v);
    }
    expect(reasonOf(await verify(msg))).toBe("signature does not verify");
  });

  it("fails when a signed header or the target changes", async () => {
    const msg = await sign(scheme);
    msg.url = "https://petrel.test/users/mallory/inbox";
    expect(reasonOf(await verify(msg))).toBe("signature does not verify");
    const get = await sign(scheme, { method: "GET", url: "https://petrel.test/users/bob" });
    get.method = "DELETE";
    expect((await verify(get)).ok).toBe(false);
  });

  it("fails with another key", async () => {
    const other = await rsaKeyPair();
    expect(reasonOf(await verify(await sign(scheme), { pem: other.publicKeyPem }))).toBe("signature does not verify");
    // An RSA-signed request checked against an Ed25519 key fails too.
    expect((await verify(await sign(scheme), { pem: ed.publicKeyPem })).ok).toBe(false);
  });

  it("accepts signatures up to 12 hours old and 1 hour ahead, no further", async () => {
    const now = Date.now();
    expect(reasonOf(await verify(await sign(scheme, { at: now - 11 * HOUR_MS }), { now }))).toBe("valid");
    expect(reasonOf(await verify(await sign(scheme, { at: now - 13 * HOUR_MS }), { now }))).toMatch(/too old/);
    expect(reasonOf(await verify(await sign(scheme, { at: now + 0.5 * HOUR_MS }), { now }))).toBe("valid");
    expect(reasonOf(await verify(await sign(scheme, { at: now + 2 * HOUR_MS }), { now }))).toMatch(/in the future/);
  });

  it("fails when the signature headers are missing", async () => {
    const msg = await sign(scheme);
    msg.headers.delete("signature");
    expect(reasonOf(await verify(msg))).toMatch(/not signed|no signature|Signature-Input/);
  });
});

describe("what the signers write", () => {
  it("cavage: Mastodon's header set, rsa-sha256, and Digest written SHA-256= upper-case", async () => {
    const msg = await sign("cavage");
    expect(msg.headers.get("digest")).toMatch(/^SHA-256=[A-Za-z0-9+/]+=*$/);
    expect(msg.headers.get("signature")).toMatch(
      /^keyId="https:\/\/remote\.example\/users\/alice#main-key",algorithm="rsa-sha256",headers="\(request-target\) host date digest",signature="/,
    );
    const get = await sign("cavage", { method: "GET", url: "https://petrel.test/users/bob" });
    expect(get.headers.get("signature")).toContain('headers="(request-target) host date"');
    expect(get.headers.has("digest")).toBe(false);
  });

  it("RFC 9421: one signature over @method, @target-uri and content-digest, with created and keyid", async () => {
    const msg = await sign("rfc9421");
    expect(msg.headers.get("content-digest")).toMatch(/^sha-256=:[A-Za-z0-9+/]+=*:$/);
    expect(msg.headers.get("signature-input")).toMatch(
      /^sig1=\("@method" "@target-uri" "content-digest"\);created=\d+;keyid="https:\/\/remote\.example\/users\/alice#main-key"$/,
    );
    expect(msg.headers.get("signature")).toMatch(/^sig1=:[A-Za-z0-9+/]+=*:$/);
  });

  it("RFC 9421: an expires in the past is refused", async () => {
    const msg = await sign("rfc9421", { method: "GET", url: "https://petrel.test/users/bob" });
    const expires = Math.floor(Date.now() / 1000) - 2 * 3600;
    msg.headers.set("signature-input", `${msg.headers.get("signature-input")};expires=${expires}`);
    expect(reasonOf(await verify(msg))).toBe("signature has expired");
  });

  it("cavage: an (expires) in the past is refused", async () => {
    const expired = Math.floor(Date.now() / 1000) - 2 * 3600;
    const msg = await sign("cavage", { method: "GET", url: "https://petrel.test/users/bob" });
    const sig = msg.headers.get("signature") ?? "";
    msg.headers.set("signature", sig.replace('algorithm="rsa-sha256"', `algorithm="hs2019",expires="${expired}"`));
    expect(reasonOf(await verify(msg))).toBe("signature has expired");
  });
});
