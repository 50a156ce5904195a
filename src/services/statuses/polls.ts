/**
 * Polls: reading one, voting (Mastodon's VoteService and VoteValidator, wording included), and the
 * "poll has ended" notifications the cron sends. Vote counts are kept by the poll_votes trigger.
 */
import { and, asc, eq, gt, isNull, lte, sql } from "drizzle-orm";
import { type Db, envDb } from "../../db/client";
import { type Poll, polls, pollVotes } from "../../db/schema";
import { type MastodonPoll, pollExpired, serializePoll } from "../../entities/poll";
import type { Bindings } from "../../env";
import { ApiError, notFound } from "../../errors";
import { newId, parseId } from "../../ids";
import { notify } from "../notifications";
import { canView } from "../visibility";
import { validationError } from "./compose";
import { POLL_NOTIFY_BATCH, POLL_NOTIFY_VOTERS_MAX } from "./limits";
import { allInBatch } from "./raw";

/** The poll if its status is visible to the viewer, else 404. */
async function requireVisiblePoll(db: Db, viewerId: number | null, rawId: string): Promise<Poll> {
  const id = parseId(rawId);
  const [poll] = id === undefined ? [] : await db.select().from(polls).where(eq(polls.id, id)).limit(1);
  if (!poll || !(await canView(db, viewerId, { id: poll.statusId }))) throw notFound();
  return poll;
}

async function pollJson(db: Db, poll: Poll, viewerId: number | null): Promise<MastodonPoll> {
  const own =
    viewerId === null
      ? []
      : await db
          .select({ choice: pollVotes.choice })
          .from(pollVotes)
          .where(and(eq(pollVotes.pollId, poll.id), eq(pollVotes.accountId, viewerId)));
  return serializePoll(poll, { viewerId, ownVotes: own.map((v) => v.choice), now: Date.now() });
}

export async function getPoll(db: Db, viewerId: number | null, rawId: string): Promise<MastodonPoll> {
  return pollJson(db, await requireVisiblePoll(db, viewerId, rawId), viewerId);
}

/**
 * Votes `choices` (option indices). Like Mastodon, each choice is one vote checked in turn against
 * the votes before it, and the first invalid one fails the whole request; so two choices on a
 * single-choice poll fail as "already voted". All votes land in one batch or none do.
 */
export async function vote(db: Db, voterId: number, rawId: string, rawChoices: string[]): Promise<MastodonPoll> {
  if (rawChoices.length === 0) throw new ApiError(400, "param is missing or the value is empty: choices");
  const poll = await requireVisiblePoll(db, voterId, rawId);
  const existing = await db
    .select({ choice: pollVotes.choice })
    .from(pollVotes)
    .where(and(eq(pollVotes.pollId, poll.id), eq(pollVotes.accountId, voterId)));
  const now = Date.now();
  const taken = existing.map((v) => v.choice);
  const choices: number[] = [];
  for (const raw of rawChoices) {
    const choice = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : -1;
    const errors: string[] = [];
    if (pollExpired(poll, now)) errors.push("The poll has already ended");
    if (!Number.isInteger(choice) || choice < 0 || choice >= poll.options.length) {
      errors.push("The chosen vote option does not exist");
    }
    if (poll.accountId === voterId) errors.push("You cannot vote in your own polls");
    if (poll.multiple ? taken.includes(choice) : taken.length > 0) errors.push("You have already voted on this poll");
    if (errors.length > 0) throw validationError(errors);
    taken.push(choice);
    choices.push(choice);
  }
  // A plain INSERT per choice: a racing duplicate breaks the unique index and rolls the batch back;
  // for single-choice polls the guard refuses a second voter row outright.
  const statements = choices.map((choice) =>
    allInBatch<{ id: number }>(
      db,
      sql`
      INSERT INTO poll_votes (id, poll_id, account_id, choice, created_at)
      SELECT ${newId(now)}, ${poll.id}, ${voterId}, ${choice}, ${now}
      WHERE ${poll.multiple ? 1 : 0} = 1
        OR NOT EXISTS (SELECT 1 FROM poll_votes WHERE poll_id = ${poll.id} AND account_id = ${voterId})
      RETURNING id`,
    ),
  );
  let inserted: Array<Array<{ id: number }>>;
  try {
    inserted = await db.batch(statements as [(typeof statements)[number], ...typeof statements]);
  } catch {
    throw validationError(["You have already voted on this poll"]);
  }
  if (inserted.some((rows) => rows.length === 0)) throw validationError(["You have already voted on this poll"]);
  const [fresh] = await db.select().from(polls).where(eq(polls.id, poll.id)).limit(1);
  return pollJson(db, fresh ?? poll, voterId);
}

/** Polls that ended more than this long ago without notice are let go (e.g. after a long outage). */
const ENDED_NOTIFY_WINDOW_MS = 7 * 86_400_000;

/**
 * Sends `poll` notifications for polls that have ended: to the author and every local voter, once.
 * Each poll is claimed (ended_notified_at set) before its notifications go out, so overlapping cron
 * runs never notify twice; the unique notification index absorbs any replay. Bounded per run.
 * Returns how many polls were handled.
 */
export async function notifyEndedPolls(env: Bindings, now: number): Promise<number> {
  const db = envDb(env);
  const due = await db
    .select({ id: polls.id, statusId: polls.statusId, accountId: polls.accountId })
    .from(polls)
    .where(and(gt(polls.expiresAt, now - ENDED_NOTIFY_WINDOW_MS), lte(polls.expiresAt, now), isNull(polls.endedNotifiedAt)))
    .orderBy(asc(polls.expiresAt))
    .limit(POLL_NOTIFY_BATCH);
  let handled = 0;
  for (const poll of due) {
    try {
      const claimed = await db
        .update(polls)
        .set({ endedNotifiedAt: now })
        .where(and(eq(polls.id, poll.id), isNull(polls.endedNotifiedAt)))
        .returning({ id: polls.id });
      if (claimed.length === 0) continue;
      await notifyPollEnded(db, poll, now);
      handled++;
    } catch (err) {
      console.error(`polls: could not send ended notifications for poll ${poll.id}`, err);
    }
  }
  return handled;
}

async function notifyPollEnded(db: Db, poll: { id: number; statusId: number; accountId: number }, now: number): Promise<void> {
  // notify() never notifies you of your own doing, but the end of your own poll is news to you.
  await db.run(sql`
    INSERT OR IGNORE INTO notifications (id, account_id, from_account_id, type, status_id, created_at)
    SELECT ${newId(now)}, ${poll.accountId}, ${poll.accountId}, 'poll', ${poll.statusId}, ${now}
    WHERE EXISTS (SELECT 1 FROM users WHERE account_id = ${poll.accountId})`);
  const voters = await db
    .selectDistinct({ id: pollVotes.accountId })
    .from(pollVotes)
    .where(eq(pollVotes.pollId, poll.id))
    .limit(POLL_NOTIFY_VOTERS_MAX);
  for (const voter of voters) {
    await notify(db, { recipientId: voter.id, fromAccountId: poll.accountId, type: "poll", statusId: poll.statusId, now });
  }
}
