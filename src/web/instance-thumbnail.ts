/**
 * The instance thumbnail and icon until an operator can upload one: a 48×48 PNG in Petrel's blue
 * (#2b4c7e), served at `/instance/thumbnail.png`. Clients need a real, absolute image URL here
 * (Toot! and others fail on an empty thumbnail, gotosocial#513).
 */

/** 115 bytes: IHDR (48×48, 8-bit RGB), one zlib-compressed IDAT, IEND. */
const THUMBNAIL_PNG_BASE64 =
  "iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAAOklEQVR42u3OQQ0AAAgEoOtjFTOZ3RbOBxsBSPW8EiEhISEhISEhISEhISEhISEhISEhISEhISGhOwtEtp15ZR8EuAAAAABJRU5ErkJggg==";

export const THUMBNAIL_SIZE = "48x48";

/** BlurHash of a uniform #2b4c7e image (1×1 components: the DC term alone). */
export const THUMBNAIL_BLURHASH = "004{[Q";

/** Decoded per call: 115 bytes, cheaper than holding state at module scope. */
export function thumbnailPng(): Uint8Array<ArrayBuffer> {
  const binary = atob(THUMBNAIL_PNG_BASE64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
