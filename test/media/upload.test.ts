/**
 * POST /api/v2/media and /api/v1/media with real files: the type comes from the bytes, the meta is
 * real, the blurhash decodes, the preview exists, and the stored JPEG has lost its camera metadata.
 */
import { SELF } from "cloudflare:test";
import { decode } from "blurhash";
import { beforeAll, describe, expect, it } from "vitest";
import type { MastodonMediaAttachment } from "../../src/entities/media-attachment";
import { readImageHeader } from "../../src/media/image-info";
import { readJpeg } from "../../src/media/jpeg-exif";
import { createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { bucketKeys, fixture, upload } from "./helpers";

let user: TestUser;
beforeAll(async () => {
  user = await createTestUser();
});

async function uploadOk(
  name: string,
  type: string,
  fields: Record<string, string> = {},
  path = "/api/v2/media",
  extra?: (f: FormData) => void,
) {
  const res = await upload(user.token, { bytes: fixture(name), name, type }, fields, path, extra);
  const body = (await res.json()) as MastodonMediaAttachment;
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/json");
  expectEntity("MediaAttachment", body);
  return body;
}

async function fetchBytes(url: string): Promise<{ bytes: Uint8Array; type: string | null }> {
  const res = await SELF.fetch(url);
  expect(res.status).toBe(200);
  return { bytes: new Uint8Array(await res.arrayBuffer()), type: res.headers.get("content-type") };
}

function expectBlurhash(hash: string | null): void {
  expect(hash).toMatch(/^[0-9A-Za-z#$%*+,\-.:;=?@[\]^_{|}~]{6,}$/);
  // Decoding to a given size must yield exactly that many RGBA pixels.
  expect(decode(hash as string, 40, 30)).toHaveLength(40 * 30 * 4);
}

const ascii = (bytes: Uint8Array) => String.fromCharCode(...bytes);

describe("image uploads", () => {
  it("stores a JPEG with real meta, blurhash and preview, and without EXIF or GPS", async () => {
    const original = fixture("photo.jpg");
    expect(ascii(original)).toContain("PetrelCam"); // the fixture does carry camera metadata
    const media = await uploadOk("photo.jpg", "image/jpeg", { description: "A plasma cloud", focus: "0.5,-0.25" });
    expect(media.type).toBe("image");
    expect(media.url).toMatch(/^http:\/\/petrel\.test\/media\/media_attachments\/\d+\/original\/[0-9a-f]+\.jpg$/);
    expect(media.preview_url).toMatch(/\/small\/[0-9a-f]+\.jpg$/);
    expect(media.meta.original).toEqual({ width: 96, height: 64, size: "96x64", aspect: 1.5 });
    expect(media.meta.small).toEqual({ width: 96, height: 64, size: "96x64", aspect: 1.5 });
    expect(media.meta.focus).toEqual({ x: 0.5, y: -0.25 });
    expect(media.description).toBe("A plasma cloud");
    expect([media.remote_url, media.preview_remote_url, media.text_url]).toEqual([null, null, null]);
    expectBlurhash(media.blurhash);

    const keys = await bucketKeys(user.account.id);
    expect(keys).toContain((media.url as string).replace("http://petrel.test/media/", ""));
    expect(keys).toContain((media.preview_url as string).replace("http://petrel.test/media/", ""));

    const stored = await fetchBytes(media.url as string);
    expect(stored.type).toBe("image/jpeg");
    const text = ascii(stored.bytes);
    expect(text).not.toContain("Exif");
    expect(text).not.toContain("PetrelCam");
    expect(text).not.toContain("GPSLatitude");
    expect(text).not.toContain("http://ns.adobe.com/xap");
    expect(readJpeg(stored.bytes).end).toBe(stored.bytes.length);
    // The compressed image itself is untouched: the scan data is byte-identical.
    const scan = (b: Uint8Array) => b.subarray(readJpeg(b).scanStart);
    expect(scan(stored.bytes)).toEqual(scan(original));

    const preview = await fetchBytes(media.preview_url as string);
    expect(preview.type).toBe("image/jpeg");
    expect(readImageHeader(preview.bytes, "jpeg")).toMatchObject({ width: 96, height: 64 });
  });

  it("keeps only the orientation of a rotated JPEG and reports its displayed size", async () => {
    const media = await uploadOk("photo-rotated.jpg", "image/jpeg");
    expect(media.meta.original).toMatchObject({ width: 64, height: 96, size: "64x96" });
    expect(media.meta.small).toMatchObject({ width: 64, height: 96 });
    const stored = await fetchBytes(media.url as string);
    const info = readJpeg(stored.bytes);
    expect(info.orientation).toBe(6);
    expect(ascii(stored.bytes)).not.toContain("PetrelCam");
    // A GPS IFD pointer (tag 0x8825) would appear as these bytes in either byte order.
    expect(ascii(stored.bytes)).not.toMatch(/\x88\x25|\x25\x88/);
    const preview = await fetchBytes(media.preview_url as string);
    expect(readImageHeader(preview.bytes, "jpeg")).toMatchObject({ width: 64, height: 96 });
  });

  it("stores a PNG with transparency and previews it as PNG", async () => {
    const media = await uploadOk("alpha.png", "image/png");
    expect(media.type).toBe("image");
    expect(media.meta.original).toMatchObject({ width: 80, height: 60, aspect: 80 / 60 });
    expectBlurhash(media.blurhash);
    const preview = await fetchBytes(media.preview_url as string);
    expect(preview.type).toBe("image/png");
    expect(readImageHeader(preview.bytes, "png")).toMatchObject({ width: 80, height: 60 });
  });

  it("stores an animated GIF as uploaded, with a still preview", async () => {
    const media = await uploadOk("animated.gif", "image/gif");
    expect(media.type).toBe("image");
    expect(media.meta.original).toMatchObject({ width: 40, height: 30 });
    expectBlurhash(media.blurhash);
    const stored = await fetchBytes(media.url as string);
    expect(stored.type).toBe("image/gif");
    expect(stored.bytes).toEqual(fixture("animated.gif"));
    expect((await fetchBytes(media.preview_url as string)).type).toBe("image/jpeg");
  });

  it("stores WebP and AVIF images", async () => {
    const webp = await uploadOk("image.webp", "image/webp");
    expect(webp.meta.original).toMatchObject({ width: 64, height: 64 });
    expectBlurhash(webp.blurhash);
    const avif = await uploadOk("image.avif", "image/avif");
    expect(avif.meta.original).toMatchObject({ width: 48, height: 32 });
    expectBlurhash(avif.blurhash);
    expect((await fetchBytes(avif.url as string)).type).toBe("image/avif");
  });

  it("decides the type from the bytes when the client claims nothing useful", async () => {
    const media = await uploadOk("photo.jpg", "application/octet-stream", {}, "/api/v2/media", (form) => {
      form.set("file", new File([fixture("photo.jpg")], "blob", { type: "application/octet-stream" }));
    });
    expect(media.type).toBe("image");
    expect(media.url).toMatch(/\.jpg$/);
  });

  it("answers the deprecated /api/v1/media the same way", async () => {
    const media = await uploadOk("image.webp", "image/webp", {}, "/api/v1/media");
    expect(media.type).toBe("image");
    expect(media.preview_url).not.toBeNull();
  });
});

describe("video and audio uploads", () => {
  it("reads an MP4's size, frame rate, duration and audio", async () => {
    const media = await uploadOk("video.mp4", "video/mp4");
    expect(media.type).toBe("video");
    expect(media.meta).toMatchObject({
      width: 64,
      height: 48,
      size: "64x48",
      fps: 25,
      duration: 1,
      length: "0:00:01.00",
      audio_encode: "aac",
      audio_bitrate: "22050 Hz",
      audio_channels: "mono",
      original: { width: 64, height: 48, frame_rate: "25/1", duration: 1 },
    });
    expect(media.meta.original?.bitrate).toBeGreaterThan(0);
    expect((await fetchBytes(media.url as string)).type).toBe("video/mp4");
    // No frame grab without a video decoder; a custom thumbnail gives one (next test).
    expect(media.preview_url).toBeNull();
  });

  it("uses a custom thumbnail as the preview and blurhash of a video", async () => {
    const media = await uploadOk("video.mp4", "video/mp4", {}, "/api/v2/media", (form) => {
      form.append("thumbnail", new File([fixture("photo.jpg")], "thumb.jpg", { type: "image/jpeg" }));
    });
    expect(media.preview_url).toMatch(/\/small\//);
    expect(media.meta.small).toMatchObject({ width: 96, height: 64 });
    expectBlurhash(media.blurhash);
  });

  it("calls a video without sound a gifv", async () => {
    const media = await uploadOk("silent.mp4", "video/mp4");
    expect(media.type).toBe("gifv");
    expect(media.meta).toMatchObject({ width: 64, height: 48, fps: 25 });
  });

  it("reads an MP3's duration and turns its cover art into the preview", async () => {
    const media = await uploadOk("audio.mp3", "audio/mpeg");
    expect(media.type).toBe("audio");
    expect(media.meta).toMatchObject({ audio_encode: "mp3", audio_bitrate: "22050 Hz", audio_channels: "mono" });
    expect(media.meta.duration as number).toBeCloseTo(1.07, 1);
    expect(media.meta.length).toMatch(/^0:00:01\.\d\d$/);
    expect(media.preview_url).toMatch(/\/small\//);
    expect(media.meta.small).toMatchObject({ width: 32, height: 32 });
    expectBlurhash(media.blurhash);
    expect((await fetchBytes(media.url as string)).type).toBe("audio/mpeg");
  });

  for (const [name, type, kind, contentType] of [
    ["video.webm", "video/webm", "video", "video/webm"],
    ["video.mov", "video/quicktime", "video", "video/mp4"],
    ["audio.ogg", "audio/ogg", "audio", "audio/ogg"],
    ["audio.wav", "audio/wav", "audio", "audio/wav"],
    ["audio.flac", "audio/flac", "audio", "audio/flac"],
    ["audio.m4a", "audio/mp4", "audio", "audio/mp4"],
  ] as const) {
    it(`accepts ${name} as ${kind} with a duration`, async () => {
      const media = await uploadOk(name, type);
      expect(media.type).toBe(kind);
      expect(media.meta.duration as number).toBeCloseTo(1, 1);
      expect((await fetchBytes(media.url as string)).type).toBe(contentType);
    });
  }
});
