/**
 * One upload, from bytes to what gets stored: the type from the bytes (sniff), agreement with the name
 * and claimed type, the instance's size limits, then per kind: images through the WASM pipeline,
 * video and audio through the container parsers (their embedded cover art, if any, becomes the
 * preview as in Mastodon). Every refusal is an ApiError 422 thrown before anything is stored.
 */
import type { MediaMeta, MediaType } from "../db/schema";
import { MEDIA_LIMITS } from "../entities/instance";
import { BmffError } from "./av/bmff";
import { parseMp3 } from "./av/mp3";
import { parseMp4 } from "./av/mp4";
import { parseOgg } from "./av/ogg";
import { parseAac, parseFlac, parseWav } from "./av/pcm";
import { AvError, type AvInfo } from "./av/types";
import { parseWebm } from "./av/webm";
import type { Codecs } from "./codecs";
import { invalidContentType, type Label, spoofed, tooLarge, tooManyPixels, unprocessable } from "./errors";
import { type EncodedImage, processImage } from "./image";
import { contradiction, type Family, type Sniffed, sniff } from "./sniff";

export interface UploadFile {
  bytes: Uint8Array;
  /** What the client claimed (File.type); may be empty. */
  type: string;
  name: string;
}

export interface ProcessedUpload {
  type: MediaType;
  contentType: string;
  ext: string;
  original: Uint8Array;
  preview: EncodedImage | undefined;
  blurhash: string | null;
  meta: MediaMeta;
}

const aspect = (w: number, h: number): number => (h > 0 ? w / h : 0);

export const sizeMeta = (width: number, height: number) => ({
  width,
  height,
  size: `${width}x${height}`,
  aspect: aspect(width, height),
});

/** "0:00:05.02", Mastodon's (ffprobe's) H:MM:SS.ss. */
export function formatLength(seconds: number): string {
  const centis = Math.round(seconds * 100);
  const h = Math.floor(centis / 360000);
  const m = Math.floor((centis % 360000) / 6000);
  const s = (centis % 6000) / 100;
  return `${h}:${String(m).padStart(2, "0")}:${s.toFixed(2).padStart(5, "0")}`;
}

/** Which file the upload is, checked against its name, claimed type and the size limit for its kind. */
export function identify(file: UploadFile, label: Label = "File", imageLimit: number = MEDIA_LIMITS.image_size_limit): Sniffed {
  const found = sniff(file.bytes);
  if (!found) throw invalidContentType(label);
  const claim = contradiction(found, file.type, file.name);
  if (claim) throw spoofed(found.mime, claim, label);
  const limit = found.kind === "image" ? imageLimit : MEDIA_LIMITS.video_size_limit;
  if (file.bytes.length > limit) throw tooLarge(limit, label);
  return found;
}

function parseAv(bytes: Uint8Array, family: Family): AvInfo {
  try {
    switch (family) {
      case "bmff":
        return parseMp4(bytes);
      case "matroska":
        return parseWebm(bytes);
      case "ogg":
        return parseOgg(bytes);
      case "mp3":
        return parseMp3(bytes);
      case "wav":
        return parseWav(bytes);
      case "flac":
        return parseFlac(bytes);
      case "aac":
        return parseAac(bytes);
      default:
        throw invalidContentType();
    }
  } catch (e) {
    if (e instanceof AvError || e instanceof BmffError) throw unprocessable(e.message);
    if (e instanceof RangeError) throw unprocessable("the file is truncated");
    throw e;
  }
}

/** The stored type of a container once its tracks are known (browsers play H.264 MOV as MP4). */
function avContentType(found: Sniffed, info: AvInfo): { contentType: string; ext: string } {
  switch (found.family) {
    case "bmff":
      return info.hasVideo ? { contentType: "video/mp4", ext: "mp4" } : { contentType: "audio/mp4", ext: "m4a" };
    case "matroska":
      return info.hasVideo ? { contentType: found.mime, ext: found.ext } : { contentType: "audio/webm", ext: "weba" };
    case "ogg":
      return info.hasVideo ? { contentType: "video/ogg", ext: "ogv" } : { contentType: "audio/ogg", ext: "ogg" };
    default:
      return { contentType: found.mime, ext: found.ext };
  }
}

