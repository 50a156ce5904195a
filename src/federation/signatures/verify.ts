/**
 * Verifying a signed message in three steps, cheapest first, so a request that fails early costs
 * no key fetch: parse the signature and apply the policy (coverage, time window) → check the body
 * digest over the exact bytes → fetch the key and check the signature. The inbox and authorized
 * fetch call the steps separately (the key lookup needs the database and the network);
 * `verifySignedMessage` runs all three with a key lookup callback.
 */
import { cavageHeaderValue, parseCavageSignature } from "./cavage";
import {
  defaultAlgorithm,
  importPublicKey,
  publicKeyType,
  type SignatureAlgorithm,
  type VerificationKey,
  verifyBytes,
} from "./crypto-keys";
import { checkContentDigestHeader, checkDigestHeader } from "./digest";
import { fail, type ParsedSignature, type SignatureResult, type SignedMessage, type VerifyPolicy } from "./policy";
import { parseRfc9421Signature } from "./rfc9421";

/** Which scheme a message is signed with; RFC 9421 wins when both are present (its `Signature` header differs). */
export function parseSignature(msg: SignedMessage, policy: VerifyPolicy): SignatureResult<ParsedSignature> {
  if (msg.headers.has("signature-input")) return parseRfc9421Signature(msg, policy);
  const cavage = cavageHeaderValue(msg.headers);
  if (cavage) return parseCavageSignature(msg, cavage, policy);
  return fail("request is not signed");
}

/**
 * Checks the covered (or merely present) digest header against the exact body bytes. The value is
 * the body's SHA-256 when one was computed (the inbox dedupes id-less activities on it).
 */
export async function checkBodyDigest(
  msg: SignedMessage,
  parsed: ParsedSignature,
  policy: VerifyPolicy,
): Promise<SignatureResult<Uint8Array | null>> {
  const body = msg.body ?? new Uint8Array(0);
  if (parsed.digest === "digest") {
    const check = await checkDigestHeader(msg.headers.get("digest"), body);
    return check.ok ? { ok: true, value: check.sha256 } : check;
  }
  if (parsed.digest === "content-digest") {
    const check = await checkContentDigestHeader(msg.headers.get("content-digest"), body, { requireSha256: policy.mastodon });
    return check.ok ? { ok: true, value: check.sha256 } : check;
  }
  if (policy.mastodon && msg.body !== null && msg.body.length > 0) return fail("a body without a signed digest");
  return { ok: true, value: null };
}

/** A key as a PEM (from an actor document) or already imported with its algorithm (tests, HMAC). */
export type KeyMaterial = string | VerificationKey;

/** Checks the signature itself with `key`. Tries each base (with and without the query). */
export async function verifyParsedSignature(
  parsed: ParsedSignature,
  key: KeyMaterial,
  policy: VerifyPolicy,
): Promise<SignatureResult<SignatureAlgorithm>> {
  let algorithm: SignatureAlgorithm;
  let cryptoKey: CryptoKey;
  try {
    if (typeof key === "string") {
      algorithm = parsed.algorithm ?? defaultAlgorithm(publicKeyType(key));
      if (!policy.algorithms.includes(algorithm)) return fail(`algorithm ${algorithm} is not accepted`);
      cryptoKey = await importPublicKey(key, algorithm);
    } else {
      algorithm = key.algorithm;
      if (parsed.algorithm !== null && parsed.algorithm !== algorithm)
        return fail(`signature says ${parsed.algorithm}, key is ${algorithm}`);
      if (!policy.algorithms.includes(algorithm)) return fail(`algorithm ${algorithm} is not accepted`);
      cryptoKey = key.key;
    }
  } catch (err) {
    return fail(`unusable key: ${(err as Error).message}`);
  }
  const encoder = new TextEncoder();
  for (const base of parsed.bases) {
    if (await verifyBytes(algorithm, cryptoKey, parsed.signature, encoder.encode(base))) return { ok: true, value: algorithm };
  }
  return fail("signature does not verify");
}

export interface VerifiedSignature {
  keyId: string;
  scheme: ParsedSignature["scheme"];
  algorithm: SignatureAlgorithm;
}

/** All three steps, for callers that can look a key up by its id (tests, vectors, benchmarks). */
export async function verifySignedMessage(
  msg: SignedMessage,
  lookupKey: (keyId: string) => Promise<KeyMaterial | null>,
  policy: VerifyPolicy,
): Promise<SignatureResult<VerifiedSignature>> {
  const parsed = parseSignature(msg, policy);
  if (!parsed.ok) return parsed;
  const digest = await checkBodyDigest(msg, parsed.value, policy);
  if (!digest.ok) return digest;
  const key = await lookupKey(parsed.value.keyId);
  if (!key) return fail(`unknown key ${parsed.value.keyId}`);
  const verified = await verifyParsedSignature(parsed.value, key, policy);
  if (!verified.ok) return verified;
  return { ok: true, value: { keyId: parsed.value.keyId, scheme: parsed.value.scheme, algorithm: verified.value } };
}

/** A Request's parts as the verifier reads them, with the body bytes read once by the caller. */
export function messageFromRequest(request: Request, body: Uint8Array | null): SignedMessage {
  return { method: request.method, url: request.url, headers: request.headers, body };
}
