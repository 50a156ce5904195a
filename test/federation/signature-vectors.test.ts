/**
 * Every signed-request vector in ../shared/fixtures/signatures verifies or fails exactly as its
 * source labels it, under the rules of that source:
 * - Mastodon, Fedify, oeee.cafe and PeerTube vectors: Mastodon's rules (what our inbox applies);
 * - Takahe: Mastodon's rules plus Takahe's refusal of a missing `algorithm` (its tests skip the date);
 * - draft-cavage Appendix C, go-fed Ed25519 and RFC 9421 Appendix B: the bare drafts.
 * The clock is `verifyAt` when the vector pins one, else the vector's own Date / created.
 * A second table shows what our inbox policy makes of the vectors that were never meant for it.
 */
import { describe, expect, it } from "vitest";
import { base64ToBytes, bytesToBase64, type SignatureAlgorithm } from "../../src/federation/signatures/crypto-keys";
import { mastodonPolicy, type SignedMessage, specPolicy, type VerifyPolicy } from "../../src/federation/signatures/policy";
import { type KeyMaterial, parseSignature, verifySignedMessage } from "../../src/federation/signatures/verify";

interface Vector {
  method: string | null;
  url: string | null;
  status?: number;
  headers: Record<string, string>;
  body: string | null;
  publicKeyPem: string | null;
  sharedSecret?: string;
  algorithm?: SignatureAlgorithm;
  expected: "valid" | "invalid";
  scheme: "cavage" | "rfc9421";
  verifyAt?: string;
  checks: { signatureCryptographicallyValid: boolean; digestMatchesBody: boolean | null; signingStringOrBase: string };
}

