/**
 * Update: an edited post or a changed profile. A post is edited as src/services/statuses/edit.ts edits
 * a local one (the original kept as revision 0, every change a new revision, boosters told with an
 * `update` notification, local accounts mentioned for the first time with a `mention` one; mentions
 * the edit dropped turn silent, as Mastodon keeps them); a Question whose only news is its vote counts
 * just refreshes the poll, as Mastodon does without recording an edit. Only the author may update a
 * post, and only the actor itself its profile: anything else changes nothing.
 */
import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Account, Status } from "../../db/schema";
import { mediaAttachments, polls, pollVotes, statusEdits, statuses, statusTags } from "../../db/schema";
import { notify } from "../../services/notifications";
import { notifyBoosters, revisionInsert, revisionOf } from "../../services/statuses/edit";
import { fanout } from "../../services/statuses/post";
import { runInBatch } from "../../services/statuses/raw";
import { tagStatements } from "../../services/statuses/render";
import { resolveActor, upsertRemoteActor } from "../remote-actors";
import type { Activity } from "../vocab/activity";
import type { ApObject } from "../vocab/object";
import { findStatusByUri, type InboxContext, PermanentError, TransientError } from "./context";
import type { Outcome } from "./create";
import { objectOf } from "./create";
import { recordRemoteQuote } from "./quotes";
import { type DraftMention, draftFromObject, mediaStatements, mentionRowsStatement } from "./status-draft";
import { checkAuthorship, pollRow } from "./store-status";
import { isTombstoned } from "./tombstones";

export async function handleUpdate(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const ref = activity.object;
  if (ref.kind === "actor") {
    if (ref.id !== actor.uri) throw new PermanentError(`${actor.uri} may not update actor ${ref.id}`);
    // The embedded document is signed by its own actor; without a key it would wipe the stored one.
    if (ref.actor?.publicKey) await upsertRemoteActor(ctx.remote, ref.actor);
    else await refreshActor(ctx, ref.id);
    return { done: true };
  }
  if (ref.kind === "link" && ref.id === actor.uri) {
    await refreshActor(ctx, ref.id);
    return { done: true };
  }
  if (await isTombstoned(ctx, ref.id)) return { done: true, note: "update of a deleted post" };
  const object = await objectOf(ctx, activity);
  checkAuthorship(object, actor.uri);
  const status = await findStatusByUri(ctx, object.id);
  if (!status) return { done: true, note: "update of a post we do not have" };
  if (status.accountId !== actor.id || status.reblogOfId !== null) {
    throw new PermanentError(`${actor.uri} may not edit ${object.id}`);
  }
  await applyEdit(ctx, status, object, actor);
  await recordRemoteQuote(ctx, status, object, actor);
  return { done: true };
}

