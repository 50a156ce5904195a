/**
 * Bad uploads: each is a clear 422, and nothing reaches R2 or D1.
 */
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { mediaAttachments } from "../../src/db/schema";
import { api, createTestUser, db, type TestUser } from "../helpers/fixtures";
import { bucketKeys, fixture, upload } from "./helpers";

let user: TestUser;
beforeAll(async () => {
  user = await createTestUser();
});

async function rowsOf(accountId: number): Promise<number> {
  return (await db().select().from(mediaAttachments).where(eq(mediaAttachments.accountId, accountId))).length;
}

/** Uploads, expects a 422 whose message matches, and checks that neither R2 nor D1 changed. */
async function expectRefused(
  file: { bytes: Uint8Array; name: string; type: string },
  message: RegExp,
  fields: Record<string, string> = {},
) {
  const res = await upload(user.token, file, fields);
  const body = (await res.json()) as { error: string };
  expect(res.status, JSON.stringify(body)).toBe(422);
  expect(res.headers.get("content-type")).toContain("application/json");
  expect(body.error).toMatch(message);
  expect(await bucketKeys(user.account.id)).toEqual([]);
  expect(await rowsOf(user.account.id)).toBe(0);
}

function be16(n: number): number[] {
  return [n >> 8, n & 0xff];
}

/** A PNG whose header declares `w`×`h` (with a tiny, valid-looking IDAT and IEND). */
function pngDeclaring(w: number, h: number): Uint8Array {
  const png = fixture("alpha.png").slice();
  const v = new DataView(png.buffer);
  v.setUint32(16, w);
  v.setUint32(20, h);
  return png;
}

/** The fixture JPEG with its frame header rewritten to declare `w`×`h` (and progressive coding). */
function jpegDeclaring(w: number, h: number, progressive = false): Uint8Array {
  const jpeg = fixture("photo.jpg").slice();
  for (let p = 2; p < jpeg.length; ) {
    const marker = jpeg[p + 1] as number;
    const length = ((jpeg[p + 2] as number) << 8) | (jpeg[p + 3] as number);
    if (marker === 0xc0 || marker === 0xc2) {
      jpeg.set([...be16(h), ...be16(w)], p + 5);
      if (progressive) jpeg[p + 1] = 0xc2;
      return jpeg;
    }
    p += 2 + length;
  }
  throw new Error("no SOF in fixture");
}

