/**
 * Ogg (Vorbis, Opus, FLAC, Theora): the codec headers on the beginning-of-stream pages give rates,
 * channels and picture size; the granule position of each stream's last page gives the duration.
 */
import { AvError, type AvInfo, frameRateString, roundFps } from "./types";

interface Stream {
  serial: number;
  kind: "vorbis" | "opus" | "flac" | "theora";
  /** Granule units per second. */
  rate: number;
  preSkip: number;
  /** Theora's keyframe shift: granule = keyframe << shift | frames since it. */
  shift: number;
}

const ascii = (b: Uint8Array, from: number, length: number): string => String.fromCharCode(...b.subarray(from, from + length));

interface Page {
  headerType: number;
  granule: bigint;
  serial: number;
  dataStart: number;
  end: number;
}

function pageAt(b: Uint8Array, p: number): Page | undefined {
  if (p + 27 > b.length || ascii(b, p, 4) !== "OggS") return undefined;
  const v = new DataView(b.buffer, b.byteOffset + p);
  const segments = b[p + 26] as number;
  if (p + 27 + segments > b.length) return undefined;
  let size = 0;
  for (let i = 0; i < segments; i++) size += b[p + 27 + i] as number;
  const dataStart = p + 27 + segments;
  if (dataStart + size > b.length) return undefined;
  return {
    headerType: b[p + 5] as number,
    granule: v.getBigInt64(6, true),
    serial: v.getUint32(14, true),
    dataStart,
    end: dataStart + size,
  };
}

function identify(b: Uint8Array, page: Page, info: AvInfo): Stream | undefined {
  const d = page.dataStart;
  const v = new DataView(b.buffer, b.byteOffset + d, page.end - d);
  const base = { serial: page.serial, preSkip: 0, shift: 0 };
  if (ascii(b, d, 7) === "\x01vorbis" && v.byteLength >= 16) {
    setAudio(info, "vorbis", v.getUint32(12, true), b[d + 11] as number);
    return { ...base, kind: "vorbis", rate: v.getUint32(12, true) };
  }
  if (ascii(b, d, 8) === "OpusHead" && v.byteLength >= 16) {
    // Opus granules always count 48 kHz samples, whatever the input rate was.
    setAudio(info, "opus", 48000, b[d + 9] as number);
    return { ...base, kind: "opus", rate: 48000, preSkip: v.getUint16(10, true) };
  }
  if (ascii(b, d, 5) === "\x7fFLAC" && v.byteLength >= 17 + 18) {
    // Ogg FLAC: mapping header (9 bytes), "fLaC", then the STREAMINFO block (4-byte header + 34).
    const si = 9 + 4 + 4;
    const rate = (v.getUint32(si + 10) >>> 12) & 0xfffff;
    setAudio(info, "flac", rate, ((v.getUint8(si + 12) >> 1) & 7) + 1);
    return { ...base, kind: "flac", rate };
  }
  if (ascii(b, d, 7) === "\x80theora" && v.byteLength >= 42) {
    const width = (v.getUint16(14) << 8) | v.getUint8(16);
    const height = (v.getUint16(17) << 8) | v.getUint8(19);
    const num = v.getUint32(22);
    const den = v.getUint32(26);
    if (!info.hasVideo && num > 0 && den > 0) {
      Object.assign(info, { hasVideo: true, width, height, fps: roundFps(num / den), frameRate: frameRateString(num, den) });
    }
    return { ...base, kind: "theora", rate: den > 0 ? num / den : 0, shift: (v.getUint16(40) >> 5) & 31 };
  }
  return undefined;
}

function setAudio(info: AvInfo, codec: string, rate: number, channels: number): void {
  if (info.hasAudio) return;
  Object.assign(info, { hasAudio: true, audioCodec: codec, sampleRate: rate, channels });
}

/** Seconds a stream's granule position stands for. */
function granuleSeconds(stream: Stream, granule: bigint): number {
  if (granule < 0n || stream.rate <= 0) return 0;
  if (stream.kind === "theora") {
    const keyframe = Number(granule >> BigInt(stream.shift));
    const since = Number(granule & ((1n << BigInt(stream.shift)) - 1n));
    return (keyframe + since) / stream.rate;
  }
  return Math.max(0, Number(granule) - stream.preSkip) / stream.rate;
}

export function parseOgg(b: Uint8Array): AvInfo {
  const info: AvInfo = { hasVideo: false, hasAudio: false };
  const streams = new Map<number, Stream>();
  // Beginning-of-stream pages (header type bit 2) all come first, one per logical stream.
  for (let p = 0, page = pageAt(b, 0); page && page.headerType & 2; p = page.end, page = pageAt(b, p)) {
    const stream = identify(b, page, info);
    if (stream) streams.set(stream.serial, stream);
  }
  if (streams.size === 0) throw new AvError("no Vorbis, Opus, FLAC or Theora stream");
  // The last page of each stream carries its final granule; search backwards for page starts.
  let duration = 0;
  const seen = new Set<number>();
  for (let p = b.length - 27; p >= 0 && seen.size < streams.size; p--) {
    if (b[p] !== 0x4f || ascii(b, p, 4) !== "OggS") continue;
    const page = pageAt(b, p);
    const stream = page && streams.get(page.serial);
    if (!page || !stream || seen.has(page.serial) || page.granule < 0n) continue;
    seen.add(page.serial);
    duration = Math.max(duration, granuleSeconds(stream, page.granule));
  }
  if (duration > 0) info.duration = duration;
  return info;
}
