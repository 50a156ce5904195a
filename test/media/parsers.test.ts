/** Container parsers, sniffing and pixel helpers on the committed fixtures, without the HTTP layer. */
import { describe, expect, it } from "vitest";
import { parseMp3 } from "../../src/media/av/mp3";
import { parseMp4 } from "../../src/media/av/mp4";
import { parseOgg } from "../../src/media/av/ogg";
import { parseFlac, parseWav } from "../../src/media/av/pcm";
import { parseWebm } from "../../src/media/av/webm";
import { decodeGif } from "../../src/media/gif";
import { formatLength } from "../../src/media/process";
import { downscale, orient } from "../../src/media/resize";
import { contradiction, sniff } from "../../src/media/sniff";
import { stripPng } from "../../src/media/strip";
import { fixture } from "./helpers";

describe("sniffing", () => {
  it("names every fixture by its bytes", () => {
    const expected: Record<string, string> = {
      "photo.jpg": "image/jpeg",
      "alpha.png": "image/png",
      "animated.gif": "image/gif",
      "image.webp": "image/webp",
      "image.avif": "image/avif",
      "image.heic": "image/heic",
      "video.mp4": "video/mp4",
      "video.mov": "video/quicktime",
      "video.webm": "video/webm",
      "audio.mp3": "audio/mpeg",
      "audio.ogg": "audio/ogg",
      "audio.wav": "audio/wav",
      "audio.flac": "audio/flac",
      "audio.m4a": "audio/mp4",
    };
    for (const [name, mime] of Object.entries(expected)) expect(sniff(fixture(name))?.mime, name).toBe(mime);
    expect(sniff(new TextEncoder().encode("hello"))).toBeUndefined();
  });

  it("accepts aliases and unknown claims, and catches contradictions", () => {
    const jpeg = sniff(fixture("photo.jpg"));
    const mp4 = sniff(fixture("audio.m4a"));
    if (!jpeg || !mp4) throw new Error("fixtures");
    expect(contradiction(jpeg, "image/jpg", "IMG.JPEG")).toBeUndefined();
    expect(contradiction(jpeg, "", "blob")).toBeUndefined();
    expect(contradiction(jpeg, "application/octet-stream", "photo")).toBeUndefined();
    expect(contradiction(mp4, "video/mp4", "voice.m4a")).toBeUndefined();
    expect(contradiction(jpeg, "image/png", "photo.jpg")).toBe("claimed type image/png");
    expect(contradiction(jpeg, "image/jpeg", "photo.gif")).toBe("name photo.gif");
  });
});

describe("container parsers", () => {
  it("reads MP4 and MOV tracks", () => {
    expect(parseMp4(fixture("video.mp4"))).toMatchObject({
      hasVideo: true,
      hasAudio: true,
      width: 64,
      height: 48,
      fps: 25,
      frameRate: "25/1",
      duration: 1,
      audioCodec: "aac",
      channels: 1,
      sampleRate: 22050,
    });
    expect(parseMp4(fixture("video.mov"))).toMatchObject({ hasVideo: true, hasAudio: true, width: 64, height: 48, fps: 25 });
    expect(parseMp4(fixture("audio.m4a"))).toMatchObject({ hasVideo: false, hasAudio: true, channels: 1, sampleRate: 22050 });
  });

  it("reads WebM, Ogg, FLAC, WAV and MP3", () => {
    const webm = parseWebm(fixture("video.webm"));
    expect(webm).toMatchObject({
      hasVideo: true,
      hasAudio: true,
      width: 64,
      height: 48,
      audioCodec: "vorbis",
      channels: 1,
      sampleRate: 22050,
    });
    expect(webm.duration).toBeCloseTo(1.012, 2);
    expect(webm.fps).toBeCloseTo(25, 0);
    const ogg = parseOgg(fixture("audio.ogg"));
    expect(ogg).toMatchObject({ hasAudio: true, audioCodec: "vorbis", sampleRate: 22050, channels: 1 });
    expect(ogg.duration).toBeCloseTo(1, 2);
    expect(parseFlac(fixture("audio.flac"))).toMatchObject({ sampleRate: 8000, channels: 1, duration: 1 });
    expect(parseWav(fixture("audio.wav"))).toMatchObject({ sampleRate: 8000, channels: 1, duration: 1, audioCodec: "pcm" });
    const mp3 = parseMp3(fixture("audio.mp3"));
    expect(mp3).toMatchObject({ sampleRate: 22050, channels: 1 });
    expect(mp3.duration).toBeCloseTo(1.071, 2);
    expect(sniff(mp3.cover as Uint8Array)?.mime).toBe("image/jpeg");
  });

  it("formats lengths as ffprobe does", () => {
    expect(formatLength(5.02)).toBe("0:00:05.02");
    expect(formatLength(3725.5)).toBe("1:02:05.50");
  });
});

describe("pixels", () => {
  it("decodes the first GIF frame and counts frames", () => {
    const gif = decodeGif(fixture("animated.gif"), 1e6);
    expect(gif.frames).toBe(3);
    expect([gif.first.width, gif.first.height]).toEqual([40, 30]);
    expect([...gif.first.data.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
  });

  it("averages areas when downscaling, transparency included", () => {
    // 4×2: left half white, right half black; one transparent red pixel must not tint the result.
    const data = new Uint8Array(4 * 2 * 4);
    for (let i = 0; i < 8; i++) data.set(i % 4 < 2 ? [255, 255, 255, 255] : [0, 0, 0, 255], i * 4);
    data.set([255, 0, 0, 0], 0);
    const out = downscale({ data, width: 4, height: 2 }, 2, 1);
    expect([...out.data]).toEqual([255, 255, 255, 191, 0, 0, 0, 255]);
    const third = downscale({ data, width: 4, height: 2 }, 3, 1);
    expect(third.data[4]).toBeGreaterThan(100); // the middle column mixes white and black
    expect(third.data[4]).toBeLessThan(160);
  });

  it("applies EXIF orientations", () => {
    const data = new Uint8Array([1, 1, 1, 1, 2, 2, 2, 2]); // 2×1: pixel 1 then pixel 2
    const turned = orient({ data, width: 2, height: 1 }, 6);
    expect([turned.width, turned.height]).toEqual([1, 2]);
    expect([...turned.data]).toEqual([1, 1, 1, 1, 2, 2, 2, 2]);
    const mirrored = orient({ data, width: 2, height: 1 }, 2);
    expect([...mirrored.data]).toEqual([2, 2, 2, 2, 1, 1, 1, 1]);
  });

  it("strips text chunks from PNGs", () => {
    const png = fixture("alpha.png");
    const text = new TextEncoder().encode("tEXtComment\0secret location");
    const chunk = new Uint8Array(12 + text.length - 4);
    new DataView(chunk.buffer).setUint32(0, text.length - 4);
    chunk.set(text, 4);
    const withText = new Uint8Array([...png.subarray(0, 33), ...chunk, ...png.subarray(33)]);
    expect(String.fromCharCode(...withText)).toContain("secret");
    expect(String.fromCharCode(...stripPng(withText))).not.toContain("secret");
    expect(stripPng(png)).toBe(png);
  });
});
