/**
 * Media attachments: upload (process, store in R2, then the D1 row), edit description/focus/thumbnail,
 * delete, and the helpers statuses use to attach and hydrate media.
 *
 * Order of writes on upload: every check and all processing first, then R2, then D1. A refusal stores
 * nothing; a failed D1 insert removes the R2 objects it would have pointed at.
 */
import { and, asc, eq, inArray, isNull } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type MediaAttachment, type MediaMeta, mediaAttachments } from "../db/schema";
import { MEDIA_LIMITS, STATUS_LIMITS } from "../entities/instance";
import { type MastodonMediaAttachment, serializeMediaAttachment } from "../entities/media-attachment";
import { ApiError, notFound, validationFailed } from "../errors";
import { newId, parseId } from "../ids";
import type { Codecs } from "../media/codecs";
import type { EncodedImage } from "../media/image";
import { processThumbnail, processUpload, sizeMeta, type UploadFile } from "../media/process";
import { deleteObjects, mediaKeys, putAll } from "../media/store";

export interface MediaContext {
  db: Db;
  bucket: R2Bucket;
  codecs: Codecs;
}

export interface MediaInput {
  description?: string;
  /** "x,y" as clients send it. */
  focus?: string;
  thumbnail?: UploadFile;
}

export async function toUploadFile(file: File): Promise<UploadFile> {
  return { bytes: new Uint8Array(await file.arrayBuffer()), type: file.type, name: file.name };
}

/** Code points, as Rails counts length. */
const length = (s: string): number => [...s].length;

/** Mastodon's focus: two floats; we also hold them to the documented -1..1 range. */
export function parseFocus(raw: string): { x: number; y: number } {
  const parts = raw.split(",").map((p) => p.trim());
  const [x, y] = parts.map(Number);
  const ok = (n: number | undefined): n is number => n !== undefined && Number.isFinite(n) && n >= -1 && n <= 1;
  if (parts.length !== 2 || parts.some((p) => p === "") || !ok(x) || !ok(y)) {
    throw validationFailed([{ field: "focus", message: "must be two numbers between -1.0 and 1.0, as x,y" }]);
  }
  return { x, y };
}

function checkDescription(description: string | undefined): void {
  if (description !== undefined && length(description) > MEDIA_LIMITS.description_limit) {
    throw validationFailed([
      {
        field: "description",
        message: `is too long (maximum is ${MEDIA_LIMITS.description_limit} characters)`,
        code: "ERR_TOO_LONG",
      },
    ]);
  }
}

/** Validates, processes, stores. Returns the new row (unattached). */
export async function createMedia(ctx: MediaContext, accountId: number, file: UploadFile, input: MediaInput, now = Date.now()) {
  checkDescription(input.description);
  const focus = input.focus ? parseFocus(input.focus) : undefined;
  const processed = await processUpload(ctx.codecs, file);
  let preview: EncodedImage | undefined = processed.preview;
  let blurhash = processed.blurhash;
  const meta: MediaMeta = { ...processed.meta };
  if (input.thumbnail) {
    const thumb = await processThumbnail(ctx.codecs, input.thumbnail);
    preview = thumb.preview;
    blurhash = thumb.blurhash;
    meta.small = sizeMeta(thumb.preview.width, thumb.preview.height);
  }
  if (focus) meta.focus = focus;

  const id = newId(now);
  const keys = mediaKeys(id, processed.ext, preview?.ext);
  const objects = [{ key: keys.original, bytes: processed.original, contentType: processed.contentType, accountId }];
  if (preview && keys.preview) objects.push({ key: keys.preview, bytes: preview.bytes, contentType: preview.mime, accountId });
  await putAll(ctx.bucket, objects);
  const row: MediaAttachment = {
    id,
    accountId,
    statusId: null,
    type: processed.type,
    fileKey: keys.original,
    previewKey: keys.preview ?? null,
    contentType: processed.contentType,
    fileSize: processed.original.length,
    remoteUrl: null,
    description: input.description?.trim() === "" ? null : (input.description ?? null),
    blurhash,
    meta,
    position: 0,
    processedAt: now,
    lastAccessedAt: null,
    createdAt: now,
  };
  try {
    await ctx.db.insert(mediaAttachments).values(row);
  } catch (e) {
    await deleteObjects(ctx.bucket, [keys.original, keys.preview]);
    throw e;
  }
  return row;
}

/** Own and not yet attached: what GET/PUT /api/v1/media/:id may see (Mastodon's `where(status_id: nil)`). */
export async function findOwnUnattached(db: Db, accountId: number, rawId: string): Promise<MediaAttachment> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const [row] = await db
    .select()
    .from(mediaAttachments)
    .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.accountId, accountId), isNull(mediaAttachments.statusId)))
    .limit(1);
  if (!row) throw notFound();
  return row;
}

