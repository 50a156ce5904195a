/**
 * What a signature must cover and when it may have been made. The inbox and authorized fetch use
 * Mastodon's rules (INTEROP §1.1, §1.2), because those are what every peer already satisfies;
 * `specPolicy` is the bare drafts, for test vectors that were never meant to pass Mastodon.
 */
import type { SignatureAlgorithm } from "./crypto-keys";

/** A request (or, for RFC 9421's response vectors, a response) as the verifier sees it. */
export interface SignedMessage {
  /** null for responses. */
  method: string | null;
  /** The full URL the message was sent to; null for responses. */
  url: string | null;
  status?: number;
  headers: Headers;
  /** The exact body bytes received, or null when there is none. */
  body: Uint8Array | null;
}

export interface VerifyPolicy {
  /** The verifier's clock, epoch ms. */
  now: number;
  /** Mastodon's coverage rules: date or (created); (request-target) or digest; GET signs host; POST signs the digest. */
  mastodon: boolean;
  /** Oldest acceptable signature (Mastodon's EXPIRATION_WINDOW_LIMIT, 12 h). */
  maxAgeMs: number;
  /** Clock skew tolerated for future dates and just-expired signatures (Mastodon's CLOCK_SKEW_MARGIN, 1 h). */
  skewMs: number;
  algorithms: readonly SignatureAlgorithm[];
  /** Takahe refuses draft-cavage signatures without `algorithm`; Mastodon defaults it to hs2019. */
  requireAlgorithmParam: boolean;
}

export const HOUR_MS = 3_600_000;

/** The policy the inbox and authorized fetch apply: Mastodon's, plus Ed25519 (GoToSocial tries it; Mastodon added it in 2026). */
export function mastodonPolicy(now: number = Date.now()): VerifyPolicy {
  return {
    now,
    mastodon: true,
    maxAgeMs: 12 * HOUR_MS,
    skewMs: HOUR_MS,
    algorithms: ["rsa-v1_5-sha256", "ed25519"],
    requireAlgorithmParam: false,
  };
}

/** The drafts as written: any header set, every algorithm RFC 9421 defines. */
export function specPolicy(now: number): VerifyPolicy {
  return {
    now,
    mastodon: false,
    maxAgeMs: 12 * HOUR_MS,
    skewMs: HOUR_MS,
    algorithms: ["rsa-v1_5-sha256", "rsa-pss-sha512", "ecdsa-p256-sha256", "ed25519", "hmac-sha256"],
    requireAlgorithmParam: false,
  };
}

/** A signature taken apart and checked against the policy, before any key is fetched. */
export interface ParsedSignature {
  scheme: "cavage" | "rfc9421";
  keyId: string;
  /** The algorithm the signature names; null means "whatever the key is" (hs2019, RFC 9421 without alg). */
  algorithm: SignatureAlgorithm | null;
  signature: Uint8Array;
  /** Signing strings to try in order: Mastodon and GoToSocial also accept a cavage target without its query. */
  bases: string[];
  /** Which body digest header the signature covers, to be checked against the body. */
  digest: "digest" | "content-digest" | null;
}

export type SignatureResult<T> = { ok: true; value: T } | { ok: false; reason: string };

export function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

/** Checks a signing time (ms) against the window. */
export function checkTime(label: string, ms: number, policy: VerifyPolicy): string | null {
  if (!Number.isFinite(ms)) return `${label} is not a valid time`;
  if (ms < policy.now - policy.maxAgeMs) return `${label} is too old`;
  if (ms > policy.now + policy.skewMs) return `${label} is in the future`;
  return null;
}

export function checkExpires(seconds: number | null, policy: VerifyPolicy): string | null {
  if (seconds === null) return null;
  if (!Number.isFinite(seconds)) return "expires is not a valid time";
  return seconds * 1000 + policy.skewMs < policy.now ? "signature has expired" : null;
}
