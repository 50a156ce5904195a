/**
 * Create: a new post from the actor. As Mastodon's ActivityPub::Activity::Create, a post is stored
 * only when it concerns this server (a local account follows the author, is mentioned or addressed,
 * or is replied to), so unsolicited posts cost nothing; the object must be the actor's own and live
 * on the actor's server.
 */
import { eq, sql } from "drizzle-orm";
import type { Account, Status } from "../../db/schema";
import { polls } from "../../db/schema";
import { newId } from "../../ids";
import type { Activity } from "../vocab/activity";
import type { ApObject } from "../vocab/object";
import { fetchObject, findStatusByUri, type InboxContext, PermanentError } from "./context";
import { quotesLocal, recordRemoteQuote } from "./quotes";
import type { StatusDraft } from "./status-draft";
import { checkAuthorship, objectFromFetched, storeRemoteStatus } from "./store-status";
import { isTombstoned } from "./tombstones";

export type Outcome = { done: true; note?: string };

export async function hasLocalFollowers(ctx: InboxContext, accountId: number): Promise<boolean> {
  const rows = await ctx.db.all<{ one: number }>(sql`
    SELECT 1 AS one FROM follows f JOIN users u ON u.account_id = f.account_id
    WHERE f.target_account_id = ${accountId} LIMIT 1`);
  return rows.length > 0;
}

/** The post as the activity carries it, or fetched when only its id was sent. */
export async function objectOf(ctx: InboxContext, activity: Activity): Promise<ApObject> {
  const ref = activity.object;
  if (ref.kind === "object") return ref.object;
  if (ref.kind === "link") return objectFromFetched(await fetchObject(ctx, ref.id), ref.id);
  throw new PermanentError(`${activity.type} of ${ref.kind} is not a post`);
}

export async function handleCreate(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  // Checked before any fetch: its Delete came first (Mastodon's tombstone_exists?).
  if (await isTombstoned(ctx, activity.object.id)) return { done: true, note: "the post was deleted before it arrived" };
  const object = await objectOf(ctx, activity);
  checkAuthorship(object, actor.uri);
  if (object.type === "Note" && object.name && !object.content && object.inReplyTo) {
    // A vote on a local poll is `Create(Note{name: option, inReplyTo: question})` (spec/activitypub.md).
    const question = await findStatusByUri(ctx, object.inReplyTo);
    if (question?.local && question.pollId !== null) return recordVote(ctx, question.pollId, object, actor);
  }
  let declined = false;
  const stored = await storeRemoteStatus(ctx, object, actor, {
    accept: async (draft: StatusDraft, parent: Status | null) => {
      const related =
        draft.mentions.some((m) => m.local) ||
        parent?.local ||
        quotesLocal(ctx, object) ||
        (await hasLocalFollowers(ctx, actor.id));
      declined = !related;
      return related;
    },
  });
  if (declined || !stored) return { done: true, note: "not related to any local account" };
  await recordRemoteQuote(ctx, stored, object, actor);
  return { done: true };
}

async function recordVote(ctx: InboxContext, pollId: number, vote: ApObject, voter: Account): Promise<Outcome> {
  const [poll] = await ctx.db.select().from(polls).where(eq(polls.id, pollId)).limit(1);
  if (!poll) return { done: true, note: "poll is gone" };
  const now = Date.now();
  if (poll.expiresAt !== null && poll.expiresAt <= now) throw new PermanentError("vote on an expired poll");
  const choice = poll.options.findIndex((o) => o.title === vote.name);
  if (choice < 0) throw new PermanentError(`vote for an option the poll does not have: ${vote.name}`);
  // One statement: a single-choice poll takes one vote per account, racing deliveries included.
  await ctx.db.run(sql`
    INSERT INTO poll_votes (id, poll_id, account_id, choice, uri, created_at)
    SELECT ${newId(now)}, ${poll.id}, ${voter.id}, ${choice}, ${vote.id}, ${now}
    WHERE ${poll.multiple ? 1 : 0} = 1 OR NOT EXISTS (SELECT 1 FROM poll_votes WHERE poll_id = ${poll.id} AND account_id = ${voter.id})
    ON CONFLICT DO NOTHING`);
  return { done: true };
}
