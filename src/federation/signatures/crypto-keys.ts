/**
 * PEM ⇄ WebCrypto. Public keys arrive as SPKI PEM (what Mastodon publishes), as PKCS#1
 * `RSA PUBLIC KEY` (Mobilizon, Funkwhale, older Misskey) or with spaces instead of newlines; all
 * three import. The key type is read from the SPKI algorithm OID, so `hs2019` and RFC 9421
 * signatures without `alg` pick RSA or Ed25519 from the key, as Mastodon and GoToSocial do.
 *
 * Imported public keys are cached per isolate, keyed by the PEM text itself (then by algorithm):
 * they are public, derived from no secret, and importing costs more than verifying. The PEM is its
 * own fingerprint, so a rotated key (new PEM under the same keyId) can never be served from a stale
 * entry, and the inbox's refetch-once-on-failure rule works unchanged. Private keys are never cached here.
 */

export type SignatureAlgorithm = "rsa-v1_5-sha256" | "rsa-pss-sha512" | "ecdsa-p256-sha256" | "ed25519" | "hmac-sha256";

export type KeyType = "rsa" | "ed25519" | "ec-p256";

export interface VerificationKey {
  algorithm: SignatureAlgorithm;
  key: CryptoKey;
}

const OID_RSA = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_ED25519 = [0x2b, 0x65, 0x70];
const OID_EC = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256 = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/** The platform's native decoder when it has one (workerd does); the portable loop otherwise. */
const nativeFromBase64 = (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array }).fromBase64;

export function base64ToBytes(text: string): Uint8Array {
  if (nativeFromBase64) return nativeFromBase64(text);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

/** One DER tag-length-value at `offset` (definite lengths only, as DER requires). */
function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset];
  let len = der[offset + 1];
  if (tag === undefined || len === undefined) throw new Error("truncated DER");
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 4) throw new Error("unsupported DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | (der[start + i] ?? 0);
    start += n;
  }
  const end = start + len;
  if (end > der.length) throw new Error("truncated DER");
  return { tag, start, end };
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function sameBytes(a: Uint8Array, b: number[]): boolean {
  return a.length === b.length && b.every((x, i) => a[i] === x);
}

/** Wraps a PKCS#1 RSAPublicKey in an SPKI SubjectPublicKeyInfo, which WebCrypto imports. */
function pkcs1ToSpki(pkcs1: Uint8Array): Uint8Array {
  const algorithm = [0x30, 0x0d, 0x06, 0x09, ...OID_RSA, 0x05, 0x00];
  const bitString = [0x03, ...derLength(pkcs1.length + 1), 0x00];
  const body = algorithm.length + bitString.length + pkcs1.length;
  const out = new Uint8Array([0x30, ...derLength(body), ...algorithm, ...bitString, ...pkcs1]);
  return out;
}

/** The DER inside a PEM, whatever its whitespace; PKCS#1 RSA public keys come back as SPKI. */
export function pemToDer(pem: string): { der: Uint8Array; label: string } {
  const match = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!match?.[1] || match[2] === undefined) throw new Error("not a PEM document");
  const label = match[1];
  const der = base64ToBytes(match[2].replace(/\s+/g, ""));
  if (label === "RSA PUBLIC KEY") return { der: pkcs1ToSpki(der), label: "PUBLIC KEY" };
  return { der, label };
}

