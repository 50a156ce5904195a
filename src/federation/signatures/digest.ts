/**
 * Body digests: `Digest` (RFC 3230, what draft-cavage signers send) and `Content-Digest`
 * (RFC 9530, what RFC 9421 signers send), always computed over the exact body bytes received.
 * We write `SHA-256=` upper-case (Threads rejects lower-case, fedify#125) and read either case.
 */
import { base64ToBytes, bytesToBase64 } from "./crypto-keys";
import { parseDictionary } from "./structured-fields";

/** On success, the body's SHA-256 when it was computed, so callers need not hash the body again. */
export type DigestCheck = { ok: true; sha256: Uint8Array | null } | { ok: false; reason: string };

const ALGORITHMS = { "sha-256": "SHA-256", "sha-512": "SHA-512" } as const;
type DigestName = keyof typeof ALGORITHMS;

export async function hashBytes(name: DigestName, body: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(ALGORITHMS[name], body));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export async function digestHeaderValue(body: Uint8Array): Promise<string> {
  return `SHA-256=${bytesToBase64(await hashBytes("sha-256", body))}`;
}

export async function contentDigestHeaderValue(body: Uint8Array): Promise<string> {
  return `sha-256=:${bytesToBase64(await hashBytes("sha-256", body))}:`;
}

function decodeBase64(text: string): Uint8Array | null {
  try {
    return base64ToBytes(text.trim());
  } catch {
    return null;
  }
}

/**
 * Checks a `Digest` header. Mastodon accepts only SHA-256 (INTEROP §1.1); other entries next to it
 * (SHA-512) must match too when we can compute them, unknown ones are ignored.
 */
export async function checkDigestHeader(value: string | null, body: Uint8Array): Promise<DigestCheck> {
  if (!value) return { ok: false, reason: "Digest header missing" };
  let sha256: Uint8Array | null = null;
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return { ok: false, reason: "malformed Digest header" };
    const name = part.slice(0, eq).trim().toLowerCase();
    if (name !== "sha-256" && name !== "sha-512") continue;
    const expected = decodeBase64(part.slice(eq + 1));
    if (!expected) return { ok: false, reason: "malformed Digest header" };
    const actual = await hashBytes(name, body);
    if (!equalBytes(expected, actual)) return { ok: false, reason: `Digest ${name} does not match the body` };
    if (name === "sha-256") sha256 = actual;
  }
  return sha256 ? { ok: true, sha256 } : { ok: false, reason: "Digest has no SHA-256 value" };
}

/**
 * Checks a `Content-Digest` header. `requireSha256` is Mastodon's rule; RFC 9421's own examples
 * use sha-512 only, which we check when no policy demands sha-256.
 */
export async function checkContentDigestHeader(
  value: string | null,
  body: Uint8Array,
  options: { requireSha256: boolean },
): Promise<DigestCheck> {
  if (!value) return { ok: false, reason: "Content-Digest header missing" };
  let members: ReturnType<typeof parseDictionary>;
  try {
    members = parseDictionary(value);
  } catch {
    return { ok: false, reason: "malformed Content-Digest header" };
  }
  let checked = 0;
  let sha256: Uint8Array | null = null;
  for (const [name, member] of members) {
    if (name !== "sha-256" && name !== "sha-512") continue;
    const item = member.value;
    if (item.kind !== "item" || !(item.value instanceof Uint8Array))
      return { ok: false, reason: "malformed Content-Digest header" };
    const actual = await hashBytes(name, body);
    if (!equalBytes(item.value, actual)) return { ok: false, reason: `Content-Digest ${name} does not match the body` };
    checked++;
    if (name === "sha-256") sha256 = actual;
  }
  if (options.requireSha256 && !sha256) return { ok: false, reason: "Content-Digest has no sha-256 value" };
  return checked > 0 ? { ok: true, sha256 } : { ok: false, reason: "Content-Digest has no supported algorithm" };
}
