/**
 * Message encryption for Web Push, over WebCrypto:
 * - RFC 8291 / RFC 8188 `aes128gcm`: ECDH P-256 with the user agent's key, HKDF-SHA-256 keyed by the
 *   auth secret, one AES-128-GCM record of size 4096 ending in the 0x02 delimiter; the salt, record
 *   size and our ephemeral public key travel in the body's header.
 * - the legacy draft (draft-ietf-webpush-encryption-04) `aesgcm` that Mastodon sends unless the
 *   subscription says `standard`: same ECDH, a different key schedule, a two-byte padding length in
 *   front of the plaintext, and the salt and key in the `Encryption` and `Crypto-Key` headers.
 * A fresh ephemeral key pair and salt per message.
 */
import { fromBase64Url, toBase64Url } from "../crypto/encoding";

export const RECORD_SIZE = 4096;
/** AES-GCM tag (16) and the record delimiter (1) come out of the one record. */
export const MAX_PLAINTEXT = RECORD_SIZE - 17;

export interface EncryptedMessage {
  body: Uint8Array;
  /** Headers the encoding needs besides Authorization (which VAPID adds). */
  headers: Record<string, string>;
}

const encoder = new TextEncoder();

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, bytes * 8));
}

async function aesGcm(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["encrypt"]);
  return new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, k, plaintext));
}

/** Imports the user agent's P-256 point; throws when it is not an uncompressed point on the curve. */
export async function importUserAgentKey(p256dh: Uint8Array): Promise<CryptoKey> {
  if (p256dh.length !== 65 || p256dh[0] !== 0x04) throw new Error("not an uncompressed P-256 point");
  return crypto.subtle.importKey("raw", p256dh, { name: "ECDH", namedCurve: "P-256" }, false, []);
}

/** Decodes a key the client sent in base64url or standard base64 (Mastodon accepts both). */
export function decodeKey(text: string): Uint8Array | undefined {
  const trimmed = text.trim().replace(/=+$/, "");
  if (!/^[A-Za-z0-9+/_-]+$/.test(trimmed)) return undefined;
  try {
    return fromBase64Url(trimmed.replace(/\+/g, "-").replace(/\//g, "_"));
  } catch {
    return undefined;
  }
}

interface Agreement {
  uaPublic: Uint8Array;
  asPublic: Uint8Array;
  secret: Uint8Array;
}

/** `serverKeys` is for known-answer tests only; every message otherwise gets a fresh pair. */
async function agree(p256dh: Uint8Array, serverKeys?: CryptoKeyPair): Promise<Agreement> {
  const uaKey = await importUserAgentKey(p256dh);
  const pair =
    serverKeys ??
    ((await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair);
  const asPublic = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  // workers-types spell the member `$public`; the runtime (and WebCrypto) read `public`.
  const params = { name: "ECDH", public: uaKey } as unknown as SubtleCryptoDeriveKeyAlgorithm;
  const secret = new Uint8Array(await crypto.subtle.deriveBits(params, pair.privateKey, 256));
  return { uaPublic: p256dh, asPublic, secret };
}

function checkSize(plaintext: Uint8Array): void {
  if (plaintext.length > MAX_PLAINTEXT) throw new Error(`push payload of ${plaintext.length} bytes does not fit one record`);
}

/** RFC 8291 `aes128gcm`. */
export async function encryptAes128gcm(
  plaintext: Uint8Array,
  p256dh: Uint8Array,
  auth: Uint8Array,
  salt: Uint8Array = crypto.getRandomValues(new Uint8Array(16)),
  serverKeys?: CryptoKeyPair,
): Promise<EncryptedMessage> {
  checkSize(plaintext);
  const { uaPublic, asPublic, secret } = await agree(p256dh, serverKeys);
  const keyInfo = concat(encoder.encode("WebPush: info\0"), uaPublic, asPublic);
  const ikm = await hkdf(auth, secret, keyInfo, 32);
  const cek = await hkdf(salt, ikm, encoder.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, encoder.encode("Content-Encoding: nonce\0"), 12);
  const record = await aesGcm(cek, nonce, concat(plaintext, new Uint8Array([0x02])));
  const header = new Uint8Array(21);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = asPublic.length;
  return {
    body: concat(header, asPublic, record),
    headers: { "Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream" },
  };
}

function lengthPrefixed(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + key.length);
  new DataView(out.buffer).setUint16(0, key.length);
  out.set(key, 2);
  return out;
}

/** The legacy `aesgcm` draft, as Mastodon's webpush gem sends it. */
export async function encryptAesgcm(
  plaintext: Uint8Array,
  p256dh: Uint8Array,
  auth: Uint8Array,
  salt: Uint8Array = crypto.getRandomValues(new Uint8Array(16)),
): Promise<EncryptedMessage> {
  checkSize(plaintext);
  const { uaPublic, asPublic, secret } = await agree(p256dh);
  const prk = await hkdf(auth, secret, encoder.encode("Content-Encoding: auth\0"), 32);
  const context = concat(encoder.encode("P-256\0"), lengthPrefixed(uaPublic), lengthPrefixed(asPublic));
  const cek = await hkdf(salt, prk, concat(encoder.encode("Content-Encoding: aesgcm\0"), context), 16);
  const nonce = await hkdf(salt, prk, concat(encoder.encode("Content-Encoding: nonce\0"), context), 12);
  // Two zero bytes: a padding length of 0.
  const body = await aesGcm(cek, nonce, concat(new Uint8Array(2), plaintext));
  return {
    body,
    headers: {
      "Content-Encoding": "aesgcm",
      "Content-Type": "application/octet-stream",
      Encryption: `salt=${toBase64Url(salt)}`,
      "Crypto-Key": `dh=${toBase64Url(asPublic)}`,
    },
  };
}
