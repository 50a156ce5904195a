/**
 * Announcement events on the streaming API, sent to every `user` stream as Mastodon does
 * (PublishScheduledAnnouncementWorker, UnpublishAnnouncementWorker, PublishAnnouncementReactionWorker):
 *
 * - `announcement.reaction` when a user adds or removes a reaction (from the API route, after the
 *   write): payload `{"name","count","announcement_id"}`.
 * - `announcement` (the entity rendered without a viewer) and `announcement.delete` (the bare id)
 *   from the cron. The operator CLI writes D1 from outside the Worker and cannot reach the sockets,
 *   so every write clients must hear about leaves `streamed_at` null (and a delete leaves the row
 *   marked `deleted_at`); `streamAnnouncementChanges` finds those rows through the
 *   `announcements_streamed_at` index once a minute, streams them, then sets `streamed_at` (or purges
 *   the deleted row). A scheduled announcement stays pending until its time and is streamed then.
 *
 * Streaming is best effort: failures are logged, never fail the API call, and a sweep that fails
 * before marking a row streams it again on the next tick.
 */
import { type MastodonReaction, serializeAnnouncement } from "../entities/announcement";
import type { Bindings } from "../env";
import { publishAnnouncement } from "../streaming/publish";
import { type AnnouncementRowSql, COLUMNS, d1Runner, fromSql, reactionCount, type SqlValue } from "./announcements";

/** Rows handled per cron tick; more wait for the next minute. */
export const ANNOUNCEMENT_SWEEP_LIMIT = 20;

/** `announcement.reaction` with the reaction's new count (0 once the last one is removed). */
export async function streamReaction(env: Bindings, announcementId: number, name: string): Promise<void> {
  try {
    const count = await reactionCount(d1Runner(env.DB), announcementId, name);
    await publishAnnouncement(
      env,
      "announcement.reaction",
      JSON.stringify({ name, count, announcement_id: String(announcementId) }),
    );
  } catch (err) {
    console.error("streaming: announcement.reaction failed", err);
  }
}

export interface SweepResult {
  announced: string[];
  deleted: string[];
}

/**
 * Streams what changed in announcements since the last sweep: published and due ones as
 * `announcement`; unpublished and deleted ones as `announcement.delete` (deleted rows are then
 * purged). Ones whose event has ended are marked without a frame: clients drop them on their next
 * fetch, and Mastodon streams nothing when an announcement ends either.
 */
export async function streamAnnouncementChanges(
  env: Bindings,
  now = Date.now(),
  limit = ANNOUNCEMENT_SWEEP_LIMIT,
): Promise<SweepResult> {
  const db = d1Runner(env.DB);
  // No ORDER BY: it could make SQLite walk the primary key instead of seeking the null index entries.
  const rows = await db.all<AnnouncementRowSql>(
    `SELECT ${COLUMNS} FROM announcements INDEXED BY announcements_streamed_at
     WHERE streamed_at IS NULL AND (published = 0 OR deleted_at IS NOT NULL OR scheduled_at IS NULL OR scheduled_at <= ?)
     LIMIT ?`,
    [now, limit],
  );
  const result: SweepResult = { announced: [], deleted: [] };
  if (rows.length === 0) return result;

  const shown = rows.filter((r) => r.deleted_at === null && r.published === 1 && (r.ends_at === null || r.ends_at > now));
  const reactions =
    shown.length === 0
      ? []
      : await db.all<{ announcement_id: number; name: string; count: number }>(
          `SELECT announcement_id, name, count(*) AS count FROM announcement_reactions
           WHERE announcement_id IN (SELECT value FROM json_each(?))
           GROUP BY announcement_id, name ORDER BY min(created_at), name`,
          [JSON.stringify(shown.map((r) => r.id))],
        );

  const writes: Array<{ sql: string; params: SqlValue[] }> = [];
  for (const row of rows) {
    const a = fromSql(row);
    if (a.deletedAt !== null || !a.published) {
      await publishAnnouncement(env, "announcement.delete", String(a.id));
      result.deleted.push(String(a.id));
    } else if (shown.includes(row)) {
      const own: MastodonReaction[] = reactions
        .filter((r) => r.announcement_id === a.id)
        .map((r) => ({ name: r.name, count: r.count }));
      await publishAnnouncement(env, "announcement", JSON.stringify(serializeAnnouncement(a, own, false)));
      result.announced.push(String(a.id));
    }
    if (a.deletedAt !== null) {
      // Reactions added in the moment between a reaction's check and the delete go with the row.
      writes.push({ sql: "DELETE FROM announcement_reactions WHERE announcement_id = ?", params: [a.id] });
      writes.push({ sql: "DELETE FROM announcements WHERE id = ? AND deleted_at IS NOT NULL", params: [a.id] });
    } else {
      // Unless the operator changed it meanwhile (updated_at moved): then the next sweep sends that.
      writes.push({
        sql: "UPDATE announcements SET streamed_at = ? WHERE id = ? AND updated_at = ? AND streamed_at IS NULL",
        params: [now, a.id, a.updatedAt],
      });
    }
  }
  await db.batch(writes);
  return result;
}
