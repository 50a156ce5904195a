/**
 * One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA1, 6 digits and 30-second
 * steps, the only parameters every authenticator app agrees on. Seeds travel as unpadded RFC 4648
 * base32, which is what authenticator apps expect to be typed in or read from an otpauth URI.
 */
import { timingSafeEqual } from "./encoding";

export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** 160 bits: RFC 4226 recommends the HMAC-SHA1 output length as the seed length. */
export const TOTP_SECRET_BYTES = 20;

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/** Lenient about case, spaces and padding, as people type seeds by hand; strict about the alphabet. */
export function base32Decode(text: string): Uint8Array {
  const clean = text.replace(/[\s=-]/g, "").toUpperCase();
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of clean) {
    const value = BASE32_ALPHABET.indexOf(ch);
    if (value < 0) throw new Error("base32: invalid character");
    buffer = (buffer << 5) | value;
    bits += 5;
    if (bits >= 8) {
      out.push((buffer >>> (bits - 8)) & 255);
      bits -= 8;
    }
    buffer &= (1 << bits) - 1;
  }
  return new Uint8Array(out);
}

export function generateTotpSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(TOTP_SECRET_BYTES));
}

export async function hotp(secret: Uint8Array, counter: number, digits: number = TOTP_DIGITS): Promise<string> {
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const message = new Uint8Array(8);
  const view = new DataView(message.buffer);
  // The counter is 64-bit big-endian; JavaScript numbers need the two halves written separately.
  view.setUint32(0, Math.floor(counter / 2 ** 32));
  view.setUint32(4, counter >>> 0);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary =
    (((mac[offset] ?? 0) & 0x7f) << 24) | ((mac[offset + 1] ?? 0) << 16) | ((mac[offset + 2] ?? 0) << 8) | (mac[offset + 3] ?? 0);
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The RFC 6238 time step (T) that `nowMs` falls in. */
export function totpStep(nowMs: number, periodSeconds: number = TOTP_PERIOD_SECONDS): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

export function totpAt(secret: Uint8Array, nowMs: number, digits: number = TOTP_DIGITS): Promise<string> {
  return hotp(secret, totpStep(nowMs), digits);
}

/**
 * The time step whose code equals `code`, looking one step either side of now for clock drift, or
 * undefined. Steps at or before `lastStep` never match, so an observed code cannot be replayed.
 */
export async function matchTotp(
  secret: Uint8Array,
  code: string,
  nowMs: number,
  options: { lastStep?: number | null; drift?: number } = {},
): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  const current = totpStep(nowMs);
  const drift = options.drift ?? 1;
  let matched: number | undefined;
  // Every candidate is computed and compared, so timing does not reveal which step matched.
  for (let step = current - drift; step <= current + drift; step++) {
    const candidate = await hotp(secret, step);
    const fresh = options.lastStep === null || options.lastStep === undefined || step > options.lastStep;
    if (timingSafeEqual(candidate, code) && fresh && matched === undefined) matched = step;
  }
  return matched;
}

/** The Key URI Format authenticator apps read (Google Authenticator's, also used by ROTP). */
export function otpauthUri(options: { secretBase32: string; issuer: string; accountName: string }): string {
  const label = `${encodeURIComponent(options.issuer)}:${encodeURIComponent(options.accountName)}`;
  const query = [
    `secret=${options.secretBase32}`,
    `issuer=${encodeURIComponent(options.issuer)}`,
    "algorithm=SHA1",
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ].join("&");
  return `otpauth://totp/${label}?${query}`;
}
