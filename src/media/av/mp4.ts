/**
 * MP4 / MOV / M4A metadata from the `moov` box: duration (mvhd), per-track display size (tkhd, with
 * its rotation matrix), handler (vide/soun), timescale (mdhd), frame rate (stts), audio sample rate
 * and channels (stsd), and cover art (udta/meta/ilst/covr). Media data is never read.
 */
import { type Box, child, children, path, root, view } from "./bmff";
import { AvError, type AvInfo, frameRateString, roundFps } from "./types";

const AUDIO_CODECS: Record<string, string> = {
  mp4a: "aac",
  "ac-3": "ac3",
  "ec-3": "eac3",
  Opus: "opus",
  alac: "alac",
  fLaC: "flac",
  ".mp3": "mp3",
  samr: "amr_nb",
  sawb: "amr_wb",
};

function fullBoxVersion(bytes: Uint8Array, box: Box): number {
  return bytes[box.start] ?? 0;
}

/** mdhd: [timescale, duration in that timescale]. */
function mediaTime(bytes: Uint8Array, mdhd: Box): [number, number] {
  const v = view(bytes);
  if (fullBoxVersion(bytes, mdhd) === 1) return [v.getUint32(mdhd.start + 20), Number(v.getBigUint64(mdhd.start + 24))];
  return [v.getUint32(mdhd.start + 12), v.getUint32(mdhd.start + 16)];
}

/** tkhd width and height (16.16 fixed point), swapped when the matrix turns the picture a quarter. */
function displaySize(bytes: Uint8Array, tkhd: Box): { width: number; height: number } {
  const v = view(bytes);
  const base = tkhd.start + (fullBoxVersion(bytes, tkhd) === 1 ? 52 : 40);
  const a = v.getInt32(base);
  const b = v.getInt32(base + 4);
  const width = Math.round(v.getUint32(base + 36) / 65536);
  const height = Math.round(v.getUint32(base + 40) / 65536);
  return a === 0 && b !== 0 ? { width: height, height: width } : { width, height };
}

