/**
 * WebM / Matroska metadata from EBML: Segment → Info (TimecodeScale, Duration) and Tracks (type,
 * codec, DefaultDuration, pixel size, sampling rate, channels). Browser recordings (MediaRecorder)
 * often omit Duration and DefaultDuration; then the clusters' block timestamps are walked instead
 * (headers only, a few bytes per block).
 */
import { AvError, type AvInfo, frameRateString, roundFps } from "./types";

interface Element {
  id: number;
  start: number;
  end: number;
}

const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TRACKS = 0x1654ae6b;
const CLUSTER = 0x1f43b675;

/** An EBML variable-length integer: [value, length]. IDs keep their marker bit; sizes drop it. */
function vint(b: Uint8Array, p: number, isId: boolean): [number, number] {
  const first = b[p];
  if (first === undefined || first === 0) throw new AvError("bad EBML number");
  const length = Math.clz32(first) - 23;
  if (length > 8 || p + length > b.length) throw new AvError("the file is truncated");
  let value = isId ? first : first & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const byte = b[p + i] as number;
    value = value * 256 + byte;
    if (byte !== 0xff) allOnes = false;
  }
  // All value bits set means "unknown size" (live streams): the element runs to its parent's end.
  return [!isId && allOnes ? -1 : value, length];
}

function elements(b: Uint8Array, start: number, end: number): Element[] {
  const list: Element[] = [];
  let p = start;
  while (p < end) {
    const [id, idLength] = vint(b, p, true);
    const [size, sizeLength] = vint(b, p + idLength, false);
    const dataStart = p + idLength + sizeLength;
    const dataEnd = size < 0 ? end : dataStart + size;
    if (dataEnd > end) {
      // Clusters may be cut (a recording in progress); headers we need must be whole.
      if (id === CLUSTER) {
        list.push({ id, start: dataStart, end });
        break;
      }
      throw new AvError("the file is truncated");
    }
    list.push({ id, start: dataStart, end: dataEnd });
    // A cluster of unknown size ends where the next cluster begins; we stop at the first for headers.
    p = dataEnd;
  }
  return list;
}

function uint(b: Uint8Array, e: Element): number {
  let v = 0;
  for (let i = e.start; i < e.end; i++) v = v * 256 + (b[i] as number);
  return v;
}

function float(b: Uint8Array, e: Element): number {
  const v = new DataView(b.buffer, b.byteOffset + e.start, e.end - e.start);
  return e.end - e.start === 4 ? v.getFloat32(0) : e.end - e.start === 8 ? v.getFloat64(0) : 0;
}

const find = (b: Uint8Array, parent: Element, id: number): Element | undefined =>
  elements(b, parent.start, parent.end).find((e) => e.id === id);

interface Track {
  number: number;
  type: number;
  codec: string;
  defaultDuration?: number;
}

function readTracks(b: Uint8Array, tracks: Element, info: AvInfo): Track[] {
  const list: Track[] = [];
  for (const entry of elements(b, tracks.start, tracks.end)) {
    if (entry.id !== 0xae) continue;
    const track: Track = { number: 0, type: 0, codec: "" };
    for (const e of elements(b, entry.start, entry.end)) {
      if (e.id === 0xd7) track.number = uint(b, e);
      else if (e.id === 0x83) track.type = uint(b, e);
      else if (e.id === 0x86) track.codec = String.fromCharCode(...b.subarray(e.start, e.end));
      else if (e.id === 0x23e383) track.defaultDuration = uint(b, e);
      else if (e.id === 0xe0 && !info.hasVideo) {
        const w = find(b, e, 0x54b0) ?? find(b, e, 0xb0);
        const h = find(b, e, 0x54ba) ?? find(b, e, 0xba);
        if (w && h) {
          info.width = uint(b, w);
          info.height = uint(b, h);
        }
      } else if (e.id === 0xe1 && !info.hasAudio) {
        const rate = find(b, e, 0xb5);
        const channels = find(b, e, 0x9f);
        info.sampleRate = rate ? Math.round(float(b, rate)) : 8000; // Matroska's default
        info.channels = channels ? uint(b, channels) : 1;
      }
    }
    if (track.type === 1 && !info.hasVideo) info.hasVideo = true;
    if (track.type === 2 && !info.hasAudio) {
      info.hasAudio = true;
      info.audioCodec = track.codec.replace(/^A_/, "").toLowerCase();
    }
    list.push(track);
  }
  return list;
}

