/**
 * Federating what a local account does to remote ones, called by the services that do it: Follow
 * and its Undo, Accept/Reject of remote follow requests, Like and its Undo, Block and its Undo,
 * Update of the actor after a profile change, Add/Remove on the featured collection (pins), and
 * votes on remote polls. Every function checks locality itself and does nothing unless a local
 * actor acts towards a remote one, so services may call them unconditionally (the inbox consumer
 * calls the same services for remote actors, which must not echo anything back).
 */
import { sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import type { Account } from "../../db/schema";
import { findAccountById } from "../../services/accounts";
import { actorUri } from "../../urls";
import { ACTOR_CONTEXT, localActorDocument } from "../actor";
import { ensureAccountKey } from "../keys";
import {
  featuredActivity,
  followResponseActivity,
  simpleActivity,
  undoActivity,
  updateActorActivity,
  voteActivity,
} from "./activities";
import { enqueueDelivery } from "./enqueue";
import { accountUri, statusUri } from "./note";
import { personalInbox } from "./recipients";
import { deliverToFollowers, type OutboundBindings, type OutboundCtx, outboundFromEnv } from "./statuses";

type AccountRef = Pick<Account, "id" | "username" | "domain" | "uri">;

const isLocal = (a: Pick<Account, "domain">) => a.domain === null;

/** Callers hold either a ready context or the Worker env. */
export type OutboundInput = OutboundCtx | OutboundBindings;

function asCtx(input: OutboundInput): OutboundCtx {
  return "db" in input && "config" in input ? input : outboundFromEnv(input);
}

/** The id of the Follow `source` sent for follow (request) row `rowId`: stored in the row's `uri`. */
export function followActivityId(ctx: Pick<OutboundCtx, "config">, source: Pick<Account, "username">, rowId: number): string {
  return `${actorUri(ctx.config, source.username)}#follows/${rowId}`;
}

async function sendTo(ctx: OutboundCtx, actorId: number, activity: Record<string, unknown>, target: Pick<Account, "id">) {
  await enqueueDelivery(ctx, actorId, activity, [await personalInbox(ctx.db, target.id)]);
}

/** Follow of a remote account (the request stays pending until its server Accepts). */
export async function sendFollow(
  input: OutboundInput,
  source: AccountRef,
  target: AccountRef,
  rowId: number,
  uri?: string | null,
) {
  const ctx = asCtx(input);
  if (!isLocal(source) || isLocal(target)) return;
  const actor = actorUri(ctx.config, source.username);
  const id = uri ?? followActivityId(ctx, source, rowId);
  await sendTo(ctx, source.id, simpleActivity("Follow", actor, rowId, accountUri(ctx.config, target), id), target);
}

/** The Follow `source` has out to `target` (accepted or pending), read before the rows are deleted. */
export async function outgoingFollow(
  db: Db,
  source: AccountRef,
  target: AccountRef,
): Promise<{ id: number; uri: string | null } | null> {
  if (!isLocal(source) || isLocal(target)) return null;
  const rows = await db.all<{ id: number; uri: string | null }>(sql`
    SELECT id, uri FROM follows WHERE account_id = ${source.id} AND target_account_id = ${target.id}
    UNION ALL
    SELECT id, uri FROM follow_requests WHERE account_id = ${source.id} AND target_account_id = ${target.id}`);
  return rows[0] ?? null;
}

/**
 * The Follow remote `follower` has in to local `local` (accepted or pending), read before a block
 * deletes the rows: its id is what the Reject names.
 */
export async function incomingFollow(
  db: Db,
  local: AccountRef,
  follower: AccountRef,
): Promise<{ id: number; uri: string | null } | null> {
  if (!isLocal(local) || isLocal(follower)) return null;
  const rows = await db.all<{ id: number; uri: string | null }>(sql`
    SELECT id, uri FROM follows WHERE account_id = ${follower.id} AND target_account_id = ${local.id}
    UNION ALL
    SELECT id, uri FROM follow_requests WHERE account_id = ${follower.id} AND target_account_id = ${local.id}`);
  return rows[0] ?? null;
}

/** Undo of the Follow `outgoingFollow` found. */
export async function sendUndoFollow(
  input: OutboundInput,
  source: AccountRef,
  target: AccountRef,
  follow: { id: number; uri: string | null } | null,
) {
  const ctx = asCtx(input);
  if (!follow || !isLocal(source) || isLocal(target)) return;
  const actor = actorUri(ctx.config, source.username);
  const original = simpleActivity("Follow", actor, follow.id, accountUri(ctx.config, target), follow.uri ?? undefined);
  await sendTo(ctx, source.id, undoActivity(original), target);
}

/**
 * Accept of a remote actor's Follow of local account `localAccountId` (after approval, or at once
 * for an unlocked account: the inbox consumer calls this). `follow` is the Follow activity or its id;
 * the Follow is embedded, so peers that lost the id still match it by actor and object.
 */
export async function sendAccept(
  input: OutboundInput,
  localAccountId: number,
  follow: string | { id?: unknown } | null,
  remoteActor: AccountRef,
) {
  const ctx = asCtx(input);
  await sendFollowResponse(ctx, "Accept", localAccountId, follow, remoteActor);
}

export async function sendReject(
  input: OutboundInput,
  localAccountId: number,
  follow: string | { id?: unknown } | null,
  remoteActor: AccountRef,
) {
  const ctx = asCtx(input);
  await sendFollowResponse(ctx, "Reject", localAccountId, follow, remoteActor);
}

async function sendFollowResponse(
  ctx: OutboundCtx,
  kind: "Accept" | "Reject",
  localAccountId: number,
  follow: string | { id?: unknown } | null,
  remoteActor: AccountRef,
) {
  if (isLocal(remoteActor)) return;
  const [local] = await ctx.db.all<{ username: string; domain: string | null }>(
    sql`SELECT username, domain FROM accounts WHERE id = ${localAccountId}`,
  );
  if (!local || local.domain !== null) return;
  const remote = accountUri(ctx.config, remoteActor);
  const followId = typeof follow === "string" ? follow : typeof follow?.id === "string" ? follow.id : null;
  const localActor = actorUri(ctx.config, local.username);
  // Row ids are ours; a missing Follow id (legacy rows) still gets an Accept peers can match by actor.
  const activity = followResponseActivity(
    kind,
    localActor,
    { id: followId ?? `${remote}#follows/unknown`, actor: remote },
    followId ? await stableSuffix(followId) : `${remoteActor.id}`,
  );
  await sendTo(ctx, localAccountId, activity, remoteActor);
}

/** A short, stable fragment for an Accept/Reject id derived from the Follow it answers. */
async function stableSuffix(followId: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(followId)));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Like of a remote status (sent to its author), and its Undo. */
export async function sendLike(input: OutboundInput, actor: AccountRef, favouriteId: number, statusId: number, undo = false) {
  const ctx = asCtx(input);
  if (!isLocal(actor)) return;
  const [row] = await ctx.db.all<{
    id: number;
    uri: string | null;
    reblog_of_id: number | null;
    account_id: number;
    username: string;
    domain: string | null;
  }>(sql`
    SELECT s.id, s.uri, s.reblog_of_id, s.account_id, a.username, a.domain
    FROM statuses s JOIN accounts a ON a.id = s.account_id WHERE s.id = ${statusId}`);
  if (!row || row.domain === null) return;
  const object = statusUri(ctx.config, { id: row.id, uri: row.uri, reblogOfId: row.reblog_of_id }, row);
  const like = simpleActivity("Like", actorUri(ctx.config, actor.username), favouriteId, object);
  await sendTo(ctx, actor.id, undo ? undoActivity(like) : like, { id: row.account_id });
}

