/**
 * The receiving end of Web Push, written independently of src/push for the tests (workerd and Node):
 * a user agent's key pair and auth secret, decryption of RFC 8291 `aes128gcm` and legacy `aesgcm`
 * bodies, and verification of the VAPID JWT against the instance's public key. WebCrypto and jose only.
 */
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from "jose";

/** A copy over a plain ArrayBuffer, the BufferSource every WebCrypto typing (DOM, workers) accepts. */
function ab(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

export function b64urlEncode(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64urlDecode(text: string): Uint8Array {
  const b64 = text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export interface UserAgentKeys {
  /** What the client sends as `subscription[keys][p256dh]` and `[auth]`. */
  p256dh: string;
  auth: string;
  publicRaw: Uint8Array;
  authBytes: Uint8Array;
  privateKey: CryptoKey;
}

export async function makeUserAgentKeys(): Promise<UserAgentKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"])) as CryptoKeyPair;
  const publicRaw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const authBytes = crypto.getRandomValues(new Uint8Array(16));
  return {
    p256dh: b64urlEncode(publicRaw),
    auth: b64urlEncode(authBytes),
    publicRaw,
    authBytes,
    privateKey: pair.privateKey,
  };
}

const text = new TextEncoder();

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
  const key = await crypto.subtle.importKey("raw", ab(ikm), "HKDF", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt: ab(salt), info: ab(info) }, key, bytes * 8),
  );
}

async function ecdh(keys: UserAgentKeys, serverPublic: Uint8Array): Promise<Uint8Array> {
  const pub = await crypto.subtle.importKey("raw", ab(serverPublic), { name: "ECDH", namedCurve: "P-256" }, false, []);
  const algorithm = { name: "ECDH", public: pub } as unknown as Parameters<typeof crypto.subtle.deriveBits>[0];
  return new Uint8Array(await crypto.subtle.deriveBits(algorithm, keys.privateKey, 256));
}

async function aesGcmDecrypt(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", ab(key), "AES-GCM", false, ["decrypt"]);
  return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: ab(iv) }, k, ab(data)));
}

export interface Aes128gcmHeader {
  recordSize: number;
  serverPublic: Uint8Array;
}

/** RFC 8188 + RFC 8291: one record, its last non-zero byte the 0x02 delimiter. */
export async function decryptAes128gcm(
  body: Uint8Array,
  keys: UserAgentKeys,
): Promise<{ plaintext: string; header: Aes128gcmHeader }> {
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idlen = body[20] ?? 0;
  const serverPublic = body.slice(21, 21 + idlen);
  const record = body.slice(21 + idlen);
  if (record.length > recordSize) throw new Error(`record of ${record.length} bytes exceeds rs ${recordSize}`);
  const secret = await ecdh(keys, serverPublic);
  const ikm = await hkdf(keys.authBytes, secret, concat(text.encode("WebPush: info\0"), keys.publicRaw, serverPublic), 32);
  const cek = await hkdf(salt, ikm, text.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, text.encode("Content-Encoding: nonce\0"), 12);
  const padded = await aesGcmDecrypt(cek, nonce, record);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 0x02) throw new Error("the last record does not end in the 0x02 delimiter");
  return { plaintext: new TextDecoder().decode(padded.slice(0, end)), header: { recordSize, serverPublic } };
}

function headerParam(header: string, name: string): string | undefined {
  for (const part of header.split(/[;,]/)) {
    const [k, v] = part.trim().split("=", 2);
    if (k === name && v !== undefined) return v;
  }
  return undefined;
}

/** draft-ietf-webpush-encryption-04 `aesgcm`: salt in Encryption, the server key as Crypto-Key `dh`. */
export async function decryptAesgcm(
  body: Uint8Array,
  headers: { encryption: string; cryptoKey: string },
  keys: UserAgentKeys,
): Promise<string> {
  const salt = b64urlDecode(headerParam(headers.encryption, "salt") ?? "");
  const serverPublic = b64urlDecode(headerParam(headers.cryptoKey, "dh") ?? "");
  const secret = await ecdh(keys, serverPublic);
  const prk = await hkdf(keys.authBytes, secret, text.encode("Content-Encoding: auth\0"), 32);
  const len = (k: Uint8Array) => new Uint8Array([k.length >> 8, k.length & 0xff]);
  const context = concat(text.encode("P-256\0"), len(keys.publicRaw), keys.publicRaw, len(serverPublic), serverPublic);
  const cek = await hkdf(salt, prk, concat(text.encode("Content-Encoding: aesgcm\0"), context), 16);
  const nonce = await hkdf(salt, prk, concat(text.encode("Content-Encoding: nonce\0"), context), 12);
  const padded = await aesGcmDecrypt(cek, nonce, body);
  const pad = ((padded[0] ?? 0) << 8) | (padded[1] ?? 0);
  return new TextDecoder().decode(padded.slice(2 + pad));
}

export interface VerifiedVapid {
  payload: JWTPayload;
  /** The key the request named (`k=` or Crypto-Key `p256ecdsa=`), base64url. */
  key: string;
  scheme: "vapid" | "WebPush";
}

/**
 * Checks the request's VAPID authorization: the JWT must be ES256, signed by `serverKey` (the
 * instance's published key), name the same key, and be addressed to `audience`.
 */
export async function verifyVapid(
  headers: { authorization: string; cryptoKey?: string | null },
  serverKey: string,
  audience: string,
): Promise<VerifiedVapid> {
  let jwt: string;
  let key: string;
  let scheme: "vapid" | "WebPush";
  const vapid = /^vapid\s+(.*)$/i.exec(headers.authorization);
  if (vapid?.[1]) {
    scheme = "vapid";
    jwt = headerParam(vapid[1], "t") ?? "";
    key = headerParam(vapid[1], "k") ?? "";
  } else {
    const legacy = /^WebPush\s+(\S+)$/.exec(headers.authorization);
    if (!legacy?.[1]) throw new Error(`unexpected Authorization: ${headers.authorization}`);
    scheme = "WebPush";
    jwt = legacy[1];
    key = headerParam(headers.cryptoKey ?? "", "p256ecdsa") ?? "";
  }
  if (b64urlEncode(b64urlDecode(key)) !== b64urlEncode(b64urlDecode(serverKey))) throw new Error("the request names another key");
  if (decodeProtectedHeader(jwt).alg !== "ES256") throw new Error("not ES256");
  const publicKey = await crypto.subtle.importKey(
    "raw",
    ab(b64urlDecode(serverKey)),
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["verify"],
  );
  const { payload } = await jwtVerify(jwt, publicKey, { algorithms: ["ES256"], audience });
  return { payload, key, scheme };
}
