/**
 * GIF: the first frame as RGBA (for the preview and blurhash) and the frame count (animated or not).
 * A small LZW decoder of our own: GIF is simple, and no WASM codec is worth its weight for one frame.
 * The stored original stays the uploaded file, so animation is kept.
 */
import type { Rgba } from "./codecs";

export class GifError extends Error {}

export interface GifResult {
  first: Rgba;
  frames: number;
}

/** Reads the data sub-blocks starting at `p`; returns their concatenation and the offset past them. */
function subBlocks(b: Uint8Array, p: number, collect: boolean): { data: Uint8Array; next: number } {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const size = b[p];
    if (size === undefined) throw new GifError("the image data is truncated");
    p += 1;
    if (size === 0) break;
    if (p + size > b.length) throw new GifError("the image data is truncated");
    if (collect) {
      parts.push(b.subarray(p, p + size));
      total += size;
    }
    p += size;
  }
  const data = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    data.set(part, o);
    o += part.length;
  }
  return { data, next: p };
}

/** Variable-width LZW as GIF uses it; fills `out` with palette indexes and stops when it is full. */
function lzw(data: Uint8Array, minCodeSize: number, out: Uint8Array): void {
  if (minCodeSize < 2 || minCodeSize > 8) throw new GifError("bad LZW code size");
  const clear = 1 << minCodeSize;
  const eoi = clear + 1;
  const prefix = new Int16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const stack = new Uint8Array(4097);
  for (let i = 0; i < clear; i++) {
    suffix[i] = i;
    first[i] = i;
    prefix[i] = -1;
  }
  let size = minCodeSize + 1;
  let next = eoi + 1;
  let old = -1;
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < data.length && o < out.length; ) {
    while (bits < size && i < data.length) {
      acc |= (data[i++] as number) << bits;
      bits += 8;
    }
    if (bits < size) break;
    const code = acc & ((1 << size) - 1);
    acc >>>= size;
    bits -= size;
    if (code === clear) {
      size = minCodeSize + 1;
      next = eoi + 1;
      old = -1;
      continue;
    }
    if (code === eoi) break;
    let c = code;
    let sp = 0;
    if (old === -1) {
      if (code >= clear) throw new GifError("corrupt LZW data");
      out[o++] = code;
      old = code;
      continue;
    }
    if (code > next || (code === next && next >= 4096)) throw new GifError("corrupt LZW data");
    if (code === next) {
      // The KwKwK case: the new string is the old one plus its own first character.
      stack[sp++] = first[old] as number;
      c = old;
    }
    while (c >= clear) {
      stack[sp++] = suffix[c] as number;
      c = prefix[c] as number;
    }
    stack[sp++] = c;
    if (next < 4096) {
      prefix[next] = old;
      suffix[next] = c;
      first[next] = first[old] as number;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    while (sp > 0 && o < out.length) out[o++] = stack[--sp] as number;
    old = code;
  }
  if (o < out.length) throw new GifError("the image data is truncated");
}

/** Rows of an interlaced frame arrive in four passes; this maps pass order back to row order. */
function deinterlace(indexes: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(indexes.length);
  let row = 0;
  for (const [start, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const) {
    for (let y = start; y < height; y += step) {
      out.set(indexes.subarray(row * width, (row + 1) * width), y * width);
      row++;
    }
  }
  return out;
}

/** Decodes the first frame onto a transparent canvas of the logical screen size and counts frames. */
export function decodeGif(b: Uint8Array, maxPixels: number): GifResult {
  const width = (b[6] ?? 0) | ((b[7] ?? 0) << 8);
  const height = (b[8] ?? 0) | ((b[9] ?? 0) << 8);
  if (width * height === 0 || width * height > maxPixels) throw new GifError("bad screen size");
  const packed = b[10] ?? 0;
  let p = 13;
  let globalPalette: Uint8Array | undefined;
  if (packed & 0x80) {
    const n = 3 << ((packed & 7) + 1);
    if (p + n > b.length) throw new GifError("the image data is truncated");
    globalPalette = b.subarray(p, p + n);
    p += n;
  }
  const canvas = new Uint8Array(width * height * 4);
  let frames = 0;
  let transparent = -1;
  while (p < b.length) {
    const block = b[p];
    if (block === 0x3b) break; // trailer
    if (block === 0x21) {
      const label = b[p + 1];
      if (label === 0xf9 && b[p + 2] === 4 && frames === 0) transparent = (b[p + 3] ?? 0) & 1 ? (b[p + 6] ?? -1) : -1;
      p = subBlocks(b, p + 2, false).next;
      continue;
    }
    if (block !== 0x2c) throw new GifError("unknown block");
    if (p + 10 > b.length) throw new GifError("the image data is truncated");
    const left = (b[p + 1] ?? 0) | ((b[p + 2] ?? 0) << 8);
    const top = (b[p + 3] ?? 0) | ((b[p + 4] ?? 0) << 8);
    const fw = (b[p + 5] ?? 0) | ((b[p + 6] ?? 0) << 8);
    const fh = (b[p + 7] ?? 0) | ((b[p + 8] ?? 0) << 8);
    const flags = b[p + 9] ?? 0;
    p += 10;
    let palette = globalPalette;
    if (flags & 0x80) {
      const n = 3 << ((flags & 7) + 1);
      if (p + n > b.length) throw new GifError("the image data is truncated");
      palette = b.subarray(p, p + n);
      p += n;
    }
    const minCodeSize = b[p] ?? 0;
    const { data, next } = subBlocks(b, p + 1, frames === 0);
    p = next;
    if (frames === 0) {
      if (!palette) throw new GifError("no colour table");
      if (fw * fh > maxPixels) throw new GifError("bad frame size");
      let indexes: Uint8Array = new Uint8Array(fw * fh);
      lzw(data, minCodeSize, indexes);
      if (flags & 0x40) indexes = deinterlace(indexes, fw, fh);
      paint(canvas, width, height, indexes, { left, top, width: fw, height: fh }, palette, transparent);
    }
    frames++;
  }
  if (frames === 0) throw new GifError("no image in the file");
  return { first: { data: canvas, width, height }, frames };
}

function paint(
  canvas: Uint8Array,
  width: number,
  height: number,
  indexes: Uint8Array,
  frame: { left: number; top: number; width: number; height: number },
  palette: Uint8Array,
  transparent: number,
): void {
  for (let y = 0; y < frame.height; y++) {
    const cy = frame.top + y;
    if (cy >= height) break;
    for (let x = 0; x < frame.width; x++) {
      const cx = frame.left + x;
      if (cx >= width) break;
      const index = indexes[y * frame.width + x] as number;
      if (index === transparent || index * 3 + 2 >= palette.length) continue;
      const o = (cy * width + cx) * 4;
      canvas[o] = palette[index * 3] as number;
      canvas[o + 1] = palette[index * 3 + 1] as number;
      canvas[o + 2] = palette[index * 3 + 2] as number;
      canvas[o + 3] = 255;
    }
  }
}
