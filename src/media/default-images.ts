/**
 * The default avatar and header every account without its own images points at (Mastodon's
 * `/avatars/original/missing.png` and `/headers/original/missing.png`). Clients need these to be real,
 * fetchable images: Tusky, Toot! and Ice Cubes fail on empty or broken avatar/header URLs.
 *
 * The images are single-colour PNGs encoded here, so the Worker ships no binary assets. Encoding
 * happens on first request per isolate, not at module scope, to keep start-up free.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";

interface Spec {
  width: number;
  height: number;
  rgb: readonly [number, number, number];
}

// Square avatar; 3:1 header, the ratio clients crop headers to. Solid colours scale without artefacts.
const AVATAR: Spec = { width: 120, height: 120, rgb: [0x9b, 0xa6, 0xb8] };
const HEADER: Spec = { width: 600, height: 200, rgb: [0x3c, 0x44, 0x56] };

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of bytes) crc = (crcTable[(crc ^ b) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC over type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** zlib-wrapped deflate, which is what PNG's IDAT holds and what CompressionStream("deflate") emits. */
async function zlibDeflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** An 8-bit RGB PNG filled with one colour. */
export async function solidPng(spec: Spec): Promise<Uint8Array> {
  const { width, height, rgb } = spec;
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: truecolour
  // compression, filter and interlace methods stay 0
  const stride = 1 + width * 3;
  const raw = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    // Each scanline starts with filter type 0 (None), left as the zero the array starts with.
    for (let x = 0; x < width; x++) raw.set(rgb, y * stride + 1 + x * 3);
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", await zlibDeflate(raw)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    png.set(p, offset);
    offset += p.length;
  }
  return png;
}

// Finished bytes only (never a pending promise): a promise started by one request must not be awaited
// by another in workerd. Two cold requests may both encode; the result is identical.
const encoded = new Map<Spec, Uint8Array>();

async function imageResponse(spec: Spec): Promise<Response> {
  let png = encoded.get(spec);
  if (!png) {
    png = await solidPng(spec);
    encoded.set(spec, png);
  }
  return new Response(png, {
    headers: {
      "Content-Type": "image/png",
      "Content-Length": String(png.length),
      "Cache-Control": "public, max-age=31536000, immutable",
      // Web clients may draw avatars onto canvases; the image is public anyway.
      "Access-Control-Allow-Origin": "*",
    },
  });
}

export const defaultImageRoutes = new Hono<AppEnv>();

defaultImageRoutes.get("/avatars/original/missing.png", () => imageResponse(AVATAR));
defaultImageRoutes.get("/headers/original/missing.png", () => imageResponse(HEADER));