/** PUT /api/v1/media/:id: description, focus and a new thumbnail. */
export async function updateMedia(
  ctx: MediaContext,
  accountId: number,
  rawId: string,
  input: MediaInput,
): Promise<MediaAttachment> {
  const row = await findOwnUnattached(ctx.db, accountId, rawId);
  checkDescription(input.description);
  const meta: MediaMeta = { ...row.meta };
  if (input.focus) meta.focus = parseFocus(input.focus);
  const set: Partial<MediaAttachment> = { meta };
  if (input.description !== undefined) set.description = input.description.trim() === "" ? null : input.description;
  let oldPreview: string | null = null;
  if (input.thumbnail) {
    const thumb = await processThumbnail(ctx.codecs, input.thumbnail);
    const key = mediaKeys(row.id, "x", thumb.preview.ext).preview as string;
    await putAll(ctx.bucket, [{ key, bytes: thumb.preview.bytes, contentType: thumb.preview.mime, accountId }]);
    Object.assign(set, { previewKey: key, blurhash: thumb.blurhash });
    meta.small = sizeMeta(thumb.preview.width, thumb.preview.height);
    oldPreview = row.previewKey;
  }
  const [updated] = await ctx.db.update(mediaAttachments).set(set).where(eq(mediaAttachments.id, row.id)).returning();
  if (!updated) throw notFound();
  // The old preview goes only once the row points at the new one.
  if (oldPreview) await deleteObjects(ctx.bucket, [oldPreview]);
  return updated;
}

/** DELETE /api/v1/media/:id: own and unattached only; removes the stored files. */
export async function deleteMedia(ctx: MediaContext, accountId: number, rawId: string): Promise<void> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const [row] = await ctx.db
    .select()
    .from(mediaAttachments)
    .where(and(eq(mediaAttachments.id, id), eq(mediaAttachments.accountId, accountId)))
    .limit(1);
  if (!row) throw notFound();
  if (row.statusId !== null) throw new ApiError(422, "Media attachment is currently used by a status");
  const deleted = await ctx.db
    .delete(mediaAttachments)
    .where(and(eq(mediaAttachments.id, id), isNull(mediaAttachments.statusId)))
    .returning({ id: mediaAttachments.id });
  // Attached between our read and the delete: the status keeps it.
  if (deleted.length === 0) throw new ApiError(422, "Media attachment is currently used by a status");
  await deleteObjects(ctx.bucket, [row.fileKey, row.previewKey]);
}

// --- For statuses ------------------------------------------------------------------------------

/** Media of many statuses in one query, in attachment order, serialized. */
export async function loadMediaForStatuses(
  db: Db,
  config: Config,
  statusIds: readonly number[],
): Promise<Map<number, MastodonMediaAttachment[]>> {
  const result = new Map<number, MastodonMediaAttachment[]>();
  const ids = [...new Set(statusIds)];
  // D1 caps bound parameters per query at 100.
  for (let i = 0; i < ids.length; i += 90) {
    const rows = await db
      .select()
      .from(mediaAttachments)
      .where(inArray(mediaAttachments.statusId, ids.slice(i, i + 90)))
      .orderBy(asc(mediaAttachments.statusId), asc(mediaAttachments.position), asc(mediaAttachments.id));
    for (const row of rows) {
      const list = result.get(row.statusId as number) ?? [];
      list.push(serializeMediaAttachment(config, row));
      result.set(row.statusId as number, list);
    }
  }
  return result;
}

const mediaError = (message: string) => new ApiError(422, message);

/**
 * Checks `media_ids` for a new (or edited) status as Mastodon's PostStatusService does, and returns the
 * statements that attach them in order, for the caller's D1 batch with the status insert. Media already
 * attached to `options.statusId` (an edit of that status) are allowed again.
 */
export async function claimMediaForStatus(
  db: Db,
  accountId: number,
  mediaIds: readonly string[],
  statusId: number,
  options: { editing?: boolean } = {},
): Promise<{ media: MediaAttachment[]; statements: BatchItem<"sqlite">[] }> {
  if (mediaIds.length === 0) return { media: [], statements: [] };
  if (mediaIds.length > STATUS_LIMITS.max_media_attachments) {
    throw mediaError(`Cannot attach more than ${STATUS_LIMITS.max_media_attachments} files`);
  }
  const ids = mediaIds.map(parseId);
  const wanted = ids.filter((id): id is number => id !== undefined);
  const rows = wanted.length
    ? await db
        .select()
        .from(mediaAttachments)
        .where(and(inArray(mediaAttachments.id, wanted), eq(mediaAttachments.accountId, accountId)))
    : [];
  const usable = new Map(
    rows.filter((r) => r.statusId === null || (options.editing && r.statusId === statusId)).map((r) => [r.id, r]),
  );
  const missing = mediaIds.filter((_raw, i) => !usable.has(ids[i] ?? -1));
  if (missing.length > 0) throw mediaError(`Media ${missing.join(", ")} not found or already attached to another post`);
  const media = wanted.map((id) => usable.get(id) as MediaAttachment);
  if (media.length > 1 && media.some((m) => m.type === "video" || m.type === "gifv" || m.type === "audio")) {
    throw mediaError("Cannot attach a video to a post that already contains images");
  }
  if (media.some((m) => m.processedAt === null)) {
    throw mediaError("Cannot attach files that have not finished processing. Try again in a moment!");
  }
  const statements = media.map((m, position) =>
    db
      .update(mediaAttachments)
      .set({ statusId, position })
      .where(
        and(
          eq(mediaAttachments.id, m.id),
          options.editing ? eq(mediaAttachments.accountId, accountId) : isNull(mediaAttachments.statusId),
        ),
      ),
  );
  return { media, statements };
}
