/**
 * Image dimensions from headers alone, read before anything is decoded: the decompression-bomb guard
 * (a 300-byte PNG may declare 100000×100000 pixels, 40 GB of RGBA) must run before a decoder allocates.
 */
import { BmffError, heifSize } from "./av/bmff";
import { JpegStructureError, readJpeg } from "./jpeg-exif";
import type { Family } from "./sniff";

export interface ImageHeader {
  /** Stored (coded) size; see `orientation` for display. */
  width: number;
  height: number;
  /** EXIF orientation (JPEG), 1 elsewhere. */
  orientation: number;
  animated: boolean;
  /** Progressive JPEG (decoding needs more memory). */
  progressive?: boolean;
}

/** The file is not a readable image of the format its bytes announce. */
export class ImageHeaderError extends Error {}

const u32be = (b: Uint8Array, at: number): number =>
  (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;
const u16le = (b: Uint8Array, at: number): number => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number): number => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32le = (b: Uint8Array, at: number): number => (u16le(b, at) | (u16le(b, at + 2) << 16)) >>> 0;
const fourcc = (b: Uint8Array, at: number): string =>
  String.fromCharCode(b[at] ?? 0, b[at + 1] ?? 0, b[at + 2] ?? 0, b[at + 3] ?? 0);

function pngHeader(b: Uint8Array): ImageHeader {
  if (b.length < 33 || fourcc(b, 12) !== "IHDR") throw new ImageHeaderError("the PNG header is missing");
  let animated = false;
  let sawImageData = false;
  let sawEnd = false;
  // Walk the chunks: an acTL before the image data makes an APNG; IEND must be there at the end.
  for (let p = 8; p + 8 <= b.length; ) {
    const length = u32be(b, p);
    const type = fourcc(b, p + 4);
    if (p + 12 + length > b.length) break;
    if (type === "acTL" && !sawImageData) animated = true;
    if (type === "IDAT") sawImageData = true;
    if (type === "IEND") {
      sawEnd = true;
      break;
    }
    p += 12 + length;
  }
  if (!sawImageData || !sawEnd) throw new ImageHeaderError("the image data is truncated");
  return { width: u32be(b, 16), height: u32be(b, 20), orientation: 1, animated };
}

function gifHeader(b: Uint8Array): ImageHeader {
  if (b.length < 13) throw new ImageHeaderError("the GIF header is truncated");
  // Animation is known once the frames are walked (gif.ts); the screen size is what matters here.
  return { width: u16le(b, 6), height: u16le(b, 8), orientation: 1, animated: false };
}

function webpHeader(b: Uint8Array): ImageHeader {
  if (8 + u32le(b, 4) > b.length) throw new ImageHeaderError("the image data is truncated");
  const chunk = fourcc(b, 12);
  if (chunk === "VP8 " && b.length >= 30) {
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) throw new ImageHeaderError("bad VP8 start code");
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, orientation: 1, animated: false };
  }
  if (chunk === "VP8L" && b.length >= 25) {
    if (b[20] !== 0x2f) throw new ImageHeaderError("bad VP8L signature");
    const bits = u32le(b, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, orientation: 1, animated: false };
  }
  if (chunk === "VP8X" && b.length >= 30) {
    return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, orientation: 1, animated: ((b[20] ?? 0) & 0x02) !== 0 };
  }
  throw new ImageHeaderError("the WebP header is not readable");
}

function heifHeader(b: Uint8Array): ImageHeader {
  let size: { width: number; height: number } | undefined;
  try {
    size = heifSize(b);
  } catch (e) {
    if (e instanceof BmffError) throw new ImageHeaderError(e.message);
    throw e;
  }
  if (!size) throw new ImageHeaderError("the image size is not declared");
  return { ...size, orientation: 1, animated: false };
}

/** Throws ImageHeaderError when the header is missing, cut short or declares a zero size. */
export function readImageHeader(bytes: Uint8Array, family: Family): ImageHeader {
  let header: ImageHeader;
  switch (family) {
    case "jpeg":
      try {
        const info = readJpeg(bytes);
        if (info.end === undefined) throw new ImageHeaderError("the image data is truncated");
        const { width, height, orientation, progressive } = info;
        header = { width, height, orientation, animated: false, progressive };
      } catch (e) {
        if (e instanceof JpegStructureError) throw new ImageHeaderError(e.message);
        throw e;
      }
      break;
    case "png":
      header = pngHeader(bytes);
      break;
    case "gif":
      header = gifHeader(bytes);
      break;
    case "webp":
      header = webpHeader(bytes);
      break;
    case "avif":
    case "heic":
      header = heifHeader(bytes);
      break;
    default:
      throw new ImageHeaderError(`${family} is not an image format`);
  }
  if (header.width === 0 || header.height === 0) throw new ImageHeaderError("the image has no pixels");
  return header;
}

/** Width and height as displayed: orientations 5–8 turn the picture a quarter. */
export function displaySize(header: ImageHeader): { width: number; height: number } {
  return header.orientation >= 5
    ? { width: header.height, height: header.width }
    : { width: header.width, height: header.height };
}

/**
 * Peak memory to decode, per pixel, measured for jSquash's builds (Emscripten heap + the RGBA copy
 * handed to JavaScript, which coexist for a moment): MozJPEG baseline 4.6 + 4 bytes, progressive
 * about 10.6 + 4 (it keeps all coefficients); the PNG, WebP and AVIF decoders likewise hold input,
 * output and working buffers; our GIF decoder needs the canvas and one index per pixel.
 */
const DECODE_BYTES_PER_PIXEL: Partial<Record<Family, number>> = { png: 9, gif: 5, webp: 9, avif: 10 };

export function decodeBytes(header: ImageHeader, family: Family): number {
  const perPixel = family === "jpeg" ? (header.progressive ? 14.6 : 8.6) : (DECODE_BYTES_PER_PIXEL[family] ?? 9);
  return Math.ceil(header.width * header.height * perPixel);
}