/** Block of a remote account (Mastodon tells the blocked server), and its Undo. */
export async function sendBlock(input: OutboundInput, source: AccountRef, target: AccountRef, blockId: number, undo = false) {
  const ctx = asCtx(input);
  if (!isLocal(source) || isLocal(target)) return;
  const block = simpleActivity("Block", actorUri(ctx.config, source.username), blockId, accountUri(ctx.config, target));
  await sendTo(ctx, source.id, undo ? undoActivity(block) : block, target);
}

/** Update of a local actor's document to its followers' (shared) inboxes. */
export async function sendActorUpdate(input: OutboundInput, account: Account) {
  const ctx = asCtx(input);
  if (!isLocal(account)) return;
  const key = await ensureAccountKey(ctx.db, ctx.config, account);
  // Always with `movedTo` when the account moved: Mastodon reads an Update without it as a cancelled move.
  const target = account.movedToAccountId === null ? undefined : await findAccountById(ctx.db, account.movedToAccountId);
  const movedTo = target ? accountUri(ctx.config, target) : null;
  const doc = { ...localActorDocument(ctx.config, account, key, { movedTo }), "@context": ACTOR_CONTEXT };
  await deliverToFollowers(ctx, account.id, updateActorActivity(doc, account.updatedAt), 0);
}

/** Add/Remove of a status on the featured collection (pin/unpin), to followers. */
export async function sendFeatured(
  input: OutboundInput,
  account: AccountRef,
  statusId: number,
  kind: "Add" | "Remove",
  now = Date.now(),
) {
  const ctx = asCtx(input);
  if (!isLocal(account)) return;
  const uri = statusUri(ctx.config, { id: statusId, uri: null, reblogOfId: null }, account);
  await deliverToFollowers(ctx, account.id, featuredActivity(kind, actorUri(ctx.config, account.username), uri, now), 0);
}

/** The votes local `voter` just cast (`choices`) on remote poll `pollId`: one Create(Note) each, to the poll's author. */
export async function sendVotes(input: OutboundInput, voter: AccountRef, pollId: number, choices: readonly number[]) {
  const ctx = asCtx(input);
  if (!isLocal(voter)) return;
  const rows = await ctx.db.all<{
    vote_id: number;
    choice: number;
    options: string;
    status_id: number;
    uri: string | null;
    author_id: number;
    author_uri: string | null;
    domain: string | null;
  }>(sql`
    SELECT v.id AS vote_id, v.choice, p.options, s.id AS status_id, s.uri, a.id AS author_id, a.uri AS author_uri, a.domain
    FROM poll_votes v JOIN polls p ON p.id = v.poll_id JOIN statuses s ON s.id = p.status_id JOIN accounts a ON a.id = s.account_id
    WHERE v.poll_id = ${pollId} AND v.account_id = ${voter.id} AND v.choice IN (SELECT value FROM json_each(${JSON.stringify(choices)}))
    ORDER BY v.id`);
  const actor = actorUri(ctx.config, voter.username);
  for (const row of rows) {
    if (row.domain === null || !row.uri || !row.author_uri) continue;
    const options = JSON.parse(row.options) as Array<{ title: string }>;
    const title = options[row.choice]?.title;
    if (title === undefined) continue;
    await sendTo(ctx, voter.id, voteActivity(actor, row.vote_id, row.uri, row.author_uri, title), { id: row.author_id });
  }
}

/** The context from a status service's env (src/services/statuses/post.ts PostEnv). */
export function outboundOf(env: { db: Db; config: Config; fanout: Queue; delivery?: Queue | undefined }): OutboundCtx {
  return { db: env.db, config: env.config, FANOUT: env.fanout, DELIVERY: env.delivery };
}