/** stts: total samples and the most common sample delta. */
function sampleTiming(bytes: Uint8Array, stts: Box): { samples: number; delta: number } {
  const v = view(bytes);
  const count = v.getUint32(stts.start + 4);
  let samples = 0;
  let delta = 0;
  let best = 0;
  for (let i = 0; i < count; i++) {
    const at = stts.start + 8 + i * 8;
    if (at + 8 > stts.end) break;
    const n = v.getUint32(at);
    samples += n;
    if (n > best) {
      best = n;
      delta = v.getUint32(at + 4);
    }
  }
  return { samples, delta };
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/**
 * Channels and rate from an AAC entry's esds (ES_Descriptor → DecoderConfig → AudioSpecificConfig):
 * the sample entry's own channel count is informative only, and encoders leave it at 2.
 */
function aacConfig(bytes: Uint8Array, entry: Box): { channels: number; sampleRate: number } | undefined {
  let p = -1;
  for (let i = entry.start; i + 4 <= entry.end; i++) {
    if (bytes[i] === 0x65 && bytes[i + 1] === 0x73 && bytes[i + 2] === 0x64 && bytes[i + 3] === 0x73) {
      p = i + 8; // past "esds" and the full box's version/flags
      break;
    }
  }
  if (p < 0) return undefined;
  // Descriptors: tag, size (1–4 bytes of 7 bits), payload. Walk into tags 3 → 4 → 5.
  const header = (): { tag: number; size: number } => {
    const tag = bytes[p++] ?? 0;
    let size = 0;
    for (let i = 0; i < 4; i++) {
      const b = bytes[p++] ?? 0;
      size = (size << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return { tag, size };
  };
  if (header().tag !== 3) return undefined;
  const flags = bytes[p + 2] ?? 0;
  p += 3 + (flags & 0x80 ? 2 : 0) + (flags & 0x40 ? 1 + (bytes[p + 3] ?? 0) : 0) + (flags & 0x20 ? 2 : 0);
  if (header().tag !== 4) return undefined;
  p += 13;
  if (header().tag !== 5 || p + 4 > entry.end) return undefined;
  const bits = ((bytes[p] ?? 0) << 24) | ((bytes[p + 1] ?? 0) << 16) | ((bytes[p + 2] ?? 0) << 8) | (bytes[p + 3] ?? 0);
  // 5 bits object type, 4 bits rate index (15: an explicit rate follows; rare, left to stsd), 4 channels.
  const sampleRate = AAC_RATES[(bits >>> 23) & 0x0f] ?? 0;
  const channels = (bits >>> 19) & 0x0f;
  return channels > 0 && sampleRate > 0 ? { channels, sampleRate } : undefined;
}

function coverArt(bytes: Uint8Array, moov: Box): Uint8Array | undefined {
  const meta = path(bytes, moov, ["udta", "meta"]);
  if (!meta) return undefined;
  // ISO `meta` is a full box (4 bytes of version/flags first); QuickTime's is a plain container.
  const start = String.fromCharCode(...bytes.subarray(meta.start + 4, meta.start + 8)) === "hdlr" ? meta.start : meta.start + 4;
  const covr = path(bytes, { type: "meta", start, end: meta.end }, ["ilst", "covr", "data"]);
  // `data`: 4 bytes of type, 4 of locale, then the image.
  return covr && covr.end - covr.start > 8 ? bytes.subarray(covr.start + 8, covr.end) : undefined;
}

function readTrack(bytes: Uint8Array, trak: Box, info: AvInfo): void {
  const mdia = child(bytes, trak, "mdia");
  const hdlr = mdia && child(bytes, mdia, "hdlr");
  const mdhd = mdia && child(bytes, mdia, "mdhd");
  if (!mdia || !hdlr || !mdhd) return;
  const handler = String.fromCharCode(...bytes.subarray(hdlr.start + 8, hdlr.start + 12));
  const [timescale, duration] = mediaTime(bytes, mdhd);
  const stbl = path(bytes, mdia, ["minf", "stbl"]);
  const stsd = stbl && child(bytes, stbl, "stsd");
  const entry = stsd && children(bytes, stsd.start + 8, stsd.end)[0];
  if (handler === "vide" && !info.hasVideo) {
    info.hasVideo = true;
    const tkhd = child(bytes, trak, "tkhd");
    if (tkhd) Object.assign(info, displaySize(bytes, tkhd));
    const stts = stbl && child(bytes, stbl, "stts");
    if (stts && timescale > 0 && duration > 0) {
      const { samples, delta } = sampleTiming(bytes, stts);
      info.fps = roundFps((samples * timescale) / duration);
      if (delta > 0) info.frameRate = frameRateString(timescale, delta);
    }
    if (info.duration === undefined && timescale > 0) info.duration = duration / timescale;
  } else if (handler === "soun" && !info.hasAudio) {
    info.hasAudio = true;
    if (entry) {
      const format = String.fromCharCode(...bytes.subarray(entry.start - 4, entry.start));
      info.audioCodec = AUDIO_CODECS[format] ?? format.trim();
      // AudioSampleEntry: 8 bytes SampleEntry, 8 reserved, channels, sample size, 4 reserved, rate (16.16).
      if (entry.end - entry.start >= 28) {
        const v = view(bytes);
        info.channels = v.getUint16(entry.start + 16);
        info.sampleRate = v.getUint32(entry.start + 24) >>> 16;
      }
      if (format === "mp4a") Object.assign(info, aacConfig(bytes, entry));
    }
    if (info.duration === undefined && timescale > 0) info.duration = duration / timescale;
  }
}

export function parseMp4(bytes: Uint8Array): AvInfo {
  const moov = children(bytes, 0, bytes.length).find((b) => b.type === "moov");
  if (!moov) throw new AvError("the movie header (moov) is missing");
  const info: AvInfo = { hasVideo: false, hasAudio: false };
  const mvhd = child(bytes, moov, "mvhd");
  if (mvhd) {
    const v = view(bytes);
    const [timescale, duration] =
      fullBoxVersion(bytes, mvhd) === 1
        ? [v.getUint32(mvhd.start + 20), Number(v.getBigUint64(mvhd.start + 24))]
        : [v.getUint32(mvhd.start + 12), v.getUint32(mvhd.start + 16)];
    if (timescale > 0 && duration > 0) info.duration = duration / timescale;
  }
  for (const trak of children(bytes, moov.start, moov.end)) if (trak.type === "trak") readTrack(bytes, trak, info);
  if (!children(bytes, 0, bytes.length).some((b) => b.type === "mdat") && !child(bytes, root(bytes), "moof")) {
    throw new AvError("the media data (mdat) is missing");
  }
  const cover = coverArt(bytes, moov);
  if (cover) info.cover = cover;
  return info;
}
