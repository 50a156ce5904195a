/**
 * R2 layout for local media. Keys carry a random token so URLs cannot be guessed from the
 * (time-ordered) ids, and a new upload always gets a new key: stored objects never change, which is
 * what lets serve.ts answer with `immutable` cache headers.
 *
 *   media_attachments/<id>/original/<token>.<ext>    the upload (metadata stripped)
 *   media_attachments/<id>/small/<token>.<ext>       the preview
 *   accounts/avatars/<accountId>/<token>.<ext>       avatar; `<token>-static.png` beside an animated one
 *   accounts/headers/<accountId>/<token>.<ext>       header; likewise
 */

const CACHE_CONTROL = "public, max-age=31536000, immutable";

function token(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function mediaKeys(
  id: number,
  originalExt: string,
  previewExt: string | undefined,
): { original: string; preview?: string } {
  const t = token();
  const original = `media_attachments/${id}/original/${t}.${originalExt}`;
  return previewExt ? { original, preview: `media_attachments/${id}/small/${t}.${previewExt}` } : { original };
}

export type ProfileImage = "avatar" | "header";

export function profileImageKey(kind: ProfileImage, accountId: number, ext: string): string {
  return `accounts/${kind}s/${accountId}/${token()}.${ext}`;
}

/** Where the still version of an animated avatar or header lives (always derived, never stored). */
export function staticKey(key: string): string | undefined {
  return /\.gif$/.test(key) ? key.replace(/\.gif$/, "-static.png") : undefined;
}

export interface StoredObject {
  key: string;
  bytes: Uint8Array;
  contentType: string;
  /** Recorded on the object, so an operator (or a test) can tell whose a stray object was. */
  accountId: number;
}

/** Writes an object with the headers serve.ts hands back. */
export async function putObject(bucket: R2Bucket, object: StoredObject): Promise<void> {
  await bucket.put(object.key, object.bytes, {
    httpMetadata: { contentType: object.contentType, cacheControl: CACHE_CONTROL },
    customMetadata: { account_id: String(object.accountId) },
  });
}

/** Deletes keys (skipping nulls); R2 takes up to 1,000 per call. */
export async function deleteObjects(bucket: R2Bucket, keys: Array<string | null | undefined>): Promise<void> {
  const list = keys.filter((k): k is string => typeof k === "string" && k !== "");
  for (let i = 0; i < list.length; i += 1000) await bucket.delete(list.slice(i, i + 1000));
}

/**
 * Stores several objects, all or nothing: when one write fails, the ones that succeeded are removed
 * before the error goes on, so a failed upload leaves no orphan in R2.
 */
export async function putAll(bucket: R2Bucket, objects: StoredObject[]): Promise<void> {
  const results = await Promise.allSettled(objects.map((o) => putObject(bucket, o)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await deleteObjects(
      bucket,
      objects.map((o) => o.key),
    );
    throw failed.reason;
  }
}
