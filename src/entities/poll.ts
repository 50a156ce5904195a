/** The Poll entity: the only place its JSON is built. */
import type { Poll } from "../db/schema";
import { isoDate } from "../util/time";

export interface MastodonPollOption {
  title: string;
  votes_count: number | null;
}

export interface MastodonPoll {
  id: string;
  expires_at: string | null;
  expired: boolean;
  multiple: boolean;
  votes_count: number;
  voters_count: number | null;
  options: MastodonPollOption[];
  emojis: unknown[];
  voted?: boolean;
  own_votes?: number[];
}

export function pollExpired(poll: Pick<Poll, "expiresAt">, now: number): boolean {
  return poll.expiresAt !== null && poll.expiresAt <= now;
}

/**
 * `viewerId` null means an anonymous request: no `voted`/`own_votes`. Mastodon counts the author as
 * having voted (so clients show them the results) and hides per-option totals from everyone while a
 * hide_totals poll runs.
 */
export function serializePoll(
  poll: Poll,
  viewer: { viewerId: number | null; ownVotes: readonly number[]; now: number },
): MastodonPoll {
  const expired = pollExpired(poll, viewer.now);
  const showTotals = expired || !poll.hideTotals;
  const json: MastodonPoll = {
    id: String(poll.id),
    expires_at: poll.expiresAt === null ? null : isoDate(poll.expiresAt),
    expired,
    multiple: poll.multiple,
    votes_count: poll.votesCount,
    // Local polls always count voters (Mastodon sets 0 on creation); null is only for remote polls
    // that never reported it, which federation will store as such.
    voters_count: poll.votersCount,
    options: poll.options.map((o, i) => ({ title: o.title, votes_count: showTotals ? (poll.tallies[i] ?? 0) : null })),
    emojis: [],
  };
  if (viewer.viewerId !== null) {
    const own = [...new Set(viewer.ownVotes)].sort((a, b) => a - b);
    json.voted = viewer.viewerId === poll.accountId || own.length > 0;
    json.own_votes = own;
  }
  return json;
}
