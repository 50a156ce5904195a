/**
 * The numbers the statuses features enforce. What clients are told (characters, poll sizes, pins)
 * lives in the instance entity and is imported from there, so the advertised and enforced limits can
 * never disagree; the rest are Petrel's own bounds on work per request.
 */
import { ACCOUNT_LIMITS, POLL_LIMITS, STATUS_LIMITS } from "../../entities/instance";

export const MAX_CHARACTERS = STATUS_LIMITS.max_characters;
export const URL_CHARACTERS = STATUS_LIMITS.characters_reserved_per_url;
export const MAX_POLL_OPTIONS = POLL_LIMITS.max_options;
export const MAX_POLL_OPTION_CHARACTERS = POLL_LIMITS.max_characters_per_option;
export const MIN_POLL_EXPIRATION_S = POLL_LIMITS.min_expiration;
export const MAX_POLL_EXPIRATION_S = POLL_LIMITS.max_expiration;
export const MAX_PINNED_STATUSES = ACCOUNT_LIMITS.max_pinned_statuses;

/** Mastodon's PostStatusService::MIN_SCHEDULE_OFFSET. */
export const MIN_SCHEDULE_OFFSET_MS = 5 * 60_000;
/** Mastodon's ScheduledStatus::TOTAL_LIMIT and DAILY_LIMIT. */
export const SCHEDULED_TOTAL_LIMIT = 300;
export const SCHEDULED_DAILY_LIMIT = 25;

/** How long an Idempotency-Key is remembered (Mastodon keeps it in Redis for an hour). */
export const IDEMPOTENCY_TTL_MS = 3_600_000;

/** `GET /api/v1/statuses?id[]=`: Mastodon's DEFAULT_STATUSES_LIMIT. */
export const STATUSES_BATCH_MAX = 40;

/** Thread walks are bounded so a pathological thread costs a fixed amount of D1 time. */
export const CONTEXT_ANCESTORS_MAX = 40;
export const CONTEXT_DESCENDANTS_MAX = 4096;
export const CONTEXT_DESCENDANTS_DEPTH = 40;

/** Accounts notified of an edit (boosters); the rest would be the fan-out's job at scale. */
export const UPDATE_NOTIFY_MAX = 500;

/** Work per cron run: the rest waits a minute, so one run never holds D1 for long. */
export const POLL_NOTIFY_BATCH = 50;
export const POLL_NOTIFY_VOTERS_MAX = 1000;
export const SCHEDULED_PUBLISH_BATCH = 50;
