/**
 * Avatar and header files for update_credentials and DELETE /api/v1/profile/avatar|header.
 *
 * `accounts.avatar` / `accounts.header` hold the R2 key of the image; an animated GIF's still PNG sits
 * at a key derived from it (store.ts staticKey), so no extra column is needed. Replaced and removed
 * images are deleted from R2 only after the row no longer points at them.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { type Account, accounts } from "../db/schema";
import { processProfileImage } from "../media/avatar";
import type { Codecs } from "../media/codecs";
import { deleteObjects, type ProfileImage, profileImageKey, putAll, type StoredObject, staticKey } from "../media/store";
import { workerCodecs } from "../media/wasm-modules";
import { toUploadFile } from "./media";

export interface ProfileMedia {
  bucket: R2Bucket;
  codecs: Codecs;
}

/** The Worker's own bucket, for callers that do not pass one (update_credentials' route). */
export function defaultProfileMedia(): ProfileMedia {
  return { bucket: env.MEDIA, codecs: workerCodecs() };
}

/** R2 objects behind a stored avatar/header value (remote URLs and the default have none). */
export function storedObjects(value: string | null): string[] {
  if (!value || /^https?:\/\//.test(value)) return [];
  const still = staticKey(value);
  return still ? [value, still] : [value];
}

export interface StagedImages {
  /** Columns to set. */
  set: Partial<Record<ProfileImage, string>>;
  /** Objects written now: to delete if the account update fails. */
  written: string[];
  /** Objects of the images being replaced: to delete once the update succeeded. */
  replaced: string[];
}

/** Processes every given file (any refusal throws before anything is written), then stores them. */
export async function stageProfileImages(
  media: ProfileMedia,
  account: Account,
  files: Partial<Record<ProfileImage, File>>,
): Promise<StagedImages> {
  const objects: StoredObject[] = [];
  const staged: StagedImages = { set: {}, written: [], replaced: [] };
  for (const kind of ["avatar", "header"] as const) {
    const file = files[kind];
    if (!file) continue;
    const result = await processProfileImage(media.codecs, kind, await toUploadFile(file));
    const key = profileImageKey(kind, account.id, result.main.ext);
    objects.push({ key, bytes: result.main.bytes, contentType: result.main.mime, accountId: account.id });
    const still = staticKey(key);
    if (result.still && still)
      objects.push({ key: still, bytes: result.still.bytes, contentType: result.still.mime, accountId: account.id });
    staged.set[kind] = key;
    staged.replaced.push(...storedObjects(account[kind]));
  }
  await putAll(media.bucket, objects);
  staged.written = objects.map((o) => o.key);
  return staged;
}

/** DELETE /api/v1/profile/avatar|header: back to the default image. */
export async function removeProfileImage(db: Db, bucket: R2Bucket, account: Account, kind: ProfileImage): Promise<Account> {
  const [updated] = await db
    .update(accounts)
    .set({ [kind]: null, updatedAt: Date.now() })
    .where(eq(accounts.id, account.id))
    .returning();
  if (!updated) throw new Error("account vanished during update");
  await deleteObjects(bucket, storedObjects(account[kind]));
  return updated;
}
