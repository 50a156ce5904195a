/**
 * Move: the actor now lives at `target`, which must list the actor in `alsoKnownAs` (fetched fresh).
 * As Mastodon's ActivityPub::Activity::Move + MoveWorker + FollowMigrationService: the old account's
 * `moved_to` is set, then every LOCAL follower follows the new account through the follow service
 * the API uses (a remote target gets a Follow and stays a request until it Accepts; a local one is
 * followed at once, locked or not), with the old follow's options, the old account's place in the
 * follower's lists copied to the new one, and the old follow undone (Undo Follow to the old server;
 * the home feed keeps its posts). A follower who blocks or is blocked by the new account (or blocks
 * its domain) keeps following the old one, as Mastodon's follow refuses there.
 * Then, as MoveWorker's carry_blocks_over!/carry_mutes_over!, local accounts that block (mute) the old
 * account block (mute) the new one, unless they already do or follow it.
 * All of it runs from the FANOUT queue (`account.moved`), MOVE_PAGE rows per message, each message
 * sending the next, so no invocation's work grows with the follower count.
 */
import { eq, sql } from "drizzle-orm";
import { type Db, envDb } from "../../db/client";
import { type Account, accounts } from "../../db/schema";
import type { Bindings } from "../../env";
import { ApiError } from "../../errors";
import { enqueueFanout, type FanoutMessage } from "../../queue/messages";
import { findAccountById } from "../../services/accounts";
import { blockAccount } from "../../services/relationships/block";
import { followAccount, unfollowAccount } from "../../services/relationships/follow";
import { muteAccount } from "../../services/relationships/mute";
import { resolveActor } from "../remote-actors";
import type { Activity } from "../vocab/activity";
import { findLocalAccount, type InboxContext, isLocalUri, PermanentError, TransientError } from "./context";
import type { Outcome } from "./create";

/** Each row costs a handful of D1 statements and up to two DELIVERY sends. */
export const MOVE_PAGE = 25;

export type MoveMessage = Extract<FanoutMessage, { type: "account.moved" }>;

async function moveTarget(ctx: InboxContext, uri: string): Promise<Account> {
  if (isLocalUri(ctx, uri)) {
    const local = await findLocalAccount(ctx, uri);
    if (!local) throw new PermanentError(`Move target ${uri} is not a local account`);
    return local;
  }
  // Fresh, so that an alias added just before the Move is seen.
  const resolved = await resolveActor(ctx.remote, uri, { refresh: true });
  if (resolved.ok) return resolved.account;
  if (!resolved.gone && /timed out|network error|HTTP (5\d\d|429|408)/.test(resolved.reason)) {
    throw new TransientError(`Move target: ${resolved.reason}`);
  }
  throw new PermanentError(`Move target: ${resolved.reason}`);
}

export async function handleMove(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  if (activity.object.id !== actor.uri || !activity.target) throw new PermanentError("Move of another account");
  if (activity.target === actor.uri) throw new PermanentError("Move to itself");
  const target = await moveTarget(ctx, activity.target);
  if (!actor.uri || !target.alsoKnownAs.includes(actor.uri)) {
    throw new PermanentError(`${activity.target} does not list ${actor.uri} in alsoKnownAs`);
  }
  if (target.suspendedAt !== null) throw new PermanentError(`Move target ${activity.target} is suspended`);
  await ctx.db.update(accounts).set({ movedToAccountId: target.id, updatedAt: Date.now() }).where(eq(accounts.id, actor.id));
  await enqueueFanout(ctx.fanout, {
    type: "account.moved",
    v: 1,
    originId: actor.id,
    targetId: target.id,
    phase: "follows",
    after: 0,
  });
  return { done: true, note: "followers are migrated from FANOUT" };
}

interface FollowerRow {
  account_id: number;
  show_reblogs: number;
  notify: number;
  languages: string | null;
}

function languagesOf(raw: string | null): string[] | null {
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.every((l) => typeof l === "string") ? parsed : null;
  } catch {
    return null;
  }
}

interface Move {
  env: Bindings;
  db: Db;
  origin: Account;
  target: Account;
}

