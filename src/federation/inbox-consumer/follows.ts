/**
 * Follow, Accept, Reject, Block and the Undo of Follow, Block and Accept, through the relationship
 * services the API uses (src/services/relationships/*): a Follow of an unlocked local account starts
 * the follow (`follow` notification) and is answered with an Accept; of a locked one it becomes a
 * follow request (`follow_request` notification), answered when the user decides; a Follow refused
 * (blocks) is answered with a Reject. Accept/Reject settle our own pending Follows.
 */
import { and, eq, sql } from "drizzle-orm";
import { type Account, followRequests, follows } from "../../db/schema";
import { ApiError } from "../../errors";
import { findAccountById } from "../../services/accounts";
import { blockAccount, unblockAccount } from "../../services/relationships/block";
import { batchSql } from "../../services/relationships/common";
import {
  authorizeFollowRequest,
  endFollowStatements,
  followAccount,
  rejectFollowRequest,
  unfollowAccount,
} from "../../services/relationships/follow";
import { outboundOf, sendAccept, sendReject } from "../outbound/actions";
import type { Activity } from "../vocab/activity";
import { findLocalAccount, type InboxContext, PermanentError } from "./context";
import type { Outcome } from "./create";

/** Answers a remote Follow through the outbound module (signed as the local account, to the follower's inbox). */
async function answerFollow(
  ctx: InboxContext,
  kind: "Accept" | "Reject",
  local: Account,
  follower: Account,
  followId: string | null,
) {
  const out = outboundOf({ db: ctx.db, config: ctx.config, fanout: ctx.fanout, delivery: ctx.delivery });
  if (kind === "Accept") await sendAccept(out, local.id, followId, follower);
  else await sendReject(out, local.id, followId, follower);
}

/** The local account a Follow/Block targets, or a permanent error. */
async function localTarget(ctx: InboxContext, uri: string): Promise<Account> {
  const target = await findLocalAccount(ctx, uri);
  if (!target) throw new PermanentError(`${uri} is not a local account`);
  return target;
}

export async function handleFollow(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const objectUri = activity.object.id;
  if (!objectUri) throw new PermanentError("Follow names nobody");
  if (objectUri === `${ctx.config.baseUrl}/actor`)
    return { done: true, note: "follows of the instance actor (relays) are not supported" };
  const target = await localTarget(ctx, objectUri);
  try {
    await followAccount(ctx.env, ctx.db, actor, target, {});
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // Blocked either way, moved or suspended: Mastodon rejects the Follow.
    await answerFollow(ctx, "Reject", target, actor, activity.id);
    return { done: true, note: `follow refused: ${err.message}` };
  }
  const pair = and(eq(follows.accountId, actor.id), eq(follows.targetAccountId, target.id));
  const [follow] = await ctx.db.update(follows).set({ uri: activity.id }).where(pair).returning({ id: follows.id });
  if (follow) {
    // Also when already following: the peer may have lost our first Accept (Mastodon re-sends it).
    await answerFollow(ctx, "Accept", target, actor, activity.id);
    return { done: true };
  }
  await ctx.db
    .update(followRequests)
    .set({ uri: activity.id })
    .where(and(eq(followRequests.accountId, actor.id), eq(followRequests.targetAccountId, target.id)));
  // Locked: the Accept or Reject goes out when the user decides (the API's follow request routes).
  return { done: true };
}

/**
 * The local account whose Follow of `actor` an Accept/Reject answers: from the embedded Follow, or by
 * the id we gave that Follow (stored in follow_requests/follows `uri`).
 */
async function localFollower(ctx: InboxContext, activity: Activity, actor: Account): Promise<Account | null> {
  const ref = activity.object;
  if (ref.kind === "activity") {
    if (ref.activity.type !== "Follow") return null;
    if (ref.activity.object.id !== actor.uri)
      throw new PermanentError(`${actor.uri} answers a Follow of ${ref.activity.object.id}`);
    return (await findLocalAccount(ctx, ref.activity.actor)) ?? null;
  }
  if (ref.kind !== "link") return null;
  const rows = await ctx.db.all<{ account_id: number }>(sql`
    SELECT account_id FROM follow_requests WHERE target_account_id = ${actor.id} AND uri = ${ref.id}
    UNION ALL SELECT account_id FROM follows WHERE target_account_id = ${actor.id} AND uri = ${ref.id}
    LIMIT 1`);
  const id = rows[0]?.account_id;
  if (id === undefined) return null;
  const found = await findAccountById(ctx.db, id);
  return found && found.domain === null ? found : null;
}

export async function handleAccept(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const local = await localFollower(ctx, activity, actor);
  if (!local) return { done: true, note: "accept of nothing we asked" };
  try {
    await authorizeFollowRequest(ctx.env, ctx.db, actor, local);
  } catch (err) {
    // No pending request: already following, or withdrawn meanwhile.
    if (!(err instanceof ApiError)) throw err;
  }
  return { done: true };
}

export async function handleReject(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const local = await localFollower(ctx, activity, actor);
  if (!local) return { done: true, note: "reject of nothing we asked" };
  try {
    await rejectFollowRequest(ctx.db, actor, local);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    // Rejecting an established follow ends it (Mastodon's Reject of an accepted Follow).
    // The follow ended on the peer's side: nothing to send back.
    await unfollowAccount(ctx.env, ctx.db, local, actor, { federate: false });
  }
  return { done: true };
}

export async function handleBlock(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const objectUri = activity.object.id;
  if (!objectUri) throw new PermanentError("Block names nobody");
  const target = await localTarget(ctx, objectUri);
  await blockAccount(ctx.env, ctx.db, actor, target);
  if (activity.id) {
    await ctx.db.run(
      sql`UPDATE blocks SET uri = ${activity.id} WHERE account_id = ${actor.id} AND target_account_id = ${target.id}`,
    );
  }
  return { done: true };
}

/** Undo of a Follow (the actor unfollows a local account), a Block, or an Accept (our follow ends). */
export async function undoRelationship(ctx: InboxContext, undone: Activity, actor: Account): Promise<Outcome> {
  if (undone.type === "Accept") {
    const local = await localFollower(ctx, undone, actor);
    if (local) await unfollowAccount(ctx.env, ctx.db, local, actor, { federate: false });
    return { done: true };
  }
  const objectUri = undone.object.id;
  const target = objectUri ? await findLocalAccount(ctx, objectUri) : undefined;
  if (!target) return { done: true, note: `undo ${undone.type} of no local account` };
  if (undone.type === "Follow") {
    // endFollowStatements is the unfollow service's own set; a remote follower has no feed to clean.
    await batchSql(ctx.db, endFollowStatements(actor.id, target.id));
  } else if (undone.type === "Block") {
    await unblockAccount(ctx.db, actor, target);
  }
  return { done: true };
}