export function derToPem(der: Uint8Array, label: string): string {
  const b64 = bytesToBase64(der);
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** The key type named by an SPKI's AlgorithmIdentifier. */
export function spkiKeyType(spki: Uint8Array): KeyType {
  const outer = readTlv(spki, 0);
  const algId = readTlv(spki, outer.start);
  const oid = readTlv(spki, algId.start);
  if (outer.tag !== 0x30 || algId.tag !== 0x30 || oid.tag !== 0x06) throw new Error("not an SPKI public key");
  const oidBytes = spki.subarray(oid.start, oid.end);
  if (sameBytes(oidBytes, OID_RSA) || sameBytes(oidBytes, OID_RSA_PSS)) return "rsa";
  if (sameBytes(oidBytes, OID_ED25519)) return "ed25519";
  if (sameBytes(oidBytes, OID_EC)) {
    const curve = oid.end < algId.end ? readTlv(spki, oid.end) : undefined;
    if (curve?.tag === 0x06 && sameBytes(spki.subarray(curve.start, curve.end), OID_P256)) return "ec-p256";
    throw new Error("unsupported elliptic curve");
  }
  throw new Error("unsupported public key algorithm");
}

/** What is known about one PEM: its key type and its imports per algorithm. */
interface PemEntry {
  type: KeyType;
  der: Uint8Array;
  imports: Map<SignatureAlgorithm, Promise<CryptoKey>>;
}

/** Entries kept in the per-isolate cache: plenty for the peers one isolate talks to, bounded for memory. */
export const PUBLIC_KEY_CACHE_LIMIT = 1000;
/**
 * Least recently used first (a Map iterates in insertion order and a hit re-inserts), so the keys of
 * busy peers stay while one-off senders age out. Keyed by PEM text alone: each lookup hashes it once.
 */
const pemCache = new Map<string, PemEntry>();

function pemEntry(pem: string): PemEntry {
  const cached = pemCache.get(pem);
  if (cached !== undefined) {
    pemCache.delete(pem);
    pemCache.set(pem, cached);
    return cached;
  }
  const { der } = pemToDer(pem);
  const entry: PemEntry = { type: spkiKeyType(der), der, imports: new Map() };
  if (pemCache.size >= PUBLIC_KEY_CACHE_LIMIT) {
    const oldest = pemCache.keys().next().value;
    if (oldest !== undefined) pemCache.delete(oldest);
  }
  pemCache.set(pem, entry);
  return entry;
}

/** How many public keys this isolate holds, and whether it holds one (tests check the bound and the order). */
export function cachedPublicKeyCount(): number {
  return pemCache.size;
}

export function isPublicKeyCached(pem: string): boolean {
  return pemCache.has(pem);
}

/** The key type of a PEM (read on every hs2019 verify, hence cached). Throws on malformed PEMs. */
export function publicKeyType(pem: string): KeyType {
  return pemEntry(pem).type;
}

/** The algorithm a key implies when the signature does not name one (hs2019, RFC 9421 without `alg`). */
export function defaultAlgorithm(keyType: KeyType): SignatureAlgorithm {
  if (keyType === "rsa") return "rsa-v1_5-sha256";
  if (keyType === "ed25519") return "ed25519";
  return "ecdsa-p256-sha256";
}

const KEY_TYPE_OF: Record<SignatureAlgorithm, KeyType | null> = {
  "rsa-v1_5-sha256": "rsa",
  "rsa-pss-sha512": "rsa",
  "ecdsa-p256-sha256": "ec-p256",
  ed25519: "ed25519",
  "hmac-sha256": null,
};

function importParams(algorithm: SignatureAlgorithm): SubtleCryptoImportKeyAlgorithm {
  switch (algorithm) {
    case "rsa-v1_5-sha256":
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
    case "rsa-pss-sha512":
      return { name: "RSA-PSS", hash: "SHA-512" };
    case "ecdsa-p256-sha256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ed25519":
      return { name: "Ed25519" };
    case "hmac-sha256":
      return { name: "HMAC", hash: "SHA-256" };
  }
}

export function verifyParams(algorithm: SignatureAlgorithm): SubtleCryptoSignAlgorithm {
  switch (algorithm) {
    case "rsa-v1_5-sha256":
      return { name: "RSASSA-PKCS1-v1_5" };
    case "rsa-pss-sha512":
      return { name: "RSA-PSS", saltLength: 64 };
    case "ecdsa-p256-sha256":
      return { name: "ECDSA", hash: "SHA-256" };
    case "ed25519":
      return { name: "Ed25519" };
    case "hmac-sha256":
      return { name: "HMAC" };
  }
}

/**
 * A public key ready to verify `algorithm` signatures. Rejects when the PEM is malformed or of
 * another key type than the algorithm needs (an RSA key cannot verify an Ed25519 signature).
 */
export async function importPublicKey(pem: string, algorithm: SignatureAlgorithm): Promise<CryptoKey> {
  const entry = pemEntry(pem);
  if (KEY_TYPE_OF[algorithm] !== entry.type) throw new Error(`a ${entry.type} key cannot verify ${algorithm}`);
  const cached = entry.imports.get(algorithm);
  if (cached !== undefined) return cached;
  const promise = crypto.subtle.importKey("spki", entry.der, importParams(algorithm), false, ["verify"]);
  entry.imports.set(algorithm, promise);
  try {
    return await promise;
  } catch (err) {
    // A failed import is not kept: the next attempt may come with a refreshed key.
    entry.imports.delete(algorithm);
    throw err;
  }
}

export async function importPrivateKeyPem(pem: string, algorithm: SignatureAlgorithm): Promise<CryptoKey> {
  const { der, label } = pemToDer(pem);
  if (label !== "PRIVATE KEY") throw new Error("expected a PKCS#8 PRIVATE KEY");
  return crypto.subtle.importKey("pkcs8", der, importParams(algorithm), false, ["sign"]);
}

/** Signs `data` with `algorithm`; the result is what both signature schemes base64-encode. */
export async function signBytes(algorithm: SignatureAlgorithm, key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(verifyParams(algorithm), key, data));
}

export async function verifyBytes(
  algorithm: SignatureAlgorithm,
  key: CryptoKey,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  try {
    return await crypto.subtle.verify(verifyParams(algorithm), key, signature, data);
  } catch {
    // Malformed signatures (wrong length for the key) are failures, not errors.
    return false;
  }
}

/** What both signature schemes need to sign an outgoing request. */
export interface RequestSigner {
  keyId: string;
  privateKey: CryptoKey;
  algorithm: "rsa-v1_5-sha256" | "ed25519";
}

export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Headers;
  body: Uint8Array | null;
}
