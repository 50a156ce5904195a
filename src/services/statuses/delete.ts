/**
 * Deleting your own status (Mastodon's StatusesController#destroy + RemovalWorker), in ONE batch:
 * the status, its boosts, and everything that hangs off them. The answer is the status as it was,
 * with its source `text` and poll, so clients can offer delete-and-redraft.
 *
 * Media (Mastodon 4.4, API level 4): by default the attachments outlive the status, detached, so the
 * redraft can attach them again (RemoveStatusService with `redraft: true`); `delete_media=true` deletes
 * them, rows and files, with the status.
 */
import { eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import {
  bookmarks,
  favourites,
  mediaAttachments,
  mentions,
  notifications,
  polls,
  pollVotes,
  type Status,
  statusEdits,
  statuses,
  statusPins,
  statusTags,
} from "../../db/schema";
import { customFilterStatuses } from "../../db/schema-client-surface";
import type { MastodonStatus } from "../../entities/status";
import { notFound } from "../../errors";
import { tombstoneStatement } from "../../federation/outbound/tombstones";
import { parseId } from "../../ids";
import { deleteObjects } from "../../media/store";
import type { FanoutMessage } from "../../queue/messages";
import { quoteDeletionStatements } from "../quotes/delete-quote";
import { findStatus, statusJson } from "./lookup";
import type { Author, PostEnv } from "./post";

export interface DeleteStatusOptions {
  /** `delete_media`: delete the attachments too instead of keeping them for a redraft. */
  deleteMedia?: boolean;
  /** Where the attachments' files live; needed when `deleteMedia` is set. */
  bucket?: R2Bucket;
  now?: number;
}

export async function deleteStatus(
  env: PostEnv,
  author: Author,
  rawId: string,
  options: DeleteStatusOptions = {},
): Promise<MastodonStatus> {
  const { db, config } = env;
  const id = parseId(rawId);
  const status = id === undefined ? undefined : await findStatus(db, id);
  // Someone else's status is as good as missing to you.
  if (!status || status.accountId !== author.account.id) throw notFound();
  const body = await statusJson(db, config, author.account.id, status.id, { source: true, skipVisibility: true });

  const boosts = await db
    .select({ id: statuses.id, accountId: statuses.accountId, reblogOfId: statuses.reblogOfId })
    .from(statuses)
    .where(eq(statuses.reblogOfId, status.id));
  const media = options.deleteMedia
    ? await db
        .select({ fileKey: mediaAttachments.fileKey, previewKey: mediaAttachments.previewKey })
        .from(mediaAttachments)
        .where(eq(mediaAttachments.statusId, status.id))
    : [];
  await db.batch([
    ...deletionStatements(db, status),
    options.deleteMedia
      ? db.delete(mediaAttachments).where(eq(mediaAttachments.statusId, status.id))
      : // Detached uploads are swept a day after created_at (src/media/cleanup.ts): restarting that
        // clock gives the redraft the same day a fresh upload gets, even for an old status.
        db
          .update(mediaAttachments)
          .set({ statusId: null, createdAt: options.now ?? Date.now() })
          .where(eq(mediaAttachments.statusId, status.id)),
  ]);
  // Files after rows, as everywhere: a row whose files are gone would be served broken.
  if (options.bucket)
    await deleteObjects(
      options.bucket,
      media.flatMap((m) => [m.fileKey, m.previewKey]),
    );
  await enqueueDeletions(env.fanout, [...boosts, status]);
  return body;
}

/**
 * Order matters: rows that find the boosts through `reblog_of_id` go before the boosts themselves.
 * Counter triggers fire on the deletes and keep the parent's replies_count and the author's
 * statuses_count right.
 */
export function deletionStatements(db: Db, status: Status): [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]] {
  const id = status.id;
  const boostIds = sql`(SELECT id FROM statuses WHERE reblog_of_id = ${id})`;
  const ownBoostNotification =
    status.reblogOfId === null
      ? []
      : // A boost's own "reblog" notification points at the boosted status.
        [
          db
            .delete(notifications)
            .where(
              sql`${notifications.type} = 'reblog' AND ${notifications.fromAccountId} = ${status.accountId} AND ${notifications.statusId} = ${status.reblogOfId}`,
            ),
        ];
  return [
    // First: it reads the mentions and favourites deleted below (what the federated Delete must reach).
    tombstoneStatement(db, status),
    db.delete(notifications).where(sql`${notifications.statusId} = ${id} OR ${notifications.statusId} IN ${boostIds}`),
    ...ownBoostNotification,
    db.delete(statusPins).where(sql`${statusPins.statusId} = ${id} OR ${statusPins.statusId} IN ${boostIds}`),
    db.delete(mentions).where(eq(mentions.statusId, id)),
    db.delete(statusTags).where(eq(statusTags.statusId, id)),
    db.delete(favourites).where(eq(favourites.statusId, id)),
    db.delete(bookmarks).where(eq(bookmarks.statusId, id)),
    db.delete(pollVotes).where(sql`${pollVotes.pollId} IN (SELECT id FROM polls WHERE status_id = ${id})`),
    db.delete(polls).where(eq(polls.statusId, id)),
    db.delete(statusEdits).where(eq(statusEdits.statusId, id)),
    db.delete(customFilterStatuses).where(eq(customFilterStatuses.statusId, id)),
    ...quoteDeletionStatements(db, status),
    db.delete(statuses).where(eq(statuses.reblogOfId, id)),
    db.delete(statuses).where(eq(statuses.id, id)),
  ];
}

/** One `status.deleted` per removed status, sent in chunks (a queue batch holds at most 100). */
export async function enqueueDeletions(queue: Queue, removed: Array<Pick<Status, "id" | "accountId" | "reblogOfId">>) {
  const messages = removed.map(
    (s): MessageSendRequest<FanoutMessage> => ({
      body: { type: "status.deleted", v: 1, statusId: s.id, accountId: s.accountId, reblogOfId: s.reblogOfId },
      contentType: "json",
    }),
  );
  for (let i = 0; i < messages.length; i += 100) {
    try {
      await queue.sendBatch(messages.slice(i, i + 100));
    } catch (err) {
      // The rows are gone; a lost message leaves stale feed entries that hydration drops anyway.
      console.error("fanout: could not enqueue status.deleted", err);
    }
  }
}
