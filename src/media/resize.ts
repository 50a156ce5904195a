/**
 * Pixel work on decoded RGBA: area-average downscaling, EXIF orientation, centre crop.
 *
 * The downscaler streams source rows through two small accumulators instead of holding an
 * intermediate image: a 12-megapixel source costs a few kilobytes of extra memory, not 50 MB, which
 * matters in a 128 MB isolate that already holds the decoded picture. Colour is averaged premultiplied
 * by alpha so transparent pixels do not darken the edges of what they surround.
 */
import type { Rgba } from "./codecs";

/** The largest size within `maxPixels` (and within the source: never upscaled) keeping the aspect. */
export function fitPixels(width: number, height: number, maxPixels: number): { width: number; height: number } {
  if (width * height <= maxPixels) return { width, height };
  const scale = Math.sqrt(maxPixels / (width * height));
  return { width: Math.max(1, Math.floor(width * scale)), height: Math.max(1, Math.floor(height * scale)) };
}

/** Fits within a box (never upscaled), keeping the aspect. */
export function fitBox(width: number, height: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Per source column: the destination column it starts in and the share of it that falls there. */
function columnSpans(src: number, dst: number): { index: Int32Array; share: Float64Array } {
  const index = new Int32Array(src);
  const share = new Float64Array(src);
  const step = dst / src; // < 1 when downscaling: one source column covers `step` of a dest column
  for (let x = 0; x < src; x++) {
    const start = x * step;
    const d = Math.floor(start);
    const boundary = d + 1;
    index[x] = d;
    // Part of the column that lies before the next dest boundary (all of it, unless it straddles one).
    share[x] = start + step <= boundary ? 1 : (boundary - start) / step;
  }
  return { index, share };
}

/**
 * The pixels as one 32-bit word each (little-endian: red in the low byte), copying only if the view
 * would be unaligned. Signed on purpose: V8 keeps int32 values unboxed, while a Uint32Array element
 * with alpha ≥ 128 is above 2³¹ and becomes a heap number, several times slower in these loops.
 */
function words(image: Rgba): Int32Array {
  const d = image.data;
  const aligned = d.byteOffset % 4 === 0 ? d : new Uint8Array(d);
  return new Int32Array(aligned.buffer, aligned.byteOffset, image.width * image.height);
}

/**
 * Shrinks by a whole factor `k` in both directions: each output pixel averages a k×k block (fewer at
 * the right and bottom edges). Integer blocks need no weights, so this pass is a few adds per source
 * pixel; it takes a 12-megapixel photo down to near preview size before the exact pass below.
 */
function shrinkBy(src: Rgba, k: number): Rgba {
  const { width: sw, height: sh } = src;
  const width = Math.ceil(sw / k);
  const height = Math.ceil(sh / k);
  const s = words(src);
  const acc = new Float64Array(width * 4); // premultiplied r, g, b and alpha sums of one block row
  // Clamped arrays round and clamp on store, natively: much cheaper than Math.round per channel.
  const out = new Uint8ClampedArray(width * height * 4);
  for (let by = 0; by < height; by++) {
    acc.fill(0);
    const y1 = Math.min(sh, (by + 1) * k);
    for (let y = by * k; y < y1; y++) {
      let i = y * sw;
      for (let bx = 0, o = 0; bx < width; bx++, o += 4) {
        const x1 = Math.min(sw, (bx + 1) * k) + y * sw;
        let r = 0;
        let g = 0;
        let b = 0;
        let a = 0;
        for (; i < x1; i++) {
          const v = s[i] as number;
          const alpha = v >>> 24;
          r += (v & 0xff) * alpha;
          g += ((v >>> 8) & 0xff) * alpha;
          b += ((v >>> 16) & 0xff) * alpha;
          a += alpha;
        }
        acc[o] = (acc[o] as number) + r;
        acc[o + 1] = (acc[o + 1] as number) + g;
        acc[o + 2] = (acc[o + 2] as number) + b;
        acc[o + 3] = (acc[o + 3] as number) + a;
      }
    }
    const rows = y1 - by * k;
    for (let bx = 0, o = 0; bx < width; bx++, o += 4) {
      const a = acc[o + 3] as number;
      if (a === 0) continue;
      const p = (by * width + bx) * 4;
      const count = (Math.min(sw, (bx + 1) * k) - bx * k) * rows;
      out[p] = (acc[o] as number) / a;
      out[p + 1] = (acc[o + 1] as number) / a;
      out[p + 2] = (acc[o + 2] as number) / a;
      out[p + 3] = a / count;
    }
  }
  return { data: out, width, height };
}

/** Area-average downscale to exactly `width`×`height` (each no larger than the source's). */
export function downscale(src: Rgba, width: number, height: number): Rgba {
  // Large reductions go through whole-factor blocks first, keeping at least the target size.
  const k = Math.min(Math.floor(src.width / width), Math.floor(src.height / height));
  if (k >= 2) return exactDownscale(shrinkBy(src, k), width, height);
  return exactDownscale(src, width, height);
}

/** Area-average downscale with fractional pixel coverage (for reductions under 2×, or after shrinkBy). */
function exactDownscale(src: Rgba, width: number, height: number): Rgba {
  const sw = src.width;
  const sh = src.height;
  if (width === sw && height === sh) return { data: new Uint8Array(src.data), width, height };
  const s = words(src);
  const { index: colIndex, share: colShare } = columnSpans(sw, width);
  const rows = columnSpans(sh, height);
  const line = new Float64Array(width * 4 + 4); // one source row, scaled horizontally (premultiplied)
  let acc = new Float64Array(width * 4); // the dest row being filled
  let spill = new Float64Array(width * 4); // the next dest row, for source rows straddling a boundary
  const out = new Uint8ClampedArray(width * height * 4);
  const norm = (width / sw) * (height / sh); // each source pixel's weight in a dest pixel's area
  for (let y = 0; y < sh; y++) {
    line.fill(0);
    const row = y * sw;
    for (let x = 0; x < sw; x++) {
      const v = s[row + x] as number;
      const a = v >>> 24;
      if (a === 0) continue;
      const r = (v & 0xff) * a;
      const g = ((v >>> 8) & 0xff) * a;
      const b = ((v >>> 16) & 0xff) * a;
      const d = (colIndex[x] as number) << 2;
      const w0 = colShare[x] as number;
      // Branch-free: the share past the boundary is 0 for columns that do not straddle one (the
      // line has one spare pixel for the last column), which is faster than predicting which do.
      const w1 = 1 - w0;
      line[d] = (line[d] as number) + r * w0;
      line[d + 1] = (line[d + 1] as number) + g * w0;
      line[d + 2] = (line[d + 2] as number) + b * w0;
      line[d + 3] = (line[d + 3] as number) + a * w0;
      line[d + 4] = (line[d + 4] as number) + r * w1;
      line[d + 5] = (line[d + 5] as number) + g * w1;
      line[d + 6] = (line[d + 6] as number) + b * w1;
      line[d + 7] = (line[d + 7] as number) + a * w1;
    }
    const dy = rows.index[y] as number;
    const h0 = rows.share[y] as number;
    for (let i = 0; i < width * 4; i++) {
      const v = line[i] as number;
      acc[i] = (acc[i] as number) + v * h0;
      if (h0 < 1) spill[i] = (spill[i] as number) + v * (1 - h0);
    }
    // The dest row is complete when the next source row starts in a later one (or at the end).
    const nextRow = y + 1 < sh ? (rows.index[y + 1] as number) : height;
    if (nextRow !== dy) {
      emit(acc, out, dy, width, norm);
      [acc, spill] = [spill, acc];
      spill.fill(0);
    }
  }
  return { data: out, width, height };
}

/** Writes one accumulated row, dividing out the premultiplied alpha. */
function emit(acc: Float64Array, out: Uint8ClampedArray, row: number, width: number, norm: number): void {
  if (row >= out.length / (width * 4)) return;
  let o = row * width * 4;
  for (let i = 0; i < acc.length; i += 4, o += 4) {
    const a = (acc[i + 3] as number) * norm;
    if (a <= 0) continue; // stays transparent black
    const inv = norm / a;
    out[o] = (acc[i] as number) * inv;
    out[o + 1] = (acc[i + 1] as number) * inv;
    out[o + 2] = (acc[i + 2] as number) * inv;
    out[o + 3] = a;
  }
}

/** Turns stored pixels into displayed ones for EXIF orientations 2–8. */
export function orient(src: Rgba, orientation: number): Rgba {
  if (orientation <= 1 || orientation > 8) return src;
  const { width: w, height: h } = src;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(w * h * 4);
  const s = words(src);
  const d = new Int32Array(out.buffer);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let tx: number;
      let ty: number;
      switch (orientation) {
        case 2:
          [tx, ty] = [w - 1 - x, y];
          break; // mirror
        case 3:
          [tx, ty] = [w - 1 - x, h - 1 - y];
          break; // 180°
        case 4:
          [tx, ty] = [x, h - 1 - y];
          break; // flip
        case 5:
          [tx, ty] = [y, x];
          break; // transpose
        case 6:
          [tx, ty] = [h - 1 - y, x];
          break; // 90° clockwise
        case 7:
          [tx, ty] = [h - 1 - y, w - 1 - x];
          break; // transverse
        default:
          [tx, ty] = [y, w - 1 - x];
          break; // 8: 90° counter-clockwise
      }
      d[ty * ow + tx] = s[y * w + x] as number;
    }
  }
  return { data: out, width: ow, height: oh };
}

/** The centred part of the image with the given aspect ratio (width / height). */
export function cropToAspect(src: Rgba, aspect: number): Rgba {
  const { width: w, height: h } = src;
  const cw = Math.min(w, Math.round(h * aspect));
  const ch = Math.min(h, Math.round(w / aspect));
  if (cw === w && ch === h) return src;
  const left = Math.floor((w - cw) / 2);
  const top = Math.floor((h - ch) / 2);
  const out = new Uint8Array(cw * ch * 4);
  for (let y = 0; y < ch; y++) {
    const from = ((top + y) * w + left) * 4;
    out.set(src.data.subarray(from, from + cw * 4), y * cw * 4);
  }
  return { data: out, width: cw, height: ch };
}

/** True when some pixel is not fully opaque (decides PNG over JPEG for previews). */
export function hasTransparency(image: Rgba): boolean {
  const d = image.data;
  for (let i = 3; i < d.length; i += 4) if ((d[i] as number) < 255) return true;
  return false;
}
