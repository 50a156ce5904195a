/**
 * The rules of outgoing delivery (INTEROP §1.12), as pure functions so they can be tested alone.
 *
 * Retry schedule. Mastodon's DeliveryWorker retries 16 times with Sidekiq's backoff; we send the
 * first attempt (attempt 0) and then up to MAX_DELIVERY_ATTEMPT re-enqueued rounds. Round n+1 is
 * delayed `n**4 + 15 + rand(10) * (n + 1)` seconds after round n fails (Sidekiq's default formula),
 * capped at the Queues limit on `delaySeconds`, 12 hours (developers.cloudflare.com
 * /queues/platform/limits; INTEROP §1.12 says 24 h, the limits page says 12 h, so we keep to 12 h).
 * Without jitter the delays are, in seconds:
 *   15, 16, 31, 96, 271, 640, 1311, 2416, 4111, 6576, 10015, 14656, 20751, 28576, 38431, 43200 (cap)
 * i.e. minutes for the first six rounds, ~1 h by round 9, ~10.7 h before the 15th; the total is
 * 171,112 s ≈ 47.5 h (plus at most 1,224 s of jitter): about two days, as Mastodon. Only the last
 * delay (15**4 + 15 = 50,640 s) is cut by the cap. After round 16 fails the inbox is dead-lettered.
 */

/** Re-enqueued rounds after the first attempt (Mastodon: `retry: 16`). */
export const MAX_DELIVERY_ATTEMPT = 16;
/** Cloudflare Queues' maximum `delaySeconds` on send and retry. */
export const MAX_DELAY_SECONDS = 43_200;
/** Outgoing connections one Worker invocation may hold open (DESIGN §3). */
export const DELIVERY_CONCURRENCY = 6;
export const DELIVERY_TIMEOUT_MS = 10_000;
/** No request starts later than this into an invocation: with the timeout, it ends well within Queues' 15 min. */
export const DELIVERY_BUDGET_MS = 600_000;
/** Mastodon's DeliveryFailureTracker::FAILURE_DAYS_THRESHOLD. */
export const FAILURE_DAYS_THRESHOLD = 7;

/** Seconds to wait before round `attempt + 1`, after round `attempt` failed. */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const jitter = Math.floor(random() * 10) * (attempt + 1);
  return Math.min(MAX_DELAY_SECONDS, attempt ** 4 + 15 + jitter);
}

/** The delay of the next round: the backoff, or longer when the peer asked for it (Retry-After). */
export function retryDelaySeconds(attempt: number, retryAfter: number | null, random: () => number = Math.random): number {
  const backoff = backoffSeconds(attempt, random);
  return Math.min(MAX_DELAY_SECONDS, retryAfter === null ? backoff : Math.max(backoff, Math.ceil(retryAfter)));
}

export type StatusClass = "delivered" | "gone" | "refused" | "transient";

/**
 * Mastodon's `response_successful?` / `response_error_unsalvageable?`: 2xx delivered; 501 and any
 * 4xx but 401, 408 and 429 are never retried (410 is told apart so the caller can log it); anything
 * else (3xx, 5xx, 401, 408, 429) is retried.
 */
export function classifyStatus(status: number): StatusClass {
  if (status >= 200 && status < 300) return "delivered";
  if (status === 410) return "gone";
  if (status === 501) return "refused";
  if (status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429) return "refused";
  return "transient";
}

/** `Retry-After` as seconds from `now`: delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The UTC day a failure is counted on, as stored in `delivery_failures.day`. */
export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}
