/** RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30-second steps) over an RFC 4648 base32 secret, as authenticator apps compute it. */
import { createHmac } from "node:crypto";

export const TOTP_PERIOD_SECONDS = 30;

export function base32Decode(input: string): Buffer {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const clean = input.replace(/[\s=-]/g, "").toUpperCase();
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const index = alphabet.indexOf(ch);
    if (index === -1) throw new Error(`not base32: ${ch}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** The time step (counter) for a moment. */
export function totpStep(atMs: number = Date.now()): number {
  return Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The 6-digit code for a counter value (RFC 4226 HOTP with dynamic truncation). */
export function hotp(secretBase32: string, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const digest = createHmac("sha1", base32Decode(secretBase32)).update(message).digest();
  const offset = (digest[digest.length - 1] as number) & 0x0f;
  const binary = (digest.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return binary.toString().padStart(digits, "0");
}

export function totp(secretBase32: string, atMs: number = Date.now()): string {
  return hotp(secretBase32, totpStep(atMs));
}