const modules = import.meta.glob("../../../shared/fixtures/signatures/*.json", { eager: true, import: "default" });
const vectors = new Map(Object.entries(modules).map(([path, v]) => [path.replace(/^.*\//, ""), v as Vector]));

function messageOf(v: Vector, headers: Record<string, string> = v.headers): SignedMessage {
  const body = v.body ? new TextEncoder().encode(v.body) : null;
  return { method: v.method, url: v.url, status: v.status, headers: new Headers(headers), body };
}

function clockOf(v: Vector): number {
  if (v.verifyAt) return Date.parse(v.verifyAt);
  const date = Object.entries(v.headers).find(([k]) => k.toLowerCase() === "date")?.[1];
  if (date) return Date.parse(date);
  const created = /created=(\d+)/.exec(JSON.stringify(v.headers))?.[1];
  if (created) return Number(created) * 1000;
  throw new Error("vector has no clock");
}

function sourcePolicy(name: string, now: number): VerifyPolicy {
  if (/^(mastodon|fedify|oeee-cafe|peertube)-/.test(name)) return mastodonPolicy(now);
  if (name.startsWith("takahe-")) return { ...mastodonPolicy(now), requireAlgorithmParam: true };
  if (/^(cavage|rfc9421)-/.test(name)) return specPolicy(now);
  throw new Error(`no policy for ${name}: add its source's rules here`);
}

async function keyOf(v: Vector): Promise<KeyMaterial> {
  if (v.sharedSecret) {
    const key = await crypto.subtle.importKey("raw", base64ToBytes(v.sharedSecret), { name: "HMAC", hash: "SHA-256" }, false, [
      "verify",
    ]);
    return { algorithm: "hmac-sha256", key };
  }
  if (!v.publicKeyPem) throw new Error("vector has no key");
  // RSA-PSS cannot be told from PKCS#1 v1.5 by the key; the vector names it, as `alg` would.
  if (v.algorithm === "rsa-pss-sha512") {
    const der = base64ToBytes(v.publicKeyPem.replace(/-----[A-Z ]+-----|\s+/g, ""));
    const key = await crypto.subtle.importKey("spki", der, { name: "RSA-PSS", hash: "SHA-512" }, false, ["verify"]);
    return { algorithm: "rsa-pss-sha512", key };
  }
  return v.publicKeyPem;
}

async function verify(v: Vector, policy: VerifyPolicy, headers?: Record<string, string>) {
  const key = await keyOf(v);
  return verifySignedMessage(messageOf(v, headers), async () => key, policy);
}

/** Why each invalid vector fails: for the reason its label gives, not by accident. */
const INVALID_BECAUSE: Record<string, RegExp> = {
  "mastodon-cavage-get-path-mismatch.json": /does not verify/,
  "mastodon-cavage-get-query-mismatch.json": /does not verify/,
  "mastodon-cavage-get-stale-date.json": /Date is too old/,
  "mastodon-cavage-method-mismatch.json": /POST must cover digest/,
  "mastodon-cavage-post-digest-not-signed.json": /POST must cover digest/,
  "mastodon-cavage-post-tampered-body.json": /Digest sha-256 does not match the body/,
  "mastodon-rfc9421-get-path-mismatch.json": /does not verify/,
  "mastodon-rfc9421-get-query-mismatch.json": /does not verify/,
  "mastodon-rfc9421-get-stale-created.json": /created is too old/,
  "mastodon-rfc9421-method-mismatch.json": /POST must cover content-digest/,
  "mastodon-rfc9421-post-content-digest-not-signed.json": /POST must cover content-digest/,
  "mastodon-rfc9421-post-tampered-body.json": /Content-Digest sha-256 does not match the body/,
  "rfc9421-b-2-4-ecdsa-p256-sha256-response-as-printed.json": /Content-Digest sha-512 does not match the body/,
  "takahe-cavage-post-missing-algorithm.json": /has no algorithm/,
};

describe("signature vectors", () => {
  it("has every vector", () => {
    expect(vectors.size).toBe(36);
  });

  it.each([...vectors.keys()])("%s verifies or fails as labelled", async (name) => {
    const v = vectors.get(name);
    if (!v) throw new Error(name);
    const result = await verify(v, sourcePolicy(name, clockOf(v)));
    expect(result.ok ? "valid" : `invalid (${result.reason})`).toMatch(v.expected === "valid" ? /^valid$/ : /^invalid/);
    if (!result.ok) expect(result.reason).toMatch(INVALID_BECAUSE[name] ?? /^listed in INVALID_BECAUSE$/);

    // Where we build a signing string, it is the one the independent re-verification built.
    const parsed = parseSignature(messageOf(v), specPolicy(clockOf(v)));
    if (parsed.ok) expect(parsed.value.bases[0]).toBe(v.checks.signingStringOrBase);
  });

  it("verifies RFC 9421 B.2.4 (ECDSA over a response) once its misprinted Content-Digest is corrected", async () => {
    const v = vectors.get("rfc9421-b-2-4-ecdsa-p256-sha256-response-as-printed.json");
    if (!v?.body) throw new Error("vector missing");
    const sha512 = new Uint8Array(await crypto.subtle.digest("SHA-512", new TextEncoder().encode(v.body)));
    const fixed = { ...v.headers, "Content-Digest": `sha-512=:${bytesToBase64(sha512)}:` };
    expect(fixed["Content-Digest"]).toMatch(/^sha-512=:mEWXIS7/);
    const result = await verify(v, specPolicy(clockOf(v)), fixed);
    expect(result.ok ? "valid" : result.reason).toBe("valid");
  });
});

/** What the inbox's Mastodon policy says about the vectors written for the bare drafts. */
const UNDER_MASTODON_RULES: Record<string, RegExp> = {
  "cavage-appendix-c1-default-test.json": /must cover \(request-target\) or digest/,
  "cavage-appendix-c2-basic-test.json": /a signed POST must cover digest/,
  "cavage-appendix-c3-all-headers-test.json": /^valid$/,
  "cavage-hs2019-ed25519-default-test.json": /must cover \(request-target\) or digest/,
  "cavage-hs2019-ed25519-basic-test.json": /a signed POST must cover digest/,
  "cavage-hs2019-ed25519-all-headers-test.json": /^valid$/,
  "rfc9421-b-2-1-rsa-pss-sha512.json": /must cover @method and @target-uri/,
  "rfc9421-b-2-2-rsa-pss-sha512.json": /must cover @method and @target-uri/,
  "rfc9421-b-2-3-rsa-pss-sha512.json": /must cover @method and @target-uri/,
  "rfc9421-b-2-4-ecdsa-p256-sha256-response-as-printed.json": /has no created|must cover @method/,
  "rfc9421-b-2-5-hmac-sha256.json": /must cover @method and @target-uri/,
  "rfc9421-b-2-6-ed25519.json": /must cover @method and @target-uri/,
  // Mastodon defaults a missing algorithm to hs2019, so it accepts what Takahe refuses.
  "takahe-cavage-post-missing-algorithm.json": /^valid$/,
};

describe("the inbox policy on vectors written for other rules", () => {
  it.each(Object.keys(UNDER_MASTODON_RULES))("%s", async (name) => {
    const v = vectors.get(name);
    if (!v) throw new Error(name);
    const result = await verify(v, mastodonPolicy(clockOf(v)));
    expect(result.ok ? "valid" : result.reason).toMatch(UNDER_MASTODON_RULES[name] ?? /^$/);
  });
});