describe("refused uploads", () => {
  it("refuses JPEG bytes named and typed as PNG", async () => {
    await expectRefused(
      { bytes: fixture("photo.jpg"), name: "photo.png", type: "image/png" },
      /not what they are reported to be.*image\/jpeg/,
    );
  });

  it("refuses PNG bytes claimed as a JPEG, even with a matching name", async () => {
    await expectRefused(
      { bytes: fixture("alpha.png"), name: "alpha.jpg", type: "image/jpeg" },
      /not what they are reported to be/,
    );
  });

  it("refuses an MP3 named .mp4", async () => {
    await expectRefused(
      { bytes: fixture("audio.mp3"), name: "clip.mp4", type: "" },
      /not what they are reported to be.*name clip\.mp4/,
    );
  });

  it("refuses a file that is no media at all", async () => {
    const text = new TextEncoder().encode("#!/bin/sh\necho hello\n");
    await expectRefused(
      { bytes: text, name: "photo.jpg", type: "image/jpeg" },
      /^Validation failed: File content type is invalid$/,
    );
    await expectRefused(
      { bytes: new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), name: "a.zip", type: "application/zip" },
      /content type is invalid/,
    );
  });

  it("refuses truncated images", async () => {
    const jpeg = fixture("photo.jpg");
    await expectRefused({ bytes: jpeg.subarray(0, jpeg.length - 300), name: "cut.jpg", type: "image/jpeg" }, /truncated/);
    await expectRefused({ bytes: jpeg.subarray(0, 100), name: "cut.jpg", type: "image/jpeg" }, /truncated/);
    const png = fixture("alpha.png");
    await expectRefused({ bytes: png.subarray(0, png.length / 2), name: "cut.png", type: "image/png" }, /truncated/);
    const gif = fixture("animated.gif");
    await expectRefused({ bytes: gif.subarray(0, 60), name: "cut.gif", type: "image/gif" }, /truncated|corrupt/);
    const webp = fixture("image.webp");
    await expectRefused({ bytes: webp.subarray(0, webp.length - 100), name: "cut.webp", type: "image/webp" }, /truncated/);
  });

  it("refuses corrupt image data behind a valid header", async () => {
    const png = fixture("alpha.png").slice();
    png.fill(0x41, 60, png.length - 20); // IDAT contents garbage, chunk structure intact
    await expectRefused({ bytes: png, name: "bad.png", type: "image/png" }, /could not be processed/);
  });

  it("refuses decompression bombs from their header, before decoding", async () => {
    await expectRefused(
      { bytes: pngDeclaring(100000, 100000), name: "bomb.png", type: "image/png" },
      /^100000x100000 images are not supported$/,
    );
    await expectRefused(
      { bytes: jpegDeclaring(65000, 65000), name: "bomb.jpg", type: "image/jpeg" },
      /^65000x65000 images are not supported$/,
    );
    const gif = fixture("animated.gif").slice();
    gif.set([0xff, 0xff, 0xff, 0xff], 6); // 65535×65535 logical screen
    await expectRefused({ bytes: gif, name: "bomb.gif", type: "image/gif" }, /^65535x65535 images are not supported$/);
  });

  it("refuses images whose decoding would not fit a Worker's memory", async () => {
    const progressive = jpegDeclaring(4000, 3000, true);
    await expectRefused(
      { bytes: progressive, name: "p.jpg", type: "image/jpeg" },
      /4000x3000 progressive JPEG needs about \d+ MB to decode/,
    );
    // Past the advertised image_matrix_limit (12 MP, sized to what fits in memory) it is refused before that.
    await expectRefused(
      { bytes: jpegDeclaring(5000, 4000), name: "b.jpg", type: "image/jpeg" },
      /^5000x4000 images are not supported$/,
    );
  });

  it("refuses files over the advertised size limits", async () => {
    const big = new Uint8Array(16 * 1024 * 1024 + 1);
    big.set(fixture("photo.jpg"));
    await expectRefused(
      { bytes: big, name: "big.jpg", type: "image/jpeg" },
      /^Validation failed: File file size must be less than 16 MB$/,
    );
  });

  it("refuses HEIC with a message that says why", async () => {
    await expectRefused({ bytes: fixture("image.heic"), name: "IMG_0001.HEIC", type: "image/heic" }, /HEIC.*cannot be decoded/);
  });

  it("refuses truncated video and audio", async () => {
    const mp4 = fixture("video.mp4");
    await expectRefused({ bytes: mp4.subarray(0, 2000), name: "cut.mp4", type: "video/mp4" }, /could not be processed/);
    const flac = fixture("audio.flac");
    await expectRefused({ bytes: flac.subarray(0, 30), name: "cut.flac", type: "audio/flac" }, /could not be processed/);
  });

  it("refuses a bad focus, an over-long description and a missing file", async () => {
    const jpeg = { bytes: fixture("photo.jpg"), name: "photo.jpg", type: "image/jpeg" };
    await expectRefused(jpeg, /Focus must be two numbers/, { focus: "2,0" });
    await expectRefused(jpeg, /Focus must be two numbers/, { focus: "left" });
    await expectRefused(jpeg, /Description is too long \(maximum is 1500 characters\)/, { description: "x".repeat(1501) });
    const res = await api("/api/v2/media", { token: user.token, method: "POST", form: { description: "nothing" } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: string }).error).toBe("Validation failed: File can't be blank");
  });

  it("needs a token with write:media", async () => {
    const file = { bytes: fixture("photo.jpg"), name: "photo.jpg", type: "image/jpeg" };
    expect((await upload("nope", file)).status).toBe(401);
    const reader = await createTestUser({ scopes: "read" });
    expect((await upload(reader.token, file)).status).toBe(403);
    expect(await bucketKeys(reader.account.id)).toEqual([]);
  });
});
