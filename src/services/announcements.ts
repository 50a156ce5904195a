/**
 * Instance announcements: the operator writes them (CLI today, admin pages later), users read them,
 * dismiss them (`read: true`) and react with emoji.
 *
 * Written against a two-method SQL runner rather than drizzle because the operator CLI runs these
 * same functions in Node, over the local D1 binding or over `wrangler d1 execute --remote`, which
 * takes SQL text only. In the Worker, `d1Runner(env.DB)` adapts the binding. For the same reason this
 * file imports nothing that needs the Workers runtime.
 *
 * Which announcements are shown (Mastodon's `published` scope, plus time): published ones whose
 * scheduled time has come and whose event has not ended. One announcing an event that starts later is
 * shown, as in Mastodon, where `starts_at`/`ends_at` describe the event, not the display window.
 *
 * Streaming: every write that clients must hear about sets `streamed_at` to null and a delete only
 * marks the row (`deleted_at`); the Worker's cron streams the change and then sets `streamed_at` or
 * purges the row (src/services/announcement-events.ts). Deleted rows are invisible to everything here.
 */
import type { Announcement } from "../db/schema-client-surface";
import { type MastodonAnnouncement, type MastodonReaction, serializeAnnouncement } from "../entities/announcement";
import { ApiError, notFound, validationFailed } from "../errors";
import { newId, parseId } from "../ids";

export type SqlValue = string | number | boolean | null;

/** What the functions here need from a database: the CLI's SqlExecutor has this shape too. */
export interface SqlRunner {
  all<T = Record<string, unknown>>(sql: string, params?: SqlValue[]): Promise<T[]>;
  /** Runs the statements atomically. */
  batch(statements: Array<{ sql: string; params?: SqlValue[] }>): Promise<void>;
}

interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  all<T>(): Promise<{ results: T[] }>;
}

/** The part of a D1Database binding the runner uses (typed structurally so Node can load this file). */
export interface D1Like {
  prepare(sql: string): D1StatementLike;
  batch(statements: D1StatementLike[]): Promise<unknown>;
}

export function d1Runner(d1: D1Like): SqlRunner {
  return {
    async all<T>(sql: string, params: SqlValue[] = []) {
      return (
        await d1
          .prepare(sql)
          .bind(...params)
          .all<T>()
      ).results;
    },
    async batch(statements) {
      if (statements.length === 0) return;
      await d1.batch(statements.map((s) => d1.prepare(s.sql).bind(...(s.params ?? []))));
    },
  };
}

/** Mastodon's ReactionValidator::LIMIT: distinct emoji per announcement. */
export const REACTION_KINDS_MAX = 8;

export interface AnnouncementInput {
  text?: string | undefined;
  /** Epoch ms; null clears. Both or neither. */
  startsAt?: number | null | undefined;
  endsAt?: number | null | undefined;
  allDay?: boolean | undefined;
  /** Create: defaults to true (shown at once, or at `scheduledAt`). */
  published?: boolean | undefined;
  /** Not shown before this time; null clears. */
  scheduledAt?: number | null | undefined;
}

export interface AnnouncementRowSql {
  id: number;
  text: string;
  published: number;
  all_day: number;
  scheduled_at: number | null;
  starts_at: number | null;
  ends_at: number | null;
  published_at: number | null;
  created_at: number;
  updated_at: number;
  streamed_at: number | null;
  deleted_at: number | null;
}

export const COLUMNS =
  "id, text, published, all_day, scheduled_at, starts_at, ends_at, published_at, created_at, updated_at, streamed_at, deleted_at";

export function fromSql(r: AnnouncementRowSql): Announcement {
  return {
    id: r.id,
    text: r.text,
    published: r.published === 1,
    allDay: r.all_day === 1,
    scheduledAt: r.scheduled_at,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    publishedAt: r.published_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    streamedAt: r.streamed_at,
    deletedAt: r.deleted_at,
  };
}

function validate(a: Announcement): void {
  const errors: Array<{ field: string; message: string; code: string }> = [];
  if (a.text.trim() === "") errors.push({ field: "text", message: "can't be blank", code: "ERR_BLANK" });
  if (a.startsAt === null && a.endsAt !== null) errors.push({ field: "starts_at", message: "can't be blank", code: "ERR_BLANK" });
  if (a.endsAt === null && a.startsAt !== null) errors.push({ field: "ends_at", message: "can't be blank", code: "ERR_BLANK" });
  if (a.startsAt !== null && a.endsAt !== null && a.endsAt < a.startsAt) {
    errors.push({ field: "ends_at", message: "must not be before starts at", code: "ERR_INVALID" });
  }
  if (errors.length > 0) throw validationFailed(errors);
}

export async function findAnnouncement(db: SqlRunner, id: number): Promise<Announcement | undefined> {
  const [row] = await db.all<AnnouncementRowSql>(`SELECT ${COLUMNS} FROM announcements WHERE id = ? AND deleted_at IS NULL`, [
    id,
  ]);
  return row ? fromSql(row) : undefined;
}

