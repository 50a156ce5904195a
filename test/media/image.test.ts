import { decode } from "blurhash";
import { describe, expect, it } from "vitest";
import { processImage } from "../../src/media/image";
import { sniff } from "../../src/media/sniff";
import { workerCodecs } from "../../src/media/wasm-modules";
import { fixture } from "./helpers";

describe("image pipeline", () => {
  for (const [name, w, h] of [
    ["photo.jpg", 96, 64],
    ["photo-rotated.jpg", 64, 96],
    ["alpha.png", 80, 60],
    ["animated.gif", 40, 30],
    ["image.webp", 64, 64],
    ["image.avif", 48, 32],
  ] as const) {
    it(`decodes ${name}, makes a preview and a blurhash`, async () => {
      const bytes = fixture(name);
      const found = sniff(bytes);
      if (!found) throw new Error("not sniffed");
      const out = await processImage(workerCodecs(), bytes, found.family, 33177600);
      expect([out.width, out.height]).toEqual([w, h]);
      expect([out.preview.width, out.preview.height]).toEqual([w, h]);
      expect(decode(out.blurhash, 32, 32)).toHaveLength(32 * 32 * 4);
    });
  }
});
