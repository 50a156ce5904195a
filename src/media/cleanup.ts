/**
 * Uploads never attached to a status are deleted a day after upload (Mastodon's
 * MediaCleanupScheduler does the same), rows and R2 objects both, a bounded batch per run so one cron
 * invocation stays short; the cron runs every minute, so a backlog drains quickly.
 *
 * Media named by a scheduled status (its params.media_ids) is kept: it gets attached when the status
 * is published, possibly weeks later.
 */
import { and, inArray, isNull, lt, sql } from "drizzle-orm";
import { createDb } from "../db/client";
import { mediaAttachments } from "../db/schema";
import { deleteObjects } from "./store";

export const UNATTACHED_TTL_MS = 24 * 60 * 60 * 1000;
const BATCH = 100;

export async function deleteUnattachedMedia(env: { DB: D1Database; MEDIA: R2Bucket }, now: number = Date.now()): Promise<number> {
  const db = createDb(env.DB);
  const rows = await db
    .select({ id: mediaAttachments.id })
    .from(mediaAttachments)
    .where(
      and(
        isNull(mediaAttachments.statusId),
        isNull(mediaAttachments.remoteUrl),
        lt(mediaAttachments.createdAt, now - UNATTACHED_TTL_MS),
        sql`${mediaAttachments.id} NOT IN (
          SELECT CAST(j.value AS INTEGER) FROM scheduled_statuses s, json_each(s.params, '$.media_ids') j
          WHERE s.account_id = ${mediaAttachments.accountId}
        )`,
      ),
    )
    .limit(BATCH);
  if (rows.length === 0) return 0;
  // Only rows still unattached at delete time go, and only their files: a status may have claimed
  // one since the select. Rows before files: a row whose files are gone would be served broken.
  const deleted = await db
    .delete(mediaAttachments)
    .where(
      and(
        inArray(
          mediaAttachments.id,
          rows.map((r) => r.id),
        ),
        isNull(mediaAttachments.statusId),
      ),
    )
    .returning({ fileKey: mediaAttachments.fileKey, previewKey: mediaAttachments.previewKey });
  await deleteObjects(
    env.MEDIA,
    deleted.flatMap((r) => [r.fileKey, r.previewKey]),
  );
  return deleted.length;
}
