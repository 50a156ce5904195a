/**
 * Still images: header check (decompression-bomb guard) → WASM decode → small version (area-average
 * downscale, then EXIF orientation) → blurhash → preview encode; plus the original with its metadata
 * stripped. Everything runs inside the request: ~0.4 s of CPU for a 12-megapixel JPEG (see
 * bench/media), well within a paid Worker's CPU limit, so uploads answer 200 with the final entity.
 */
import { blurhashOf } from "./blurhash";
import { CodecError, type Codecs, type Rgba } from "./codecs";
import { tooManyPixels, unprocessable } from "./errors";
import { decodeGif, GifError } from "./gif";
import { decodeBytes, displaySize, type ImageHeader, ImageHeaderError, readImageHeader } from "./image-info";
import { readJpeg, stripJpegMetadata } from "./jpeg-exif";
import { downscale, fitPixels, hasTransparency, orient } from "./resize";
import type { Family } from "./sniff";
import { stripPng, stripWebp, webpFirstFrame } from "./strip";

/** Mastodon's `small` style: at most 230,400 pixels (640×360), aspect kept. */
export const PREVIEW_PIXELS = 230_400;

/**
 * What one decode may use. A Worker isolate has 128 MB in production, wasm memory included, and an
 * out-of-memory isolate is killed with every request it was serving; a clear 422 is better. A
 * 12-megapixel baseline JPEG (typical of phone cameras) needs about 103 MB and passes; a 12 MP
 * progressive one (~175 MB) or a 16 MP baseline one (~138 MB) does not.
 */
export const DECODE_MEMORY_BUDGET = 110 * 1024 * 1024;

export interface EncodedImage {
  bytes: Uint8Array;
  mime: string;
  ext: string;
  width: number;
  height: number;
}

export interface DecodedImage {
  header: ImageHeader;
  /** Stored orientation, first frame. */
  pixels: Rgba;
  animated: boolean;
}

export interface ProcessedImage {
  /** As displayed (EXIF orientation applied). */
  width: number;
  height: number;
  animated: boolean;
  /** What gets stored: the upload minus camera metadata. */
  original: Uint8Array;
  preview: EncodedImage;
  blurhash: string;
}

/** Decodes the first frame after checking the header; every failure is a 422 naming the cause. */
export async function decodeImage(codecs: Codecs, bytes: Uint8Array, family: Family, maxPixels: number): Promise<DecodedImage> {
  if (family === "heic") {
    throw unprocessable("HEIC/HEIF images cannot be decoded on this server; please upload a JPEG, PNG, WebP or AVIF");
  }
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes, family);
  } catch (e) {
    if (e instanceof ImageHeaderError) throw unprocessable(e.message);
    throw e;
  }
  if (header.width * header.height > maxPixels) throw tooManyPixels(header.width, header.height, "images");
  const needed = decodeBytes(header, family);
  if (needed > DECODE_MEMORY_BUDGET) {
    const kind = header.progressive ? "progressive JPEG" : "image";
    throw unprocessable(
      `a ${header.width}x${header.height} ${kind} needs about ${Math.round(needed / 1048576)} MB to decode, more than the ${DECODE_MEMORY_BUDGET / 1048576} MB this server allows; please upload a smaller image`,
    );
  }
  let pixels: Rgba;
  let animated = header.animated;
  try {
    switch (family) {
      case "jpeg":
        pixels = await codecs.decodeJpeg(bytes);
        break;
      case "png":
        pixels = codecs.decodePng(bytes);
        break;
      case "webp": {
        const still = header.animated ? webpFirstFrame(bytes) : bytes;
        if (!still) throw new CodecError("the animation has no frames");
        pixels = await codecs.decodeWebp(still);
        break;
      }
      case "avif":
        pixels = await codecs.decodeAvif(bytes);
        break;
      case "gif": {
        const gif = decodeGif(bytes, maxPixels);
        pixels = gif.first;
        animated = gif.frames > 1;
        break;
      }
      default:
        throw unprocessable(`${family} is not an image format`);
    }
  } catch (e) {
    if (e instanceof CodecError || e instanceof GifError) throw unprocessable(`the image data is corrupt (${e.message})`);
    // Emscripten aborts (a RuntimeError) on some malformed input; it is still the file's fault.
    if (e instanceof WebAssembly.RuntimeError) throw unprocessable("the image data is corrupt");
    throw e;
  }
  // Animated WebP frames may be smaller than the canvas; every other format must match its header.
  const sizeMatches = pixels.width === header.width && pixels.height === header.height;
  if (!sizeMatches && !(family === "webp" && header.animated)) throw unprocessable("the image size does not match its header");
  return { header, pixels, animated };
}

/** The preview-sized, display-oriented version. */
export function smallVersion(decoded: DecodedImage, maxPixels = PREVIEW_PIXELS): Rgba {
  const { pixels, header } = decoded;
  const size = fitPixels(pixels.width, pixels.height, maxPixels);
  return orient(downscale(pixels, size.width, size.height), header.orientation);
}

/** JPEG unless some pixel is transparent (then PNG, so the transparency survives). */
export async function encodePreview(codecs: Codecs, image: Rgba): Promise<EncodedImage> {
  const { width, height } = image;
  if (hasTransparency(image)) return { bytes: codecs.encodePng(image), mime: "image/png", ext: "png", width, height };
  return { bytes: await codecs.encodeJpeg(image), mime: "image/jpeg", ext: "jpg", width, height };
}

/** The upload as it will be stored: camera metadata removed, pixels untouched. */
export function strippedOriginal(bytes: Uint8Array, family: Family): Uint8Array {
  if (family === "jpeg") return stripJpegMetadata(bytes, readJpeg(bytes));
  if (family === "png") return stripPng(bytes);
  if (family === "webp") return stripWebp(bytes);
  return bytes;
}

export async function processImage(
  codecs: Codecs,
  bytes: Uint8Array,
  family: Family,
  maxPixels: number,
): Promise<ProcessedImage> {
  const decoded = await decodeImage(codecs, bytes, family, maxPixels);
  const small = smallVersion(decoded);
  const blurhash = blurhashOf(small);
  const preview = await encodePreview(codecs, small);
  const { width, height } = displaySize(decoded.header);
  return { width, height, animated: decoded.animated, original: strippedOriginal(bytes, family), preview, blurhash };
}
