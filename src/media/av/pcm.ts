/** WAV (RIFF fmt/data), FLAC (STREAMINFO, PICTURE) and ADTS AAC (frame walk) metadata. */
import { AvError, type AvInfo } from "./types";

export function parseWav(b: Uint8Array): AvInfo {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let byteRate = 0;
  let dataSize: number | undefined;
  const info: AvInfo = { hasVideo: false, hasAudio: true };
  for (let p = 12; p + 8 <= b.length; ) {
    const id = String.fromCharCode(...b.subarray(p, p + 4));
    const size = v.getUint32(p + 4, true);
    if (id === "fmt " && size >= 16 && p + 24 <= b.length) {
      const format = v.getUint16(p + 8, true);
      info.audioCodec = format === 1 || format === 0xfffe ? "pcm" : format === 3 ? "pcm_float" : `wav_${format}`;
      info.channels = v.getUint16(p + 10, true);
      info.sampleRate = v.getUint32(p + 12, true);
      byteRate = v.getUint32(p + 16, true);
    } else if (id === "data") {
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: then the data runs to the end.
      const available = b.length - (p + 8);
      dataSize = size === 0 || size === 0xffffffff ? available : size;
      if (dataSize > available) throw new AvError("the audio data is truncated");
      break;
    }
    p += 8 + size + (size & 1);
  }
  if (info.sampleRate === undefined || dataSize === undefined) throw new AvError("the fmt or data chunk is missing");
  if (byteRate > 0) info.duration = dataSize / byteRate;
  return info;
}

export function parseFlac(b: Uint8Array): AvInfo {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const info: AvInfo = { hasVideo: false, hasAudio: true, audioCodec: "flac" };
  let p = 4;
  let streamInfo = false;
  for (let last = false; !last && p + 4 <= b.length; ) {
    const header = b[p] as number;
    last = (header & 0x80) !== 0;
    const type = header & 0x7f;
    const length = ((b[p + 1] as number) << 16) | ((b[p + 2] as number) << 8) | (b[p + 3] as number);
    const start = p + 4;
    if (start + length > b.length) throw new AvError("the metadata is truncated");
    if (type === 0 && length >= 34) {
      // 20 bits rate, 3 bits channels-1, 5 bits depth-1, 36 bits total samples.
      const rate = v.getUint32(start + 10) >>> 12;
      const channels = ((v.getUint8(start + 12) >> 1) & 7) + 1;
      const total = (v.getUint8(start + 13) & 0x0f) * 2 ** 32 + v.getUint32(start + 14);
      Object.assign(info, { sampleRate: rate, channels });
      if (rate > 0 && total > 0) info.duration = total / rate;
      streamInfo = true;
    } else if (type === 6 && !info.cover) {
      // PICTURE: type, MIME length + MIME, description length + text, 4 × u32 geometry, data length, data.
      let q = start + 4;
      q += 4 + v.getUint32(q);
      q += 4 + v.getUint32(q);
      q += 16;
      const size = v.getUint32(q);
      if (q + 4 + size <= start + length) info.cover = b.subarray(q + 4, q + 4 + size);
    }
    p = start + length;
  }
  if (!streamInfo) throw new AvError("STREAMINFO is missing");
  if (p >= b.length) throw new AvError("no audio frames");
  return info;
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

export function parseAac(b: Uint8Array): AvInfo {
  let frames = 0;
  let rate = 0;
  let channels = 0;
  let p = 0;
  while (p + 7 <= b.length && b[p] === 0xff && ((b[p + 1] as number) & 0xf6) === 0xf0) {
    rate = AAC_RATES[((b[p + 2] as number) >> 2) & 0x0f] ?? 0;
    channels = (((b[p + 2] as number) & 1) << 2) | ((b[p + 3] as number) >> 6);
    const length = (((b[p + 3] as number) & 3) << 11) | ((b[p + 4] as number) << 3) | ((b[p + 5] as number) >> 5);
    if (length < 7) break;
    frames++;
    p += length;
  }
  if (frames === 0 || rate === 0) throw new AvError("no AAC frames");
  return { hasVideo: false, hasAudio: true, audioCodec: "aac", sampleRate: rate, channels, duration: (frames * 1024) / rate };
}
