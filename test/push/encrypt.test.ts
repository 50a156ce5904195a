/**
 * Known answers: RFC 8291 Appendix A's example, encrypted by src/push/encrypt.ts with the RFC's
 * server key and salt must give the RFC's body byte for byte, and the tests' own decoder
 * (push-crypto.ts, used by every other push test) must read the RFC's body back.
 */
import { describe, expect, it } from "vitest";
import { encryptAes128gcm, encryptAesgcm } from "../../src/push/encrypt";
import {
  b64urlDecode,
  b64urlEncode,
  decryptAes128gcm,
  decryptAesgcm,
  makeUserAgentKeys,
  type UserAgentKeys,
} from "./push-crypto";

const RFC = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  asPublic: "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  uaPublic: "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  auth: "BTBZMqHH6r4Tts7J_aSIgg",
  body:
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_" +
    "yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

async function importPair(privateB64: string, publicB64: string, usages: Array<"deriveBits">): Promise<CryptoKeyPair> {
  const pub = b64urlDecode(publicB64);
  const jwk = { kty: "EC", crv: "P-256", x: b64urlEncode(pub.slice(1, 33)), y: b64urlEncode(pub.slice(33, 65)), d: privateB64 };
  const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "ECDH", namedCurve: "P-256" }, true, usages);
  const publicKey = await crypto.subtle.importKey("raw", pub, { name: "ECDH", namedCurve: "P-256" }, true, []);
  return { privateKey, publicKey };
}

async function rfcUserAgent(): Promise<UserAgentKeys> {
  const pair = await importPair(RFC.uaPrivate, RFC.uaPublic, ["deriveBits"]);
  return {
    p256dh: RFC.uaPublic,
    auth: RFC.auth,
    publicRaw: b64urlDecode(RFC.uaPublic),
    authBytes: b64urlDecode(RFC.auth),
    privateKey: pair.privateKey,
  };
}

describe("aes128gcm (RFC 8291)", () => {
  it("encrypts the RFC 8291 example to the RFC's body", async () => {
    const server = await importPair(RFC.asPrivate, RFC.asPublic, ["deriveBits"]);
    const message = await encryptAes128gcm(
      new TextEncoder().encode(RFC.plaintext),
      b64urlDecode(RFC.uaPublic),
      b64urlDecode(RFC.auth),
      b64urlDecode(RFC.salt),
      server,
    );
    expect(b64urlEncode(message.body)).toBe(RFC.body);
    expect(message.headers["Content-Encoding"]).toBe("aes128gcm");
  });

  it("the tests' decoder reads the RFC's body", async () => {
    const { plaintext, header } = await decryptAes128gcm(b64urlDecode(RFC.body), await rfcUserAgent());
    expect(plaintext).toBe(RFC.plaintext);
    expect(header.recordSize).toBe(4096);
    expect(b64urlEncode(header.serverPublic)).toBe(RFC.asPublic);
  });

  it("refuses a payload that does not fit one 4096-byte record", async () => {
    const ua = await makeUserAgentKeys();
    await expect(encryptAes128gcm(new Uint8Array(4080), ua.publicRaw, ua.authBytes)).rejects.toThrow(/does not fit/);
    const fits = await encryptAes128gcm(new Uint8Array(4079), ua.publicRaw, ua.authBytes);
    expect((await decryptAes128gcm(fits.body, ua)).plaintext.length).toBe(4079);
  });
});

describe("aesgcm (legacy draft)", () => {
  it("round-trips through the tests' decoder with a fresh salt and key each time", async () => {
    const ua = await makeUserAgentKeys();
    const text = JSON.stringify({ title: "é ✓", body: "x".repeat(300) });
    const a = await encryptAesgcm(new TextEncoder().encode(text), ua.publicRaw, ua.authBytes);
    const b = await encryptAesgcm(new TextEncoder().encode(text), ua.publicRaw, ua.authBytes);
    expect(a.headers.Encryption).not.toBe(b.headers.Encryption);
    const headers = { encryption: a.headers.Encryption ?? "", cryptoKey: a.headers["Crypto-Key"] ?? "" };
    expect(await decryptAesgcm(a.body, headers, ua)).toBe(text);
  });
});
