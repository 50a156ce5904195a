/**
 * The WebAssembly codecs, from jSquash (Squoosh's builds): MozJPEG (decode + encode), libwebp
 * (decode), libavif (decode) and the Rust `png` crate (decode + encode).
 *
 * The compiled modules are handed in (`CodecModules`) rather than imported here, so the same code runs
 * in the Worker (where wrangler turns `import x from "*.wasm"` into a compiled module, see
 * wasm-modules.ts) and under Node for the benchmark (which compiles the same files from disk).
 *
 * Emscripten codecs get a fresh instance per call: an instance's memory only ever grows, and a
 * 12-megapixel decode grows it by ~50 MB. A per-call instance lets that memory go with the request
 * instead of pinning it in the isolate (128 MB in production); instantiating costs well under a ms.
 * It also means no promise started by one request is ever awaited by another.
 */

import avifDecFactory from "@jsquash/avif/codec/dec/avif_dec.js";
import mozjpegDecFactory from "@jsquash/jpeg/codec/dec/mozjpeg_dec.js";
import mozjpegEncFactory from "@jsquash/jpeg/codec/enc/mozjpeg_enc.js";
import { decode as pngDecodeWasm, encode as pngEncodeWasm, initSync as pngInitSync } from "@jsquash/png/codec/pkg/squoosh_png.js";
import webpDecFactory from "@jsquash/webp/codec/dec/webp_dec.js";

export interface CodecModules {
  jpegDec: WebAssembly.Module;
  jpegEnc: WebAssembly.Module;
  png: WebAssembly.Module;
  webpDec: WebAssembly.Module;
  avifDec: WebAssembly.Module;
}

/** Decoded pixels: 8-bit RGBA, row-major, no padding. */
export interface Rgba {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

interface DecodedImage {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

interface JpegDecoder {
  decode(data: BufferSource, preserveOrientation: boolean): DecodedImage | null;
}
interface JpegEncoder {
  encode(
    data: Uint8Array | Uint8ClampedArray,
    width: number,
    height: number,
    options: Record<string, number | boolean>,
  ): Uint8Array;
}
interface WebpDecoder {
  decode(data: BufferSource): DecodedImage | null;
}
interface AvifDecoder {
  decode(data: BufferSource, bitDepth: 8): DecodedImage | null;
}

type Factory<T> = (options: {
  noInitialRun: boolean;
  instantiateWasm: (imports: WebAssembly.Imports, done: (instance: WebAssembly.Instance) => void) => WebAssembly.Exports;
}) => Promise<T>;

/**
 * jSquash's glue gives runtimes without `location` (workerd, Node) a fake `self.location = {href: ""}`,
 * when the PNG module loads and on every Emscripten instantiation. Code that trusts `self.location`
 * (JSON Schema validators, URL resolution in other libraries) then builds URLs from `undefined`; the
 * codecs only need it during set-up, so it is removed again right after.
 */
function dropFakeLocation(): void {
  const g = globalThis as { location?: unknown };
  const location = g.location;
  if (location && typeof location === "object" && Object.keys(location).length === 1 && "href" in location) {
    if ((location as { href: unknown }).href === "") delete g.location;
  }
}
dropFakeLocation();

/** Instantiates an Emscripten codec synchronously from an already compiled module. */
function instantiate<T>(factory: unknown, module: WebAssembly.Module): Promise<T> {
  try {
    return (factory as Factory<T>)({
      noInitialRun: true,
      instantiateWasm: (imports, done) => {
        const instance = new WebAssembly.Instance(module, imports);
        done(instance);
        return instance.exports;
      },
    });
  } finally {
    // Instantiation is synchronous (the module is already compiled), so set-up is over here.
    dropFakeLocation();
  }
}

/** The bytes as an ArrayBuffer of their own (Emscripten's bindings want a whole buffer). */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : (bytes.slice().buffer as ArrayBuffer);
}

export class CodecError extends Error {}

// MozJPEG's defaults from Squoosh, minus the slow trellis passes and progressive scans (together about
// half the encode time, for ~2% smaller previews): previews are small, and CPU is billed.
const JPEG_OPTIONS = {
  quality: 80,
  baseline: false,
  arithmetic: false,
  progressive: false,
  optimize_coding: true,
  smoothing: 0,
  color_space: 3,
  quant_table: 3,
  trellis_multipass: false,
  trellis_opt_zero: false,
  trellis_opt_table: false,
  trellis_loops: 1,
  auto_subsample: true,
  chroma_subsample: 2,
  separate_chroma_quality: false,
  chroma_quality: 75,
};

export class Codecs {
  // The png crate's wasm-bindgen glue keeps one instance per isolate; initSync is idempotent.
  private pngReady = false;

  constructor(private readonly modules: CodecModules) {}

  async decodeJpeg(bytes: Uint8Array): Promise<Rgba> {
    const codec = await instantiate<JpegDecoder>(mozjpegDecFactory, this.modules.jpegDec);
    // `false`: no rotation here. We orient the small preview instead, far cheaper than rotating 12 MP.
    const image = codec.decode(ownBuffer(bytes), false);
    if (!image) throw new CodecError("JPEG data could not be decoded");
    return image;
  }

  async decodeWebp(bytes: Uint8Array): Promise<Rgba> {
    const codec = await instantiate<WebpDecoder>(webpDecFactory, this.modules.webpDec);
    const image = codec.decode(ownBuffer(bytes));
    if (!image) throw new CodecError("WebP data could not be decoded");
    return image;
  }

  async decodeAvif(bytes: Uint8Array): Promise<Rgba> {
    const codec = await instantiate<AvifDecoder>(avifDecFactory, this.modules.avifDec);
    const image = codec.decode(ownBuffer(bytes), 8);
    if (!image) throw new CodecError("AVIF data could not be decoded");
    return image;
  }

  decodePng(bytes: Uint8Array): Rgba {
    this.initPng();
    try {
      return pngDecodeWasm(bytes);
    } catch (e) {
      throw new CodecError(`PNG data could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  async encodeJpeg(image: Rgba, quality = JPEG_OPTIONS.quality): Promise<Uint8Array> {
    const codec = await instantiate<JpegEncoder>(mozjpegEncFactory, this.modules.jpegEnc);
    // The binding returns a view into its own memory; copy it out before the instance goes.
    return codec.encode(image.data, image.width, image.height, { ...JPEG_OPTIONS, quality }).slice();
  }

  encodePng(image: Rgba): Uint8Array {
    this.initPng();
    const data =
      image.data instanceof Uint8Array ? image.data : new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.length);
    return pngEncodeWasm(data, image.width, image.height, 8);
  }

  private initPng(): void {
    if (this.pngReady) return;
    pngInitSync(this.modules.png);
    this.pngReady = true;
  }
}
