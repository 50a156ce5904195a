/**
 * Metadata removal for PNG and WebP originals (JPEG has its own, jpeg-exif.ts). Phones and editors put
 * EXIF, XMP and text chunks (locations, device names, software) into these too. Removing whole chunks
 * leaves the image data untouched.
 */

const fourcc = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const PNG_DROP = new Set(["eXIf", "tEXt", "iTXt", "zTXt", "tIME"]);

/** The PNG without EXIF, text and time chunks; the same bytes when it has none. */
export function stripPng(b: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [b.subarray(0, 8)];
  let dropped = false;
  let p = 8;
  while (p + 12 <= b.length) {
    const length = new DataView(b.buffer, b.byteOffset + p, 4).getUint32(0);
    const end = p + 12 + length;
    if (end > b.length) break;
    const type = fourcc(b, p + 4);
    if (PNG_DROP.has(type)) dropped = true;
    else parts.push(b.subarray(p, end));
    p = end;
    if (type === "IEND") break;
  }
  return dropped ? concat(parts) : b;
}

/** The WebP without EXIF and XMP chunks (and their VP8X flags); the same bytes when it has none. */
export function stripWebp(b: Uint8Array): Uint8Array {
  if (fourcc(b, 12) !== "VP8X") return b; // simple formats cannot carry metadata
  const parts: Uint8Array[] = [b.subarray(0, 12)];
  let dropped = false;
  let p = 12;
  while (p + 8 <= b.length) {
    const size = new DataView(b.buffer, b.byteOffset + p + 4, 4).getUint32(0, true);
    const end = Math.min(b.length, p + 8 + size + (size & 1)); // chunks are padded to even sizes
    const type = fourcc(b, p);
    if (type === "EXIF" || type === "XMP ") dropped = true;
    else parts.push(b.subarray(p, end));
    p = end;
  }
  if (!dropped) return b;
  const out = concat(parts);
  const v = new DataView(out.buffer);
  v.setUint32(4, out.length - 8, true);
  out[20] = (out[20] ?? 0) & ~0x0c; // clear the EXIF (0x08) and XMP (0x04) flags
  return out;
}

/**
 * The first frame of an animated WebP as a still WebP file, which libwebp's simple decoder (the one
 * jSquash exposes) can read; it refuses animations outright.
 */
export function webpFirstFrame(b: Uint8Array): Uint8Array | undefined {
  let p = 30; // past RIFF header (12) and the VP8X chunk (18)
  while (p + 8 <= b.length) {
    const size = new DataView(b.buffer, b.byteOffset + p + 4, 4).getUint32(0, true);
    if (fourcc(b, p) === "ANMF") {
      // ANMF: x, y (3 bytes each), width-1, height-1 (3 each), duration (3), flags (1), then chunks.
      const frame = b.subarray(p + 8 + 16, Math.min(b.length, p + 8 + size));
      const width = (b[p + 14] ?? 0) | ((b[p + 15] ?? 0) << 8) | ((b[p + 16] ?? 0) << 16);
      const height = (b[p + 17] ?? 0) | ((b[p + 18] ?? 0) << 8) | ((b[p + 19] ?? 0) << 16);
      const hasAlpha = fourcc(frame, 0) === "ALPH";
      const header = new Uint8Array(hasAlpha ? 30 : 12);
      header.set([0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50]); // RIFF....WEBP
      if (hasAlpha) {
        // An ALPH chunk is only legal in the extended format: VP8X with the alpha flag.
        header.set([0x56, 0x50, 0x38, 0x58, 10, 0, 0, 0, 0x10], 12);
        header.set([width & 0xff, (width >> 8) & 0xff, width >> 16, height & 0xff, (height >> 8) & 0xff, height >> 16], 24);
      }
      const out = concat([header, frame]);
      new DataView(out.buffer).setUint32(4, out.length - 8, true);
      return out;
    }
    p += 8 + size + (size & 1);
  }
  return undefined;
}