async function applyEdit(ctx: InboxContext, status: Status, object: ApObject, author: Account): Promise<void> {
  const now = Date.now();
  const updatedAt = object.updated ? Math.min(Date.parse(object.updated), now) : now;
  // Deliveries can arrive out of order: an older revision never overwrites a newer one.
  if (status.editedAt !== null && object.updated && updatedAt <= status.editedAt) return;
  const draft = await draftFromObject(ctx, object, author);
  const [oldPoll] = status.pollId === null ? [] : await ctx.db.select().from(polls).where(eq(polls.id, status.pollId)).limit(1);
  const sameOptions =
    oldPoll !== undefined &&
    draft.poll !== null &&
    draft.poll.multiple === oldPoll.multiple &&
    JSON.stringify(draft.poll.options) === JSON.stringify(oldPoll.options.map((o) => o.title));
  const textChanged =
    draft.content !== status.content || draft.spoilerText !== status.spoilerText || draft.sensitive !== status.sensitive;

  if (oldPoll && draft.poll && sameOptions) {
    await ctx.db
      .update(polls)
      .set({
        tallies: draft.poll.tallies,
        votesCount: draft.poll.votesCount,
        votersCount: draft.poll.votersCount,
        expiresAt: draft.poll.expiresAt,
        lastFetchedAt: now,
      })
      .where(eq(polls.id, oldPoll.id));
    if (!textChanged) return;
  }
  const pollChanged = !sameOptions && (oldPoll !== undefined || draft.poll !== null);
  const mediaUrls = JSON.stringify(draft.media.map((m) => m.url));
  const oldMedia = await ctx.db
    .select({ url: mediaAttachments.remoteUrl, cached: mediaAttachments.fileKey })
    .from(mediaAttachments)
    .where(eq(mediaAttachments.statusId, status.id))
    .orderBy(mediaAttachments.position);
  const mediaChanged = JSON.stringify(oldMedia.map((m) => m.url)) !== mediaUrls;
  if (!textChanged && !pollChanged && !mediaChanged && draft.language === status.language) return;

  const statements: BatchItem<"sqlite">[] = [];
  const heard = await loudMentions(ctx, status.id);
  const [edits] = await ctx.db.select({ n: sql<number>`count(*)` }).from(statusEdits).where(eq(statusEdits.statusId, status.id));
  if ((edits?.n ?? 0) === 0)
    statements.push(revisionInsert(ctx.db, status, author.id, revisionOf(status, oldPoll ?? null, status.createdAt)));

  let pollId = status.pollId;
  if (pollChanged) {
    if (oldPoll)
      statements.push(
        ctx.db.delete(pollVotes).where(eq(pollVotes.pollId, oldPoll.id)),
        ctx.db.delete(polls).where(eq(polls.id, oldPoll.id)),
      );
    pollId = null;
    if (draft.poll) {
      const fresh = pollRow(draft.poll, status.id, author.id, now, oldPoll?.id);
      pollId = fresh.id;
      statements.push(ctx.db.insert(polls).values(fresh));
    }
  }
  if (mediaChanged) {
    // Cached copies (file_key set) are left for the media cache's expiry to remove with their files.
    statements.push(runInBatch(ctx.db, sql`DELETE FROM media_attachments WHERE status_id = ${status.id} AND file_key IS NULL`));
    const cached = new Set(oldMedia.flatMap((m) => (m.cached !== null && m.url ? [m.url] : [])));
    statements.push(
      ...mediaStatements(
        ctx.db,
        status.id,
        author.id,
        draft.media.filter((m) => !cached.has(m.url)),
        now,
      ),
    );
  }
  statements.push(
    ctx.db
      .update(statuses)
      .set({
        content: draft.content,
        spoilerText: draft.spoilerText,
        sensitive: draft.sensitive,
        language: draft.language,
        pollId,
        mediaCount: draft.media.length,
        editedAt: updatedAt,
      })
      .where(eq(statuses.id, status.id)),
    // Mentions no longer there turn silent: whoever could see the post still can.
    runInBatch(
      ctx.db,
      sql`UPDATE mentions SET silent = 1 WHERE status_id = ${status.id}
        AND account_id NOT IN (SELECT value FROM json_each(${JSON.stringify(draft.mentions.map((m) => m.accountId))}))`,
    ),
    ...(draft.mentions.length > 0 ? [mentionRowsStatement(ctx, status.id, draft.mentions)] : []),
    ctx.db.delete(statusTags).where(eq(statusTags.statusId, status.id)),
    ...tagStatements(ctx.db, status.id, draft.tags, now),
    revisionInsert(ctx.db, status, author.id, {
      text: "",
      content: draft.content,
      spoilerText: draft.spoilerText,
      sensitive: draft.sensitive,
      pollOptions: draft.poll ? draft.poll.options : null,
      createdAt: updatedAt,
    }),
  );
  await ctx.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  await notifyBoosters(ctx.db, status, author.id, now);
  await notifyNewMentions(ctx, status, author, draft.mentions, heard, now);
  await fanout(ctx.fanout, status.id, "status.updated");
}

/** The accounts a status mentions out loud (Mastodon's active_mentions). */
async function loudMentions(ctx: InboxContext, statusId: number): Promise<Set<number>> {
  const rows = await ctx.db.all<{ account_id: number }>(
    sql`SELECT account_id FROM mentions WHERE status_id = ${statusId} AND silent = 0`,
  );
  return new Set(rows.map((r) => r.account_id));
}

/**
 * Local accounts the edit mentions for the first time get a `mention` notification, as the FANOUT
 * consumer gives them for a new post; those mentioned before were told already (Mastodon's
 * ProcessStatusUpdateService keeps their mention and notifies only the new ones). Accounts the author
 * blocks are not told; notify() applies the recipient's own blocks and mutes.
 */
async function notifyNewMentions(
  ctx: InboxContext,
  status: Status,
  author: Account,
  mentions: DraftMention[],
  before: Set<number>,
  now: number,
): Promise<void> {
  const fresh = mentions.filter((m) => m.local && !m.silent && !before.has(m.accountId)).map((m) => m.accountId);
  if (fresh.length === 0) return;
  const blocked = await ctx.db.all<{ id: number }>(sql`
    SELECT target_account_id AS id FROM blocks WHERE account_id = ${author.id}
      AND target_account_id IN (SELECT value FROM json_each(${JSON.stringify(fresh)}))`);
  const skip = new Set(blocked.map((b) => b.id));
  for (const id of fresh) {
    if (skip.has(id)) continue;
    await notify(ctx.db, { recipientId: id, fromAccountId: author.id, type: "mention", statusId: status.id, now });
  }
}

async function refreshActor(ctx: InboxContext, uri: string): Promise<void> {
  const result = await resolveActor(ctx.remote, uri, { refresh: true });
  if (!result.ok && /timed out|network error|HTTP (5\d\d|429|408)/.test(result.reason)) throw new TransientError(result.reason);
}