/** One page of followers; returns the cursor of the next page, or null at the end. */
async function moveFollowers(m: Move, after: number, limit: number): Promise<number | null> {
  const { env, db, origin, target } = m;
  const page = await db.all<FollowerRow>(sql`
    SELECT f.account_id, f.show_reblogs, f.notify, f.languages
    FROM follows f JOIN users u ON u.account_id = f.account_id
    WHERE f.target_account_id = ${origin.id} AND f.account_id > ${after}
    ORDER BY f.account_id LIMIT ${limit}`);
  for (const row of page) {
    const follower = await findAccountById(db, row.account_id);
    if (!follower || follower.id === target.id) continue;
    try {
      await followAccount(env, db, follower, target, {
        reblogs: row.show_reblogs === 1,
        notify: row.notify === 1,
        languages: languagesOf(row.languages),
        bypassLocked: target.domain === null,
      });
    } catch (err) {
      // Blocked either way or domain-blocked: this follower stays with the old account.
      if (err instanceof ApiError) continue;
      throw err;
    }
    // Before the unfollow, which drops the old account from the follower's lists.
    await db.run(sql`
      INSERT OR IGNORE INTO list_accounts (list_id, account_id)
      SELECT la.list_id, ${target.id} FROM list_accounts la JOIN lists l ON l.id = la.list_id
      WHERE la.account_id = ${origin.id} AND l.account_id = ${follower.id}`);
    await unfollowAccount(env, db, follower, origin, { unmerge: false });
  }
  return page.length < limit ? null : (page[page.length - 1]?.account_id ?? null);
}

interface CarryRow {
  id: number;
  account_id: number;
  hide_notifications: number;
  /** Already blocks (mutes) or follows the new account: left alone, as Mastodon's skip_*_move?. */
  skip: number;
}

/** One page of the old account's local blockers or muters (keyset on the row id). */
async function carryOver(m: Move, kind: "blocks" | "mutes", after: number, limit: number): Promise<number | null> {
  const { env, db, origin, target } = m;
  const now = Date.now();
  const rows =
    kind === "blocks"
      ? await db.all<CarryRow>(sql`
        SELECT b.id, b.account_id, 1 AS hide_notifications,
          (EXISTS (SELECT 1 FROM blocks WHERE account_id = b.account_id AND target_account_id = ${target.id})
            OR EXISTS (SELECT 1 FROM follows WHERE account_id = b.account_id AND target_account_id = ${target.id})) AS skip
        FROM blocks b JOIN users u ON u.account_id = b.account_id
        WHERE b.target_account_id = ${origin.id} AND b.id > ${after} ORDER BY b.id LIMIT ${limit}`)
      : await db.all<CarryRow>(sql`
        SELECT m.id, m.account_id, m.hide_notifications,
          (m.expires_at IS NOT NULL AND m.expires_at <= ${now})
            OR EXISTS (SELECT 1 FROM mutes WHERE account_id = m.account_id AND target_account_id = ${target.id}
              AND (expires_at IS NULL OR expires_at > ${now}))
            OR EXISTS (SELECT 1 FROM follows WHERE account_id = m.account_id AND target_account_id = ${target.id}) AS skip
        FROM mutes m JOIN users u ON u.account_id = m.account_id
        WHERE m.target_account_id = ${origin.id} AND m.id > ${after} ORDER BY m.id LIMIT ${limit}`);
  for (const row of rows) {
    if (row.skip === 1 || row.account_id === target.id) continue;
    const account = await findAccountById(db, row.account_id);
    if (!account) continue;
    if (kind === "blocks") await blockAccount(env, db, account, target);
    else await muteAccount(env, db, account, target, { notifications: row.hide_notifications === 1 });
  }
  return rows.length < limit ? null : (rows[rows.length - 1]?.id ?? null);
}

const NEXT_PHASE = { follows: "blocks", blocks: "mutes", mutes: null } as const;

/** One page of one phase of the migration; sends the next page itself. A retried page redoes nothing twice. */
export async function migrateMove(env: Bindings, message: MoveMessage, limit = MOVE_PAGE): Promise<"done" | "continued"> {
  const db = envDb(env);
  const [origin, target] = await Promise.all([findAccountById(db, message.originId), findAccountById(db, message.targetId)]);
  // The Move was superseded (another Move, the account deleted) or never recorded since this was queued.
  if (!origin || !target || origin.movedToAccountId !== target.id || target.suspendedAt !== null) return "done";
  const move: Move = { env, db, origin, target };
  const next =
    message.phase === "follows"
      ? await moveFollowers(move, message.after, limit)
      : await carryOver(move, message.phase, message.after, limit);
  if (next !== null) {
    await enqueueFanout(env.FANOUT, { ...message, after: next });
    return "continued";
  }
  const phase = NEXT_PHASE[message.phase];
  if (phase === null) return "done";
  await enqueueFanout(env.FANOUT, { ...message, phase, after: 0 });
  return "continued";
}
