/**
 * The codecs' WebAssembly modules as the Worker bundles them: wrangler compiles each imported `.wasm`
 * file once at upload, and the isolate gets a ready `WebAssembly.Module` (no fetch, no eval).
 * Instances are made per use (codecs.ts), so nothing heavy happens at module scope.
 */
import avifDec from "@jsquash/avif/codec/dec/avif_dec.wasm";
import jpegDec from "@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm";
import jpegEnc from "@jsquash/jpeg/codec/enc/mozjpeg_enc.wasm";
// This file ships a .d.ts describing the instance's exports, which hides the module's default export
// from TypeScript; at run time the default is the compiled module, as for the others.
import * as pngWasm from "@jsquash/png/codec/pkg/squoosh_png_bg.wasm";
import webpDec from "@jsquash/webp/codec/dec/webp_dec.wasm";
import { Codecs } from "./codecs";

const png = (pngWasm as unknown as { default: WebAssembly.Module }).default;

export function workerCodecs(): Codecs {
  return new Codecs({ jpegDec, jpegEnc, png, webpDec, avifDec });
}