/** Mastodon's meta for video and audio (ffprobe-shaped fields included). */
function avMeta(info: AvInfo, fileSize: number): MediaMeta {
  const meta: MediaMeta = {};
  const original: Record<string, number | string> = {};
  if (info.duration !== undefined) {
    meta.length = formatLength(info.duration);
    meta.duration = Math.round(info.duration * 1000) / 1000;
    original.duration = meta.duration as number;
    if (info.duration > 0) original.bitrate = Math.round((fileSize * 8) / info.duration);
  }
  if (info.hasVideo && info.width && info.height) {
    Object.assign(meta, { fps: info.fps, ...sizeMeta(info.width, info.height) });
    Object.assign(original, { width: info.width, height: info.height });
    if (info.frameRate) original.frame_rate = info.frameRate;
  }
  if (info.hasAudio) {
    if (info.audioCodec) meta.audio_encode = info.audioCodec;
    if (info.sampleRate) meta.audio_bitrate = `${info.sampleRate} Hz`;
    if (info.channels)
      meta.audio_channels = info.channels === 1 ? "mono" : info.channels === 2 ? "stereo" : `${info.channels} channels`;
  }
  meta.original = original;
  return meta;
}

async function processAv(codecs: Codecs, file: UploadFile, found: Sniffed): Promise<ProcessedUpload> {
  const info = parseAv(file.bytes, found.family);
  if (!info.hasVideo && !info.hasAudio) throw unprocessable("no audio or video track");
  if (info.hasVideo) {
    if (!info.width || !info.height) throw unprocessable("the video size is not readable");
    if (info.width * info.height > MEDIA_LIMITS.video_matrix_limit) throw tooManyPixels(info.width, info.height, "videos");
    if ((info.fps ?? 0) > MEDIA_LIMITS.video_frame_rate_limit) {
      throw unprocessable(`${info.fps} FPS videos are not supported`);
    }
  }
  const meta = avMeta(info, file.bytes.length);
  let preview: EncodedImage | undefined;
  let blurhash: string | null = null;
  if (info.cover) {
    const cover = sniff(info.cover);
    // Broken cover art is the tagger's fault, not the upload's: the audio is still good.
    const art =
      cover?.kind === "image"
        ? await processImage(codecs, info.cover, cover.family, MEDIA_LIMITS.image_matrix_limit).catch(() => undefined)
        : undefined;
    if (art) {
      preview = art.preview;
      blurhash = art.blurhash;
      meta.small = sizeMeta(art.preview.width, art.preview.height);
    }
  }
  // Mastodon's rule: a video without sound is a "gifv" (clients loop it silently).
  const type: MediaType = info.hasVideo ? (info.hasAudio ? "video" : "gifv") : "audio";
  return { type, ...avContentType(found, info), original: file.bytes, preview, blurhash, meta };
}

export async function processUpload(codecs: Codecs, file: UploadFile): Promise<ProcessedUpload> {
  const found = identify(file);
  if (found.kind !== "image") return processAv(codecs, file, found);
  const image = await processImage(codecs, file.bytes, found.family, MEDIA_LIMITS.image_matrix_limit);
  return {
    type: "image",
    contentType: found.mime,
    ext: found.ext,
    original: image.original,
    preview: image.preview,
    blurhash: image.blurhash,
    meta: {
      original: sizeMeta(image.width, image.height),
      small: sizeMeta(image.preview.width, image.preview.height),
    },
  };
}

/** A custom thumbnail (the `thumbnail` param): any still image; it replaces the preview and blurhash. */
export async function processThumbnail(codecs: Codecs, file: UploadFile): Promise<{ preview: EncodedImage; blurhash: string }> {
  const found = identify(file, "Thumbnail");
  if (found.kind !== "image") throw invalidContentType("Thumbnail");
  const image = await processImage(codecs, file.bytes, found.family, MEDIA_LIMITS.image_matrix_limit);
  return { preview: image.preview, blurhash: image.blurhash };
}
