/**
 * MP3: ID3v2 tag (skipped, but its APIC cover art is kept for the preview), then MPEG audio frames.
 * Duration comes from the Xing/Info or VBRI header when the encoder wrote one, else from walking every
 * frame header (4 bytes per ~400-byte frame: cheap even at the size limit, and exact for VBR).
 */
import { isMp3FrameHeader } from "../sniff";
import { AvError, type AvInfo } from "./types";

const BITRATES_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface Frame {
  length: number;
  sampleRate: number;
  samples: number;
  channels: number;
  /** Size of the side information, after which a Xing header would sit. */
  sideInfo: number;
}

function frameAt(b: Uint8Array, p: number): Frame | undefined {
  if (!isMp3FrameHeader(b, p)) return undefined;
  const version = ((b[p + 1] as number) >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
  const bitrate = ((version === 3 ? BITRATES_V1 : BITRATES_V2)[(b[p + 2] as number) >> 4] ?? 0) * 1000;
  const sampleRate = RATES[version]?.[((b[p + 2] as number) >> 2) & 3] ?? 0;
  if (bitrate === 0 || sampleRate === 0) return undefined;
  const padding = ((b[p + 2] as number) >> 1) & 1;
  const mono = (b[p + 3] as number) >> 6 === 3;
  const samples = version === 3 ? 1152 : 576;
  const length = Math.floor(((samples / 8) * bitrate) / sampleRate) + padding;
  const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  return { length, sampleRate, samples, channels: mono ? 1 : 2, sideInfo };
}

const syncsafe = (b: Uint8Array, p: number): number =>
  (((b[p] as number) & 0x7f) << 21) |
  (((b[p + 1] as number) & 0x7f) << 14) |
  (((b[p + 2] as number) & 0x7f) << 7) |
  ((b[p + 3] as number) & 0x7f);

const latin1 = (b: Uint8Array, from: number, to: number): string => String.fromCharCode(...b.subarray(from, to));

/** The picture of the first APIC (v2.3/2.4) or PIC (v2.2) frame. */
function id3Picture(b: Uint8Array, tagEnd: number): Uint8Array | undefined {
  const major = b[3] as number;
  const flags = b[5] as number;
  if (flags & 0x80) return undefined; // unsynchronised tags: rare, and the picture bytes are mangled
  let p = 10;
  if (flags & 0x40 && major >= 3) p += major === 4 ? syncsafe(b, p) : 4 + new DataView(b.buffer, b.byteOffset + p).getUint32(0);
  const idLength = major === 2 ? 3 : 4;
  const headerLength = major === 2 ? 6 : 10;
  while (p + headerLength <= tagEnd && b[p] !== 0) {
    const id = latin1(b, p, p + idLength);
    const size =
      major === 2
        ? ((b[p + 3] as number) << 16) | ((b[p + 4] as number) << 8) | (b[p + 5] as number)
        : major === 4
          ? syncsafe(b, p + 4)
          : new DataView(b.buffer, b.byteOffset + p + 4).getUint32(0);
    const start = p + headerLength;
    const end = start + size;
    if (end > tagEnd) return undefined;
    if (id === "APIC" || id === "PIC") {
      const encoding = b[start] as number;
      // APIC: encoding, MIME (NUL-terminated), picture type, description, data. PIC: 3-letter format.
      let q = id === "PIC" ? start + 4 : b.indexOf(0, start + 1) + 1;
      if (q <= 0) return undefined;
      q += 1; // picture type
      const wide = encoding === 1 || encoding === 2;
      while (q < end && (wide ? b[q] !== 0 || b[q + 1] !== 0 : b[q] !== 0)) q += wide ? 2 : 1;
      q += wide ? 2 : 1;
      return q < end ? b.subarray(q, end) : undefined;
    }
    p = end;
  }
  return undefined;
}

export function parseMp3(b: Uint8Array): AvInfo {
  const info: AvInfo = { hasVideo: false, hasAudio: true, audioCodec: "mp3" };
  let p = 0;
  if (latin1(b, 0, 3) === "ID3") {
    if (b.length < 10) throw new AvError("the file is truncated");
    const tagEnd = 10 + syncsafe(b, 6) + ((b[5] as number) & 0x10 ? 10 : 0);
    if (tagEnd > b.length) throw new AvError("the file is truncated");
    const cover = id3Picture(b, tagEnd);
    if (cover) info.cover = cover;
    p = tagEnd;
  }
  // Encoders may pad between the tag and the first frame.
  while (p < b.length && b[p] === 0) p++;
  const first = frameAt(b, p);
  if (!first) throw new AvError("no MPEG audio frame where the audio should start");
  info.sampleRate = first.sampleRate;
  info.channels = first.channels;
  const xing = p + 4 + first.sideInfo;
  const tag = latin1(b, xing, xing + 4);
  let frames: number | undefined;
  if ((tag === "Xing" || tag === "Info") && (b[xing + 7] as number) & 1) {
    frames = new DataView(b.buffer, b.byteOffset + xing + 8).getUint32(0);
  } else if (latin1(b, p + 36, p + 40) === "VBRI") {
    frames = new DataView(b.buffer, b.byteOffset + p + 50).getUint32(0);
  }
  if (frames === undefined) {
    frames = 0;
    for (let q = p; q < b.length; ) {
      const frame = frameAt(b, q);
      if (!frame) break;
      frames++;
      q += frame.length;
    }
  } else if (frameAt(b, p + first.length) === undefined && p + first.length < b.length) {
    throw new AvError("the audio frames are corrupt");
  }
  info.duration = (frames * first.samples) / first.sampleRate;
  return info;
}
