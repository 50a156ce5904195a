/** Minimal text-to-HTML for profile text; status rendering (mentions, hashtags) builds on these. */

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** http(s) URLs as linkify finds them; status rendering uses the same pattern so both agree. */
export const URL_RE = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]}]/g;

/** Escapes text and turns http(s) URLs into links the way Mastodon displays them. */
export function linkify(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    const url = m[0];
    const start = m.index ?? 0;
    out += escapeHtml(text.slice(last, start));
    out += linkHtml(url);
    last = start + url.length;
  }
  return out + escapeHtml(text.slice(last));
}

/** One URL as Mastodon displays it: scheme hidden, the first 30 characters shown, the rest elided. */
export function linkHtml(url: string): string {
  const m = /^(https?:\/\/(?:www\.)?)(.*)$/.exec(url);
  const prefix = m?.[1] ?? "";
  const rest = m?.[2] ?? url;
  const display = rest.slice(0, 30);
  const overflow = rest.slice(30);
  const cls = overflow ? "ellipsis" : "";
  return (
    `<a href="${escapeHtml(url)}" target="_blank" rel="nofollow noopener" translate="no">` +
    `<span class="invisible">${escapeHtml(prefix)}</span><span class="${cls}">${escapeHtml(display)}</span>` +
    `<span class="invisible">${escapeHtml(overflow)}</span></a>`
  );
}

/** Plain text → `<p>` paragraphs with `<br />` line breaks and linked URLs. */
export function plainTextToHtml(text: string): string {
  const normalized = text.replace(/\r\n?/g, "\n").trim();
  if (!normalized) return "";
  return normalized
    .split(/\n{2,}/)
    .map((p) => `<p>${p.split("\n").map(linkify).join("<br />")}</p>`)
    .join("");
}