/** Every announcement, newest first, for the operator. */
export async function listAnnouncements(db: SqlRunner): Promise<Announcement[]> {
  return (await db.all<AnnouncementRowSql>(`SELECT ${COLUMNS} FROM announcements WHERE deleted_at IS NULL ORDER BY id DESC`)).map(
    fromSql,
  );
}

export async function createAnnouncement(db: SqlRunner, input: AnnouncementInput, now = Date.now()): Promise<Announcement> {
  const published = input.published ?? true;
  const a: Announcement = {
    id: newId(now),
    text: input.text ?? "",
    published,
    allDay: input.allDay ?? false,
    scheduledAt: input.scheduledAt ?? null,
    startsAt: input.startsAt ?? null,
    endsAt: input.endsAt ?? null,
    publishedAt: published ? now : null,
    createdAt: now,
    updatedAt: now,
    // A draft has nothing to tell clients; a published one is streamed by the cron (when due).
    streamedAt: published ? null : now,
    deletedAt: null,
  };
  validate(a);
  await db.batch([
    {
      sql: `INSERT INTO announcements (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
      params: [a.id, ...contentParams(a), now, now, a.streamedAt],
    },
  ]);
  return a;
}

/** The columns an insert and an update both write, in COLUMNS order from `text` to `published_at`. */
function contentParams(a: Announcement): Array<string | number | null> {
  return [a.text, a.published ? 1 : 0, a.allDay ? 1 : 0, a.scheduledAt, a.startsAt, a.endsAt, a.publishedAt];
}

/** Changes what `input` names; publishing an unpublished announcement stamps its publication time. */
export async function updateAnnouncement(
  db: SqlRunner,
  id: number,
  input: AnnouncementInput,
  now = Date.now(),
): Promise<Announcement> {
  const current = await findAnnouncement(db, id);
  if (!current) throw notFound();
  const published = input.published ?? current.published;
  const a: Announcement = {
    ...current,
    text: input.text ?? current.text,
    published,
    allDay: input.allDay ?? current.allDay,
    scheduledAt: input.scheduledAt === undefined ? current.scheduledAt : input.scheduledAt,
    startsAt: input.startsAt === undefined ? current.startsAt : input.startsAt,
    endsAt: input.endsAt === undefined ? current.endsAt : input.endsAt,
    publishedAt: published && !current.published ? now : current.publishedAt,
    updatedAt: now,
    // Published or edited: `announcement`; unpublished: `announcement.delete`; a draft edited: nothing.
    streamedAt: published || current.published ? null : current.streamedAt,
  };
  validate(a);
  await db.batch([
    {
      sql: `UPDATE announcements SET text = ?, published = ?, all_day = ?, scheduled_at = ?, starts_at = ?, ends_at = ?,
              published_at = ?, updated_at = ?, streamed_at = ? WHERE id = ? AND deleted_at IS NULL`,
      params: [...contentParams(a), now, a.streamedAt, id],
    },
  ]);
  return a;
}

/**
 * Removes the announcement with its reactions and dismissals. One that clients may have seen (or
 * that has a change not yet streamed) is only marked deleted, hidden at once, and purged by the cron
 * after it has streamed `announcement.delete`; a draft clients never saw goes at once.
 */
export async function deleteAnnouncement(db: SqlRunner, id: number, now = Date.now()): Promise<void> {
  const current = await findAnnouncement(db, id);
  if (!current) throw notFound();
  const row =
    current.published || current.streamedAt === null
      ? {
          sql: "UPDATE announcements SET deleted_at = ?, updated_at = ?, streamed_at = NULL WHERE id = ?",
          params: [now, now, id],
        }
      : { sql: "DELETE FROM announcements WHERE id = ?", params: [id] };
  await db.batch([
    { sql: "DELETE FROM announcement_reactions WHERE announcement_id = ?", params: [id] },
    { sql: "DELETE FROM announcement_dismissals WHERE announcement_id = ?", params: [id] },
    row,
  ]);
}

const SHOWN =
  "deleted_at IS NULL AND published = 1 AND (scheduled_at IS NULL OR scheduled_at <= ?) AND (ends_at IS NULL OR ends_at > ?)";

/** The announcements `accountId` is shown now, in Mastodon's chronological order, with `read` and reactions. */
export async function activeAnnouncements(db: SqlRunner, accountId: number, now = Date.now()): Promise<MastodonAnnouncement[]> {
  const rows = await db.all<AnnouncementRowSql & { read: number }>(
    `SELECT ${COLUMNS}, EXISTS (SELECT 1 FROM announcement_dismissals d WHERE d.announcement_id = announcements.id AND d.account_id = ?) AS read
     FROM announcements WHERE ${SHOWN}
     ORDER BY COALESCE(starts_at, scheduled_at, published_at, created_at), id`,
    [accountId, now, now],
  );
  if (rows.length === 0) return [];
  const reactions = await db.all<{ announcement_id: number; name: string; count: number; me: number }>(
    `SELECT announcement_id, name, count(*) AS count, max(account_id = ?) AS me FROM announcement_reactions
     WHERE announcement_id IN (SELECT value FROM json_each(?))
     GROUP BY announcement_id, name ORDER BY min(created_at), name`,
    [accountId, JSON.stringify(rows.map((r) => r.id))],
  );
  return rows.map((r) => {
    const own: MastodonReaction[] = reactions
      .filter((x) => x.announcement_id === r.id)
      .map((x) => ({ name: x.name, count: x.count, me: x.me === 1 }));
    return serializeAnnouncement(fromSql(r), own, r.read === 1);
  });
}

/** A shown announcement by client id, else "Record not found" (unpublished ones do not exist for users). */
async function requireShown(db: SqlRunner, rawId: unknown, now: number): Promise<Announcement> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const [row] = await db.all<AnnouncementRowSql>(`SELECT ${COLUMNS} FROM announcements WHERE id = ? AND ${SHOWN}`, [
    id,
    now,
    now,
  ]);
  if (!row) throw notFound();
  return fromSql(row);
}

export async function dismissAnnouncement(db: SqlRunner, accountId: number, rawId: unknown, now = Date.now()): Promise<void> {
  const a = await requireShown(db, rawId, now);
  await db.batch([
    {
      sql: "INSERT OR IGNORE INTO announcement_dismissals (account_id, announcement_id, created_at) VALUES (?, ?, ?)",
      params: [accountId, a.id, now],
    },
  ]);
}

// Unicode emoji as Unicode lists them (RGI), as Mastodon checks names against its emoji map.
// biome-ignore lint/complexity/useRegexLiterals: the `v` flag postdates the TypeScript target, so no literal.
const RGI_EMOJI = new RegExp("^\\p{RGI_Emoji}$", "v");

/** A fully-qualified emoji, or one written without its variation selector ("❤" for "❤️"), as Mastodon's map accepts both. */
export function isUnicodeEmoji(name: string): boolean {
  if (RGI_EMOJI.test(name)) return true;
  const [first, ...rest] = [...name];
  return first !== undefined && !name.includes("\uFE0F") && RGI_EMOJI.test(`${first}\uFE0F${rest.join("")}`);
}

/**
 * `PUT /api/v1/announcements/:id/reactions/:name`: idempotent, at most 8 different emoji per
 * announcement. The announcement's id when a reaction was added (to stream), null when it was there.
 */
export async function addReaction(
  db: SqlRunner,
  accountId: number,
  rawId: unknown,
  name: string,
  now = Date.now(),
): Promise<number | null> {
  const a = await requireShown(db, rawId, now);
  if (!isUnicodeEmoji(name))
    throw validationFailed([{ field: "name", message: "is not a recognized emoji", code: "ERR_INVALID" }]);
  const [seen] = await db.all<{ others: number; kind: number | null; mine: number | null }>(
    `SELECT count(DISTINCT CASE WHEN name <> ? THEN name END) AS others, max(name = ?) AS kind, max(account_id = ? AND name = ?) AS mine
     FROM announcement_reactions WHERE announcement_id = ?`,
    [name, name, accountId, name, a.id],
  );
  if (seen?.mine === 1) return null;
  // Joining an emoji already there is always fine; a new kind only below the limit (ReactionValidator).
  if (seen?.kind !== 1 && (seen?.others ?? 0) >= REACTION_KINDS_MAX) {
    throw new ApiError(422, "Validation failed: Limit of different reactions reached");
  }
  await db.batch([
    {
      sql: "INSERT OR IGNORE INTO announcement_reactions (announcement_id, account_id, name, created_at) VALUES (?, ?, ?, ?)",
      params: [a.id, accountId, name, now],
    },
  ]);
  return a.id;
}

/**
 * `DELETE …/reactions/:name`: "Record not found" when the user has not reacted so, as Mastodon's
 * `find_by!`. The announcement's id (to stream).
 */
export async function removeReaction(
  db: SqlRunner,
  accountId: number,
  rawId: unknown,
  name: string,
  now = Date.now(),
): Promise<number> {
  const a = await requireShown(db, rawId, now);
  const [found] = await db.all(
    "SELECT 1 AS ok FROM announcement_reactions WHERE announcement_id = ? AND account_id = ? AND name = ?",
    [a.id, accountId, name],
  );
  if (!found) throw notFound();
  await db.batch([
    {
      sql: "DELETE FROM announcement_reactions WHERE announcement_id = ? AND account_id = ? AND name = ?",
      params: [a.id, accountId, name],
    },
  ]);
  return a.id;
}

/** How many accounts reacted to the announcement with `name` (the primary key's prefix). */
export async function reactionCount(db: SqlRunner, announcementId: number, name: string): Promise<number> {
  const [row] = await db.all<{ n: number }>(
    "SELECT count(*) AS n FROM announcement_reactions WHERE announcement_id = ? AND name = ?",
    [announcementId, name],
  );
  return row?.n ?? 0;
}
