/**
 * GET/HEAD /media/<key>: stored media from R2 through the Worker.
 *
 * Objects never change once written (store.ts gives every upload a fresh key), so responses are
 * cacheable for a year and marked immutable. ETag / If-None-Match give 304s; single byte ranges give
 * 206 (video and audio players seek with them; Safari will not play video without them). Multiple
 * ranges are answered with the whole object, which RFC 9110 allows.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";

export const mediaServeRoutes = new Hono<AppEnv>();

const CACHE_CONTROL = "public, max-age=31536000, immutable";

type ParsedRange = { offset: number; length?: number } | { suffix: number } | "unsatisfiable" | undefined;

/** `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined for no or ignorable (multi, other unit) ranges. */
export function parseRange(header: string | null): ParsedRange {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return header.trim().startsWith("bytes=") && !header.includes(",") ? "unsatisfiable" : undefined;
  const [, from, to] = m;
  if (from === "" && to === "") return "unsatisfiable";
  if (from === "") return Number(to) === 0 ? "unsatisfiable" : { suffix: Number(to) };
  const offset = Number(from);
  if (to === "") return { offset };
  const last = Number(to);
  return last < offset ? "unsatisfiable" : { offset, length: last - offset + 1 };
}

function baseHeaders(object: R2Object): Headers {
  const headers = new Headers();
  object.writeHttpMetadata(headers);
  if (!headers.has("content-type")) headers.set("content-type", "application/octet-stream");
  headers.set("cache-control", CACHE_CONTROL);
  headers.set("etag", object.httpEtag);
  headers.set("last-modified", object.uploaded.toUTCString());
  headers.set("accept-ranges", "bytes");
  // Only media we sniffed is stored; nosniff keeps browsers from second-guessing the type, and the
  // CSP keeps anything that slipped through from running as a page on our origin.
  headers.set("x-content-type-options", "nosniff");
  headers.set("content-security-policy", "default-src 'none'; sandbox");
  // Web clients decode blurhash previews and draw on canvases from other origins.
  headers.set("access-control-allow-origin", "*");
  return headers;
}

/** Does If-None-Match name this ETag (weak comparison, as RFC 9110 asks for this header)? */
function matchesEtag(ifNoneMatch: string | null, object: R2Object): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === "*") return true;
  return ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === object.httpEtag);
}

function notModified(object: R2Object): Response {
  const headers = baseHeaders(object);
  headers.delete("content-type");
  return new Response(null, { status: 304, headers });
}

mediaServeRoutes.on(["GET", "HEAD"], "/media/*", async (c) => {
  let key: string;
  try {
    key = decodeURIComponent(c.req.path.slice("/media/".length));
  } catch {
    return c.notFound(); // malformed percent-encoding names no object
  }
  if (key === "" || key.split("/").some((part) => part === "" || part === "." || part === "..")) return c.notFound();
  return (await serveObject(c.env.MEDIA, key, c.req.raw)) ?? c.notFound();
});

/**
 * Answers `request` (GET or HEAD, with its Range and If-None-Match) from the R2 object at `key`;
 * null when there is no such object. The remote media cache (src/media/remote/) serves through here too.
 */
export async function serveObject(bucket: R2Bucket, key: string, request: Request): Promise<Response | null> {
  const head = await bucket.head(key);
  if (!head) return null;
  if (matchesEtag(request.headers.get("if-none-match"), head)) return notModified(head);

  const size = head.size;
  const range = parseRange(request.headers.get("range"));
  if (range === "unsatisfiable" || (range && "offset" in range && range.offset >= size) || (size === 0 && range)) {
    const headers = baseHeaders(head);
    headers.set("content-range", `bytes */${size}`);
    return new Response(null, { status: 416, headers });
  }
  let start = 0;
  let end = size - 1;
  if (range && "suffix" in range) start = Math.max(0, size - range.suffix);
  if (range && "offset" in range) {
    start = range.offset;
    if (range.length !== undefined) end = Math.min(size - 1, range.offset + range.length - 1);
  }
  const length = Math.max(0, end - start + 1);
  const headers = baseHeaders(head);
  headers.set("content-length", String(length));
  if (range) headers.set("content-range", `bytes ${start}-${end}/${size}`);
  const status = range ? 206 : 200;
  if (request.method === "HEAD") return new Response(null, { status, headers });

  // Read exactly what the head saw: if the key was replaced in between (it never is), fail cleanly.
  const object = await bucket.get(key, {
    onlyIf: { etagMatches: head.etag },
    ...(range ? { range: { offset: start, length } } : {}),
  });
  if (!object || !("body" in object)) return null;
  return new Response(object.body, { status, headers });
}
