/**
 * Snowflake-style ids: (milliseconds since 2000-01-01) * 4096 + 12 bits of sequence.
 * They sort by creation time like Mastodon's, and stay below 2^53 until 2069, so they survive
 * D1's float64 numbers and JSON without precision loss. Clients get them as decimal strings.
 */
const EPOCH_MS = Date.UTC(2000, 0, 1);
const SEQUENCE_BITS = 4096;
let lastMs = 0;
let sequence = 0;

export function newId(at: number = Date.now()): number {
  const ms = Math.max(at, EPOCH_MS) - EPOCH_MS;
  if (ms === lastMs) {
    sequence = (sequence + 1) % SEQUENCE_BITS;
  } else {
    lastMs = ms;
    // A random start keeps two isolates minting ids in the same millisecond apart.
    sequence = Math.floor(Math.random() * SEQUENCE_BITS);
  }
  return ms * SEQUENCE_BITS + sequence;
}

/** The smallest id minted at or after `at`, for time-bounded range queries. */
export function idFloor(at: number): number {
  return (Math.max(at, EPOCH_MS) - EPOCH_MS) * SEQUENCE_BITS;
}

export function idTime(id: number): number {
  return Math.floor(id / SEQUENCE_BITS) + EPOCH_MS;
}

/** Parses a client-supplied id; anything that is not a plain positive integer is `undefined`. */
export function parseId(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value !== "string" || !/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}
