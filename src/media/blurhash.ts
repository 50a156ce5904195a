/**
 * BlurHash (woltapp's encoder) of an image. Computed on a ≤32 px thumbnail of the preview: the hash
 * keeps only 4×4 cosine components, so more pixels change nothing visible but cost CPU
 * (the encoder does a cosine per pixel per component).
 */
import { encode } from "blurhash";
import type { Rgba } from "./codecs";
import { downscale, fitBox } from "./resize";

/** Mastodon's BLURHASH_OPTIONS: x_comp 4, y_comp 4. */
const COMPONENTS = 4;
const SIDE = 32;

export function blurhashOf(image: Rgba): string {
  const size = fitBox(image.width, image.height, SIDE, SIDE);
  const tiny = downscale(image, size.width, size.height);
  const pixels = new Uint8ClampedArray(tiny.data.buffer, tiny.data.byteOffset, tiny.data.length);
  return encode(pixels, tiny.width, tiny.height, COMPONENTS, COMPONENTS);
}
