/** Shared setup for the preview card tests: statuses written straight to D1, and a fake network. */
import { env } from "cloudflare:test";
import { newId } from "../../src/ids";
import type { TestUser } from "../helpers/fixtures";

/** A public status with `html` as its content, written without fanout (so no real fetch runs). */
export async function statusWithContent(author: TestUser, html: string): Promise<number> {
  const id = newId();
  await env.DB.prepare(
    "INSERT INTO statuses (id, account_id, local, visibility, text, content, created_at) VALUES (?, ?, 1, 'public', ?, ?, ?)",
  )
    .bind(id, author.account.id, html.replace(/<[^>]+>/g, ""), html, Date.now())
    .run();
  return id;
}

export const link = (url: string) =>
  `<a href="${url}" target="_blank" rel="nofollow noopener" translate="no"><span class="invisible">https://</span><span>${url.replace(/^https?:\/\//, "")}</span></a>`;

export interface FakeNetwork {
  fetcher: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  calls: string[];
}

/** Serves `pages` by URL (a Response factory each), 404 otherwise, and records every URL asked for. */
export function fakeNetwork(pages: Record<string, () => Response>): FakeNetwork {
  const calls: string[] = [];
  return {
    calls,
    fetcher: async (input) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      calls.push(url);
      const page = pages[url];
      return page ? page() : new Response("not found", { status: 404 });
    },
  };
}

export const html =
  (body: string, headers: Record<string, string> = {}) =>
  () =>
    new Response(body, { headers: { "content-type": "text/html; charset=utf-8", ...headers } });

export const ARTICLE = `<!doctype html><html lang="en-GB"><head>
<title>Fallback &amp; title</title>
<meta property="og:title" content="A &quot;great&quot; article">
<meta property="og:description" content="What happened   today.">
<meta property="og:image" content="/images/cover.jpg">
<meta property="og:image:width" content="1200"><meta property="og:image:height" content="630">
<meta property="og:image:alt" content="A cover">
<meta property="og:site_name" content="News Example">
<meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2026-03-04T05:06:07Z">
</head><body><p>Body</p></body></html>`;

/**
 * Mastodon sends "" for the URLs a card does not know (author_url, provider_url, embed_url, an
 * author's url), while the OpenAPI document types them as `format: uri`. Petrel sends what Mastodon
 * sends; for validation only, those empty strings are replaced by a URL so everything else is checked.
 */
export function withMastodonEmptyUrls<T>(entity: T): T {
  const copy = JSON.parse(JSON.stringify(entity)) as unknown;
  const fill = (node: unknown, inCard: boolean): void => {
    if (Array.isArray(node)) {
      for (const item of node) fill(item, inCard);
      return;
    }
    if (node === null || typeof node !== "object") return;
    const obj = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(obj)) {
      if (inCard && value === "" && ["author_url", "provider_url", "embed_url", "url"].includes(key))
        obj[key] = "https://empty.invalid/";
      else fill(value, inCard || key === "card");
    }
  };
  fill(copy, false);
  return copy as T;
}