/** Walks cluster and block timestamps: [last timestamp in ticks, video frames seen]. */
function scanClusters(b: Uint8Array, segment: Element, videoTrack: number | undefined): [number, number] {
  let last = 0;
  let frames = 0;
  const block = (at: number, base: number) => {
    const [track, length] = vint(b, at, false);
    if (at + length + 2 > b.length) throw new AvError("the file is truncated");
    last = Math.max(last, base + new DataView(b.buffer, b.byteOffset + at + length, 2).getInt16(0));
    if (track === videoTrack) frames++;
  };
  let p = segment.start;
  try {
    while (p < segment.end) {
      const [id, il] = vint(b, p, true);
      const [size, sl] = vint(b, p + il, false);
      const start = p + il + sl;
      const end = size < 0 || start + size > segment.end ? segment.end : start + size;
      if (id !== CLUSTER) {
        p = end;
        continue;
      }
      let base = 0;
      let q = start;
      while (q < end) {
        const [cid, cl] = vint(b, q, true);
        if (cid === CLUSTER) break; // the next cluster, after one of unknown size
        const [csize, csl] = vint(b, q + cl, false);
        const inner: Element = { id: cid, start: q + cl + csl, end: csize < 0 ? end : Math.min(end, q + cl + csl + csize) };
        if (cid === 0xe7) base = uint(b, inner);
        else if (cid === 0xa3) block(inner.start, base);
        else if (cid === 0xa0) {
          const inside = elements(b, inner.start, inner.end).find((e) => e.id === 0xa1);
          if (inside) block(inside.start, base);
        }
        q = inner.end;
      }
      p = q;
    }
  } catch (e) {
    // A recording cut short still has the blocks read so far; anything else is a bug.
    if (!(e instanceof AvError)) throw e;
  }
  return [last, frames];
}

export function parseWebm(bytes: Uint8Array): AvInfo {
  const top = elements(bytes, 0, bytes.length);
  const segment = top.find((e) => e.id === SEGMENT);
  if (!segment) throw new AvError("no Matroska segment");
  const info: AvInfo = { hasVideo: false, hasAudio: false };
  let scale = 1_000_000; // nanoseconds per tick
  let tracks: Track[] = [];
  let duration: number | undefined;
  // Headers come before the first cluster; stop there rather than walking the media.
  let p = segment.start;
  while (p < segment.end) {
    const [id, idLength] = vint(bytes, p, true);
    if (id === CLUSTER) break;
    const [size, sizeLength] = vint(bytes, p + idLength, false);
    const e: Element = { id, start: p + idLength + sizeLength, end: p + idLength + sizeLength + Math.max(0, size) };
    if (e.end > segment.end) throw new AvError("the file is truncated");
    if (id === INFO) {
      for (const c of elements(bytes, e.start, e.end)) {
        if (c.id === 0x2ad7b1) scale = uint(bytes, c);
        else if (c.id === 0x4489) duration = float(bytes, c);
      }
    } else if (id === TRACKS) {
      tracks = readTracks(bytes, e, info);
    }
    p = e.end;
  }
  if (!info.hasVideo && !info.hasAudio) throw new AvError("no audio or video track");
  const video = tracks.find((t) => t.type === 1);
  if (duration !== undefined && duration > 0) info.duration = (duration * scale) / 1e9;
  if (video?.defaultDuration) {
    info.fps = roundFps(1e9 / video.defaultDuration);
    info.frameRate = frameRateString(1e9, video.defaultDuration);
  }
  if (info.duration === undefined || (info.hasVideo && info.fps === undefined)) {
    const [last, frames] = scanClusters(bytes, segment, video?.number);
    if (info.duration === undefined && last > 0) info.duration = (last * scale) / 1e9;
    if (info.hasVideo && info.fps === undefined && frames > 1 && info.duration) {
      info.fps = roundFps((frames - 1) / info.duration);
      info.frameRate = frameRateString(info.fps * 100, 100);
    }
  }
  return info;
}
