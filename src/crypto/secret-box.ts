/**
 * Secrets at rest (TOTP seeds, private keys, reusable tokens) are sealed with AES-256-GCM under a key
 * derived by HKDF from SECRET_KEY_BASE. The `purpose` goes into the derivation, so a value sealed for
 * one purpose cannot be opened as another. Format: `v1.<iv>.<ciphertext>` in base64url.
 */
import { fromBase64Url, toBase64Url } from "./encoding";

async function deriveKey(secretKeyBase: string, purpose: string): Promise<CryptoKey> {
  const ikm = await crypto.subtle.importKey("raw", new TextEncoder().encode(secretKeyBase), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new TextEncoder().encode("petrel secret-box v1"),
      info: new TextEncoder().encode(purpose),
    },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

export async function seal(secretKeyBase: string, purpose: string, plaintext: string): Promise<string> {
  const key = await deriveKey(secretKeyBase, purpose);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(plaintext));
  return `v1.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
}

export async function open(secretKeyBase: string, purpose: string, sealed: string): Promise<string> {
  const [version, ivText, ctText] = sealed.split(".");
  if (version !== "v1" || !ivText || !ctText) throw new Error("secret-box: unknown format");
  const key = await deriveKey(secretKeyBase, purpose);
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(ivText) }, key, fromBase64Url(ctText));
  return new TextDecoder().decode(pt);
}
