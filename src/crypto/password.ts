/**
 * Password hashing with PBKDF2-HMAC-SHA256 through WebCrypto. 100,000 iterations is the most
 * workerd's WebCrypto accepts for PBKDF2; it costs roughly 30-60 ms of CPU per hash on this class of
 * machine (see bench/), inside Workers' paid CPU limit. The encoded form carries its parameters, so
 * the cost can be raised later and old hashes re-hashed on the next sign-in.
 */
import { fromBase64Url, timingSafeEqual, toBase64Url } from "./encoding";

export const PBKDF2_ITERATIONS = 100_000;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password.normalize("NFKC")), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const hash = await derive(password, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toBase64Url(salt)}$${toBase64Url(hash)}`;
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, iterText, saltText, hashText] = encoded.split("$");
  const iterations = Number(iterText);
  if (scheme !== "pbkdf2-sha256" || !saltText || !hashText || !Number.isInteger(iterations) || iterations < 1) return false;
  const hash = await derive(password, fromBase64Url(saltText), iterations);
  return timingSafeEqual(toBase64Url(hash), hashText);
}

/** A hash of a random password, verified against when the account does not exist, so timing does not tell. */
export const DUMMY_PASSWORD_HASH = "pbkdf2-sha256$100000$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/** A readable generated password for the operator CLI: 24 characters from an unambiguous alphabet. */
export function generatePassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let out = "";
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}
