/**
 * Media in status edits, as Mastodon's UpdateStatusService does it: `media_ids` is the new list (left
 * out = no media, like the rest of an edit), checked as for a new post except that media already on
 * this status may be sent again; `media_attributes[]` ({id, description, focus}) changes the
 * description and focus of attached media in the same edit. Media taken off the status is detached
 * (and so removed by the unattached-media cleanup a day after its upload).
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type MediaMeta, mediaAttachments } from "../../db/schema";
import { MEDIA_LIMITS } from "../../entities/instance";
import { serializeMediaAttachment } from "../../entities/media-attachment";
import { validationFailed } from "../../errors";
import { parseId } from "../../ids";
import type { ParamValue } from "../../util/params";
import { claimMediaForStatus, parseFocus } from "../media";

export interface MediaAttributeInput {
  id: string;
  description?: string;
  focus?: string;
}

const str = (v: ParamValue | undefined): string | undefined =>
  typeof v === "string" ? v : typeof v === "number" ? String(v) : undefined;

/** `media_attributes[][id]=…` (form) or `"media_attributes": [{…}]` (JSON), as Rails reads both. */
export function readMediaAttributes(raw: ParamValue | undefined): MediaAttributeInput[] {
  if (raw === undefined || raw === null || typeof raw !== "object" || raw instanceof File) return [];
  const list = Array.isArray(raw) ? raw : Object.values(raw);
  const out: MediaAttributeInput[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null || Array.isArray(item) || item instanceof File) continue;
    const id = str(item.id);
    if (id === undefined) continue;
    out.push({ id, description: str(item.description), focus: str(item.focus) });
  }
  return out;
}

export interface MediaEditPlan {
  changed: boolean;
  mediaCount: number;
  statements: BatchItem<"sqlite">[];
}

export async function planMediaEdit(
  db: Db,
  accountId: number,
  statusId: number,
  mediaIds: readonly string[],
  attributes: readonly MediaAttributeInput[],
): Promise<MediaEditPlan> {
  const previous = await db
    .select()
    .from(mediaAttachments)
    .where(eq(mediaAttachments.statusId, statusId))
    .orderBy(asc(mediaAttachments.position), asc(mediaAttachments.id));
  const claimed = await claimMediaForStatus(db, accountId, mediaIds, statusId, { editing: true });
  const nextIds = claimed.media.map((m) => m.id);
  const statements: BatchItem<"sqlite">[] = [...claimed.statements];
  let changed = JSON.stringify(previous.map((m) => m.id)) !== JSON.stringify(nextIds);
  const removed = previous.filter((m) => !nextIds.includes(m.id)).map((m) => m.id);
  if (removed.length > 0) {
    statements.push(
      db
        .update(mediaAttachments)
        .set({ statusId: null, position: 0 })
        .where(and(inArray(mediaAttachments.id, removed), eq(mediaAttachments.statusId, statusId))),
    );
  }
  for (const attr of attributes) {
    const id = parseId(attr.id);
    const media = claimed.media.find((m) => m.id === id);
    // Mastodon ignores attributes of media not in the edited status.
    if (!media) continue;
    const set: { description?: string | null; meta?: MediaMeta } = {};
    if (attr.description !== undefined) {
      if ([...attr.description].length > MEDIA_LIMITS.description_limit) {
        throw validationFailed([
          {
            field: "description",
            message: `is too long (maximum is ${MEDIA_LIMITS.description_limit} characters)`,
            code: "ERR_TOO_LONG",
          },
        ]);
      }
      const description = attr.description.trim() === "" ? null : attr.description;
      if (description !== media.description) set.description = description;
    }
    if (attr.focus !== undefined && attr.focus !== "") {
      const focus = parseFocus(attr.focus);
      if (focus.x !== media.meta.focus?.x || focus.y !== media.meta.focus?.y) set.meta = { ...media.meta, focus };
    }
    if (Object.keys(set).length > 0) {
      changed = true;
      statements.push(db.update(mediaAttachments).set(set).where(eq(mediaAttachments.id, media.id)));
    }
  }
  return { changed, mediaCount: nextIds.length, statements };
}

/**
 * ScheduledStatus entities with their `media_attachments` (the media `params.media_ids` names, in
 * that order), in one query for the whole list; none when no entry has media.
 */
export async function withScheduledMedia<T extends { params: { media_ids: string[] | null }; media_attachments: unknown[] }>(
  db: Db,
  config: Config,
  accountId: number,
  list: T[],
): Promise<T[]> {
  const ids = [...new Set(list.flatMap((s) => s.params.media_ids ?? []))]
    .map(parseId)
    .filter((id): id is number => id !== undefined);
  if (ids.length === 0) return list;
  const rows = await db
    .select()
    .from(mediaAttachments)
    .where(
      and(
        eq(mediaAttachments.accountId, accountId),
        sql`${mediaAttachments.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
      ),
    );
  const byId = new Map(rows.map((r) => [String(r.id), serializeMediaAttachment(config, r)]));
  return list.map((s) => ({ ...s, media_attachments: (s.params.media_ids ?? []).flatMap((id) => byId.get(id) ?? []) }));
}
