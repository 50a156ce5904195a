/**
 * Fetching a linked page and reading its preview: OpenGraph (`og:*`), Twitter card (`twitter:*`)
 * and plain HTML (`<title>`, `<meta name="description">`, `<html lang>`), read with HTMLRewriter.
 * The fetch follows the remote-fetch rules of src/federation/fetch.ts (its address checks are reused):
 * unsigned GET, 10 s timeout, at most three redirects each checked again, no private or loopback
 * targets outside development, HTML only. Only the first 1 MB is read: the tags a preview needs are
 * in the page's head, so a longer page is cut, not refused.
 * The network is a parameter so tests can serve pages without one.
 */
import type { Config } from "../config";
import {
  discardBody,
  FETCH_TIMEOUT_MS,
  type Fetcher,
  getPublic,
  MAX_BODY_BYTES,
  networkFailureReason,
} from "../federation/fetch";

export interface PageDetails {
  title: string;
  description: string;
  imageUrl: string | null;
  imageDescription: string;
  width: number;
  height: number;
  providerName: string;
  authorName: string;
  authorUrl: string;
  language: string | null;
  publishedAt: number | null;
}

export type PageResult = { ok: true; details: PageDetails } | { ok: false; reason: string };

const TITLE_MAX = 250;
const DESCRIPTION_MAX = 1000;

/** The first `limit` bytes of a body; the rest is never read. */
async function readPrefix(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = value.subarray(0, limit - total);
    chunks.push(take);
    total += take.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function isHtml(contentType: string | null): boolean {
  const type = (contentType ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "text/html" || type === "application/xhtml+xml";
}

function decode(bytes: Uint8Array, contentType: string | null): string {
  const charset = /charset=["']?([\w-]+)/i.exec(contentType ?? "")?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder().decode(bytes);
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** HTMLRewriter hands text and attribute values through as written, character references included. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

function clean(text: string | undefined, max: number): string {
  const collapsed = (text ?? "").replace(/\s+/g, " ").trim();
  const chars = [...collapsed];
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : collapsed;
}

/** An absolute http(s) URL for `raw` relative to the page, or null. */
function absoluteUrl(raw: string | undefined, base: string): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw.trim(), base);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

function positiveInt(raw: string | undefined): number {
  const n = Number.parseInt(raw ?? "", 10);
  return Number.isSafeInteger(n) && n > 0 && n < 100_000 ? n : 0;
}

/** Reads the preview tags of an HTML document; `pageUrl` resolves relative image URLs. */
export async function parsePage(html: string, pageUrl: string): Promise<PageDetails> {
  const meta = new Map<string, string>();
  let title = "";
  let inTitle = false;
  let titleDone = false;
  let lang: string | null = null;
  const rewriter = new HTMLRewriter()
    .on("html", {
      element(el) {
        lang ??= el.getAttribute("lang");
      },
    })
    .on("meta", {
      element(el) {
        const key = (el.getAttribute("property") ?? el.getAttribute("name") ?? "").trim().toLowerCase();
        const content = el.getAttribute("content");
        if (key && content !== null && !meta.has(key)) meta.set(key, decodeEntities(content));
      },
    })
    .on("title", {
      element(el) {
        if (titleDone) return;
        inTitle = true;
        el.onEndTag(() => {
          inTitle = false;
          titleDone = true;
        });
      },
      text(chunk) {
        if (inTitle && !titleDone) title += chunk.text;
      },
    });
  await rewriter.transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } })).arrayBuffer();

  const pick = (...keys: string[]) => keys.map((k) => meta.get(k)).find((v) => v !== undefined && v.trim() !== "");
  const published = Date.parse(pick("article:published_time", "og:published_time") ?? "");
  const author = pick("author", "article:author") ?? "";
  const authorIsUrl = absoluteUrl(author, pageUrl) !== null && /^https?:\/\//i.test(author.trim());
  const language = (lang as string | null)?.trim().toLowerCase().split(/[-_]/)[0] ?? null;
  return {
    title: clean(pick("og:title", "twitter:title") ?? decodeEntities(title), TITLE_MAX),
    description: clean(pick("og:description", "twitter:description", "description"), DESCRIPTION_MAX),
    imageUrl: absoluteUrl(pick("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"), pageUrl),
    imageDescription: clean(pick("og:image:alt", "twitter:image:alt"), DESCRIPTION_MAX),
    width: positiveInt(pick("og:image:width")),
    height: positiveInt(pick("og:image:height")),
    providerName: clean(pick("og:site_name", "application-name"), TITLE_MAX),
    authorName: authorIsUrl ? "" : clean(author, TITLE_MAX),
    authorUrl: authorIsUrl ? (absoluteUrl(author, pageUrl) ?? "") : "",
    language: language && /^[a-z]{2,3}$/.test(language) ? language : null,
    publishedAt: Number.isNaN(published) ? null : published,
  };
}

/** GETs `url` under the rules above and reads its preview. Never throws for remote misbehaviour. */
export async function fetchPageDetails(
  fetcher: Fetcher,
  config: Config,
  url: string,
  timeoutMs = FETCH_TIMEOUT_MS,
): Promise<PageResult> {
  const got = await getPublic(config, fetcher, url, { accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1", timeoutMs });
  if (!got.ok) return got;
  try {
    const type = got.res.headers.get("content-type");
    if (!isHtml(type)) {
      await discardBody(got.res);
      return { ok: false, reason: `not HTML: ${type ?? "(no content type)"}` };
    }
    const html = decode(await readPrefix(got.res.body, MAX_BODY_BYTES), type);
    return { ok: true, details: await parsePage(html, got.url) };
  } catch (err) {
    return { ok: false, reason: networkFailureReason(err) };
  }
}
