/**
 * JPEG structure without decoding pixels: dimensions from the frame header (checked before any decode,
 * so a 65535×65535 "bomb" costs nothing), EXIF orientation, completeness, and a metadata-stripped copy
 * of the original.
 *
 * Stripping is lossless: segments are dropped, the entropy-coded image is copied byte for byte. Camera
 * metadata (EXIF with GPS, XMP, IPTC, maker notes, comments, multi-picture indexes, and anything after
 * the end-of-image marker, such as the video of a "motion photo") goes. What is kept is what decoding
 * needs (tables, frame and scan headers, JFIF, Adobe colour transform, ICC profile) plus a minimal EXIF
 * holding only the orientation, since without it phones' portrait photos would show sideways.
 */

export interface JpegInfo {
  width: number;
  height: number;
  /** EXIF orientation 1–8; 1 when absent. 5–8 swap width and height for display. */
  orientation: number;
  /** Progressive (SOF2/6/10/14): decoders then hold every coefficient of the image in memory. */
  progressive: boolean;
  /** Offset of the first SOS marker. */
  scanStart: number;
  /** Offset just past the EOI marker, or undefined when the file ends before it. */
  end: number | undefined;
}

export class JpegStructureError extends Error {}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

interface Segment {
  marker: number;
  /** Offset of the 0xFF that starts the marker. */
  start: number;
  /** Offset just past the segment. */
  end: number;
  payloadStart: number;
}

/** The marker segments from SOI to the first SOS (inclusive). */
function segments(bytes: Uint8Array): Segment[] {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new JpegStructureError("not a JPEG");
  const list: Segment[] = [];
  let p = 2;
  while (p < bytes.length) {
    if (bytes[p] !== 0xff) throw new JpegStructureError("marker expected");
    // Any number of 0xFF fill bytes may precede a marker.
    while (bytes[p + 1] === 0xff) p++;
    const marker = bytes[p + 1];
    if (marker === undefined) break;
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      p += 2;
      continue;
    }
    if (marker === 0xd9) throw new JpegStructureError("image ends before its first scan");
    if (p + 4 > bytes.length) break;
    const length = ((bytes[p + 2] as number) << 8) | (bytes[p + 3] as number);
    if (length < 2) throw new JpegStructureError("bad segment length");
    const end = p + 2 + length;
    if (end > bytes.length) break;
    list.push({ marker, start: p, end, payloadStart: p + 4 });
    if (marker === 0xda) return list;
    p = end;
  }
  throw new JpegStructureError("the image data is truncated");
}

function startsWithAscii(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Orientation from an APP1 Exif payload (TIFF IFD0 tag 0x0112), 1 when absent or unreadable. */
function exifOrientation(bytes: Uint8Array, start: number, end: number): number {
  const tiff = start + 6;
  if (end - tiff < 8) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset + tiff, end - tiff);
  const little = bytes[tiff] === 0x49;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > view.byteLength) return 1;
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > view.byteLength) return 1;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/** Reads the structure; throws `JpegStructureError` for anything a decoder would choke on. */
export function readJpeg(bytes: Uint8Array): JpegInfo {
  let width = 0;
  let height = 0;
  let orientation = 1;
  let progressive = false;
  let scanStart = -1;
  for (const seg of segments(bytes)) {
    if (SOF.has(seg.marker) && seg.end - seg.payloadStart >= 5) {
      height = ((bytes[seg.payloadStart + 1] as number) << 8) | (bytes[seg.payloadStart + 2] as number);
      width = ((bytes[seg.payloadStart + 3] as number) << 8) | (bytes[seg.payloadStart + 4] as number);
      progressive = (seg.marker & 0x03) === 0x02;
    } else if (seg.marker === 0xe1 && startsWithAscii(bytes, seg.payloadStart, "Exif\0\0") && orientation === 1) {
      orientation = exifOrientation(bytes, seg.payloadStart, seg.end);
    } else if (seg.marker === 0xda) {
      scanStart = seg.start;
    }
  }
  if (width === 0 || height === 0) throw new JpegStructureError("no frame size (or a size of zero)");
  return { width, height, orientation, progressive, scanStart, end: findEnd(bytes, scanStart) };
}

/**
 * Past the EOI marker. Inside entropy-coded data every 0xFF is stuffed (FF 00) or a restart marker,
 * so the first FF D9 after the first scan is the end of the image. A file cut short has none, which
 * decoders would quietly paint grey.
 */
function findEnd(bytes: Uint8Array, from: number): number | undefined {
  let p = bytes.indexOf(0xff, from + 2);
  while (p >= 0 && p + 1 < bytes.length) {
    if (bytes[p + 1] === 0xd9) return p + 2;
    p = bytes.indexOf(0xff, p + 1);
  }
  return undefined;
}

/** A minimal big-endian EXIF block that says only the orientation. */
function orientationExif(orientation: number): Uint8Array {
  const payload = new Uint8Array(32);
  payload.set([0x45, 0x78, 0x69, 0x66, 0, 0]); // "Exif\0\0"
  const v = new DataView(payload.buffer);
  payload.set([0x4d, 0x4d, 0x00, 0x2a], 6); // "MM", 42
  v.setUint32(10, 8); // IFD0 right after the header
  v.setUint16(14, 1); // one entry
  v.setUint16(16, 0x0112); // Orientation
  v.setUint16(18, 3); // SHORT
  v.setUint32(20, 1); // count
  v.setUint16(24, orientation);
  v.setUint32(28, 0); // no next IFD
  const seg = new Uint8Array(4 + payload.length);
  seg.set([0xff, 0xe1, 0, payload.length + 2]);
  seg.set(payload, 4);
  return seg;
}

/** Which segments before the scan survive. */
function keep(bytes: Uint8Array, seg: Segment): boolean {
  const m = seg.marker;
  if (m < 0xe0 || m > 0xef) return m !== 0xfe; // tables, frame, restart interval: yes; comments: no
  if (m === 0xe0) return startsWithAscii(bytes, seg.payloadStart, "JFIF\0") || startsWithAscii(bytes, seg.payloadStart, "JFXX\0");
  if (m === 0xe2) return startsWithAscii(bytes, seg.payloadStart, "ICC_PROFILE\0");
  if (m === 0xee) return startsWithAscii(bytes, seg.payloadStart, "Adobe");
  return false;
}

/** The original without camera metadata; `info` must come from `readJpeg(bytes)` with `end` set. */
export function stripJpegMetadata(bytes: Uint8Array, info: JpegInfo): Uint8Array {
  const end = info.end ?? bytes.length;
  const parts: Uint8Array[] = [bytes.subarray(0, 2)];
  let insertedExif = info.orientation === 1;
  for (const seg of segments(bytes)) {
    if (seg.marker === 0xda) break;
    if (!keep(bytes, seg)) continue;
    // EXIF goes after JFIF when there is one (the order both specifications expect), else first.
    if (!insertedExif && seg.marker !== 0xe0) {
      parts.push(orientationExif(info.orientation));
      insertedExif = true;
    }
    parts.push(bytes.subarray(seg.start, seg.end));
  }
  if (!insertedExif) parts.push(orientationExif(info.orientation));
  parts.push(bytes.subarray(info.scanStart, end));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
