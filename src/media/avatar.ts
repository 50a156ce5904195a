/**
 * Avatars and headers, as Mastodon makes them: JPEG, PNG, GIF or WebP up to 8 MB, centre-cropped to
 * 1:1 (avatar, at most 400×400) or 3:1 (header, at most 1500×500), never upscaled. Re-encoding drops
 * all camera metadata. An animated GIF is kept as uploaded (its animation is the point) beside a still
 * PNG of its first frame, which clients show as `avatar_static` / `header_static`.
 */

import { MEDIA_LIMITS } from "../entities/instance";
import type { Codecs, Rgba } from "./codecs";
import { invalidContentType, type Label, unprocessable } from "./errors";
import { decodeImage, type EncodedImage, encodePreview } from "./image";
import { identify, type UploadFile } from "./process";
import { cropToAspect, downscale, fitBox, fitPixels, orient } from "./resize";
import type { ProfileImage } from "./store";

/** Mastodon's AVATAR_LIMIT / HEADER_LIMIT with libvips (its default since 4.3). */
export const PROFILE_IMAGE_LIMIT = 8 * 1024 * 1024;

const GEOMETRY: Record<ProfileImage, { width: number; height: number }> = {
  avatar: { width: 400, height: 400 },
  header: { width: 1500, height: 500 },
};

const ACCEPTED = new Set(["jpeg", "png", "gif", "webp"]);

export interface ProfileImageResult {
  /** What `accounts.avatar` / `accounts.header` will point at. */
  main: EncodedImage;
  /** The still first frame, for animated GIFs only. */
  still?: EncodedImage;
}

/** Crop and scale in display orientation, working on a reduced copy so a large photo stays cheap. */
function fitToBox(pixels: Rgba, orientation: number, box: { width: number; height: number }): Rgba {
  const reduced = fitPixels(pixels.width, pixels.height, box.width * box.height * 4);
  const upright = orient(downscale(pixels, reduced.width, reduced.height), orientation);
  const cropped = cropToAspect(upright, box.width / box.height);
  const size = fitBox(cropped.width, cropped.height, box.width, box.height);
  return downscale(cropped, size.width, size.height);
}

export async function processProfileImage(codecs: Codecs, kind: ProfileImage, file: UploadFile): Promise<ProfileImageResult> {
  const label: Label = kind === "avatar" ? "Avatar" : "Header";
  const found = identify(file, label, PROFILE_IMAGE_LIMIT);
  if (!ACCEPTED.has(found.family)) throw invalidContentType(label);
  let decoded: Awaited<ReturnType<typeof decodeImage>>;
  try {
    decoded = await decodeImage(codecs, file.bytes, found.family, MEDIA_LIMITS.image_matrix_limit);
  } catch (e) {
    // Same causes as for media uploads, named for the field the user filled in.
    if (e instanceof Error && "status" in e && e.message.startsWith("Validation failed: File ")) {
      throw unprocessable(e.message.replace(/^Validation failed: File could not be processed: /, ""), label);
    }
    throw e;
  }
  const fitted = fitToBox(decoded.pixels, decoded.header.orientation, GEOMETRY[kind]);
  if (found.family === "gif" && decoded.animated) {
    // The still's key is derived from the GIF's (store.ts staticKey), so it is always a PNG.
    const still: EncodedImage = { bytes: codecs.encodePng(fitted), mime: "image/png", ext: "png", ...size(fitted) };
    return { main: { bytes: file.bytes, mime: "image/gif", ext: "gif", ...size(decoded.header) }, still };
  }
  return { main: await encodePreview(codecs, fitted) };
}

const size = (x: { width: number; height: number }) => ({ width: x.width, height: x.height });
