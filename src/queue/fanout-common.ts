/**
 * What the FANOUT handlers share: the budgets that keep one message's work bounded, and the per-message
 * figures its log line reports.
 */

/** Followers read per D1 query (keyset pages over follows_target_home). */
export const FOLLOWER_PAGE = 250;
/** Pages one message handles before it hands the rest to a follow-up `status.followers` message. */
export const FOLLOWER_PAGES_PER_MESSAGE = 4;

/** Whether the message finished its work or handed the rest to a follow-up message. */
export type FanoutResult = "done" | "continued";

/** What one message did, for its log line. */
export interface FanoutStats {
  followers: number;
  feeds: number;
  d1Ms: number;
  hubMs: number;
}

export function newStats(): FanoutStats {
  return { followers: 0, feeds: 0, d1Ms: 0, hubMs: 0 };
}

export async function timed<T>(stats: FanoutStats, key: "d1Ms" | "hubMs", work: Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work;
  } finally {
    stats[key] += Date.now() - started;
  }
}
