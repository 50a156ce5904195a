/** GET/HEAD /media/<key>: types, immutable caching, ETags and byte ranges straight from R2. */
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { putObject } from "../../src/media/store";
import { BASE } from "../helpers/fixtures";
import { fixture } from "./helpers";

const KEY = "media_attachments/1/original/servetest.mp3";
const URL = `${BASE}/media/${KEY}`;
let bytes: Uint8Array;

beforeAll(async () => {
  bytes = fixture("audio.mp3");
  await putObject(env.MEDIA, { key: KEY, bytes, contentType: "audio/mpeg", accountId: 1 });
});

const get = (headers: Record<string, string> = {}, method = "GET") => SELF.fetch(URL, { method, headers });

describe("serving media", () => {
  it("serves the object with its type, a year of immutable caching and an ETag", async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("audio/mpeg");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]+"$/);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-length")).toBe(String(bytes.length));
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);
  });

  it("answers 304 to a matching If-None-Match, 200 otherwise", async () => {
    const etag = (await get()).headers.get("etag") as string;
    const same = await get({ "if-none-match": etag });
    expect(same.status).toBe(304);
    expect(await same.text()).toBe("");
    expect((await get({ "if-none-match": `W/${etag}` })).status).toBe(304);
    const other = await get({ "if-none-match": '"something-else"' });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });

  it("serves byte ranges with 206 and Content-Range", async () => {
    const size = bytes.length;
    const first = await get({ range: "bytes=0-9" });
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe(`bytes 0-9/${size}`);
    expect(first.headers.get("content-length")).toBe("10");
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(bytes.subarray(0, 10));

    const open = await get({ range: "bytes=100-" });
    expect(open.status).toBe(206);
    expect(open.headers.get("content-range")).toBe(`bytes 100-${size - 1}/${size}`);
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.subarray(100));

    const suffix = await get({ range: "bytes=-16" });
    expect(suffix.status).toBe(206);
    expect(suffix.headers.get("content-range")).toBe(`bytes ${size - 16}-${size - 1}/${size}`);
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.subarray(size - 16));

    const past = await get({ range: `bytes=${size - 5}-${size + 100}` });
    expect(past.status).toBe(206);
    expect(past.headers.get("content-range")).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    expect(new Uint8Array(await past.arrayBuffer())).toEqual(bytes.subarray(size - 5));

    const whole = await get({ range: `bytes=-${size * 2}` });
    expect(whole.status).toBe(206);
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(bytes);
  });

  it("answers 416 with the size for ranges it cannot satisfy", async () => {
    for (const range of [`bytes=${bytes.length}-`, "bytes=50-10", "bytes=-0", "bytes=x-y"]) {
      const res = await get({ range });
      expect(res.status, range).toBe(416);
      expect(res.headers.get("content-range")).toBe(`bytes */${bytes.length}`);
    }
  });

  it("ignores multi-range and non-byte ranges, sending the whole object", async () => {
    for (const range of ["bytes=0-1,5-6", "items=0-1"]) {
      const res = await get({ range });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(bytes.length);
    }
  });

  it("answers HEAD with the headers and no body", async () => {
    const head = await get({}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(bytes.length));
    expect(await head.text()).toBe("");
    const ranged = await get({ range: "bytes=0-3" }, "HEAD");
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 0-3/${bytes.length}`);
  });

  it("answers 404 for unknown keys and path tricks", async () => {
    for (const path of ["/media/nope/none.jpg", "/media/", "/media/a/../b", "/media/a//b", "/media/%E0%A4%A"]) {
      const res = await SELF.fetch(`${BASE}${path}`);
      expect(res.status, path).toBe(404);
      await res.arrayBuffer();
    }
  });
});
