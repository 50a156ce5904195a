/**
 * Benchmark Worker: POST an image to `/?n=N` and it runs the upload pipeline's image work (header
 * check, WASM decode, downscale, blurhash, preview encode, metadata strip) N times. bench/media/run.ts
 * measures the CPU time workerd spends on it.
 */
/// <reference path="../../src/media/wasm.d.ts" />
import { processImage } from "../../src/media/image";
import { sniff } from "../../src/media/sniff";
import { workerCodecs } from "../../src/media/wasm-modules";

export default {
  async fetch(request: Request): Promise<Response> {
    if (request.method !== "POST") return new Response("ready");
    const bytes = new Uint8Array(await request.arrayBuffer());
    const found = sniff(bytes);
    if (!found) return new Response("not an image", { status: 422 });
    const n = Number(new URL(request.url).searchParams.get("n") ?? "1");
    let summary = "";
    for (let i = 0; i < n; i++) {
      const out = await processImage(workerCodecs(), bytes, found.family, 33_177_600);
      summary = `${out.width}x${out.height} preview ${out.preview.width}x${out.preview.height} ${out.preview.bytes.length} B ${out.blurhash}`;
    }
    return new Response(summary);
  },
};
