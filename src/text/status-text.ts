/**
 * Status text as Mastodon treats it: the entities it recognises (URLs, @mentions, #hashtags), the HTML
 * it renders (TextFormatter + Rails' simple_format), and the length it counts (StatusLengthValidator:
 * every URL costs 23 characters, `@user@domain` costs `@user`, lengths are grapheme clusters).
 */
import { type Config, isLocalOnlyDomain } from "../config";
import { escapeHtml, linkHtml, URL_RE } from "./html";

export interface UrlEntity {
  kind: "url";
  start: number;
  end: number;
  url: string;
}
export interface MentionEntity {
  kind: "mention";
  start: number;
  end: number;
  /** What followed the `@`, as typed: `user` or `user@domain`. */
  screenName: string;
  username: string;
  /** Lower-cased; null when none was written. */
  domain: string | null;
}
export interface HashtagEntity {
  kind: "hashtag";
  start: number;
  end: number;
  /** As typed, without `#`. */
  name: string;
}
export type TextEntity = UrlEntity | MentionEntity | HashtagEntity;

// Account::MENTION_RE: not after `=`, `/` or a word character; a username, optionally `@domain`.
// A `:port` is captured too but kept only for local-only hosts (loopback instances in development);
// elsewhere it stays text, as Mastodon's pattern has no port.
const MENTION_RE =
  /(?<![=/\p{L}\p{M}\p{N}\p{Pc}])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@([\p{L}\p{M}\p{N}\p{Pc}.-]+[\p{L}\p{M}\p{N}\p{Pc}]+)(?::(\d{1,5})\b)?)?/giu;
// Tag::HASHTAG_RE, loosely: word characters and the separators Mastodon allows inside a tag; the
// candidate is then trimmed and checked (must start with a word character and hold a letter).
const HASHTAG_RE = /(?<![=/)\p{L}\p{N}])#([\p{L}\p{M}\p{N}_\u00B7\u30FB\u200C]+)/gu;
const TAG_SEPARATORS = /[\u00B7\u30FB\u200C]+$/u;

/** All entities in `text`, ordered and non-overlapping; URLs win over what looks like tags inside them. */
export function extractEntities(text: string): TextEntity[] {
  const urls: TextEntity[] = [];
  for (const m of text.matchAll(URL_RE)) {
    const start = m.index ?? 0;
    urls.push({ kind: "url", start, end: start + m[0].length, url: m[0] });
  }
  const others: TextEntity[] = [];
  for (const m of text.matchAll(MENTION_RE)) {
    const start = m.index ?? 0;
    const username = m[1] ?? "";
    const host = m[2] ? m[2].toLowerCase() : null;
    const withPort = host !== null && m[3] !== undefined && isLocalOnlyDomain(host);
    const domain = host !== null && withPort ? `${host}:${m[3]}` : host;
    const written = m[3] !== undefined && !withPort ? m[0].slice(0, -(m[3].length + 1)) : m[0];
    others.push({ kind: "mention", start, end: start + written.length, screenName: written.slice(1), username, domain });
  }
  for (const m of text.matchAll(HASHTAG_RE)) {
    const start = m.index ?? 0;
    const name = (m[1] ?? "").replace(TAG_SEPARATORS, "");
    if (!/^[\p{L}\p{M}\p{N}_]/u.test(name) || !/\p{L}/u.test(name)) continue;
    others.push({ kind: "hashtag", start, end: start + 1 + name.length, name });
  }
  const all = [...urls, ...others].sort((a, b) => a.start - b.start || (a.kind === "url" ? -1 : 1));
  const kept: TextEntity[] = [];
  for (const e of all) {
    const prev = kept[kept.length - 1];
    if (prev && e.start < prev.end) continue;
    kept.push(e);
  }
  return kept;
}

const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;

/** Length in grapheme clusters, as Ruby's `each_grapheme_cluster.size`. */
export function graphemeLength(text: string): number {
  if (!segmenter) return [...text].length;
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

/** StatusLengthValidator: spoiler text plus text, URLs as `urlLength` characters, mentions without domain. */
export function countStatusLength(text: string, spoilerText: string, urlLength: number): number {
  let countable = "";
  let last = 0;
  for (const e of extractEntities(text)) {
    if (e.kind === "hashtag") continue;
    countable += text.slice(last, e.start);
    countable += e.kind === "url" ? "x".repeat(urlLength) : `@${e.username}`;
    last = e.end;
  }
  countable += text.slice(last);
  return graphemeLength(spoilerText + countable);
}

/** True when a mention's domain names this server (LOCAL_DOMAIN or WEB_DOMAIN) or is absent. */
export function isLocalMention(config: Config, mention: MentionEntity): boolean {
  return mention.domain === null || mention.domain === config.localDomain || mention.domain === config.webDomain;
}

/**
 * The key under which a hashtag is stored and looked up (Mastodon's HashtagNormalizer): NFKC,
 * lower-cased, Latin diacritics folded, separators dropped.
 */
export function normalizeTag(name: string): string {
  const lowered = name.normalize("NFKC").toLowerCase();
  const folded = lowered.replace(/[\u00C0-\u024F\u1E00-\u1EFF]/g, (ch) => ch.normalize("NFD").replace(/\p{M}/gu, ""));
  return folded.replace(/[\u00B7\u30FB\u200C]/g, "");
}

/** The distinct hashtags of a text: normalized name and the spelling first used. */
export function extractTags(entities: readonly TextEntity[]): Array<{ name: string; displayName: string }> {
  const seen = new Map<string, string>();
  for (const e of entities) {
    if (e.kind !== "hashtag") continue;
    const key = normalizeTag(e.name);
    if (key && !seen.has(key)) seen.set(key, e.name);
  }
  return [...seen].map(([name, displayName]) => ({ name, displayName }));
}

/** The key `renderStatusHtml` finds a mention's target under: `user` for local, `user@domain` for remote. */
export function mentionKey(config: Config, mention: MentionEntity): string {
  return isLocalMention(config, mention) ? mention.username.toLowerCase() : `${mention.username}@${mention.domain}`.toLowerCase();
}

export interface MentionTarget {
  username: string;
  /** Profile URL the mention links to. */
  url: string;
}

export function tagUrl(config: Config, name: string): string {
  return `${config.baseUrl}/tags/${encodeURIComponent(name)}`;
}

/**
 * Renders status text to Mastodon's HTML. `mentioned` maps `mentionKey`s (lower-cased `user` for local,
 * `user@domain` for remote accounts) to the accounts they name; other mentions stay plain text.
 */
export function renderStatusHtml(
  config: Config,
  text: string,
  entities: readonly TextEntity[],
  mentioned: ReadonlyMap<string, MentionTarget>,
): string {
  if (text.trim() === "") return "";
  let html = "";
  let last = 0;
  for (const e of entities) {
    html += escapeHtml(text.slice(last, e.start));
    html += entityHtml(config, e, mentioned);
    last = e.end;
  }
  html += escapeHtml(text.slice(last));
  return simpleFormat(html);
}

function entityHtml(config: Config, e: TextEntity, mentioned: ReadonlyMap<string, MentionTarget>): string {
  if (e.kind === "url") return linkHtml(e.url);
  if (e.kind === "hashtag") {
    return `<a href="${escapeHtml(tagUrl(config, normalizeTag(e.name)))}" class="mention hashtag" rel="tag">#<span>${escapeHtml(e.name)}</span></a>`;
  }
  const target = mentioned.get(mentionKey(config, e));
  if (!target) return `@${escapeHtml(e.screenName)}`;
  return (
    `<span class="h-card" translate="no"><a href="${escapeHtml(target.url)}" class="u-url mention">` +
    `@<span>${escapeHtml(target.username)}</span></a></span>`
  );
}

/** Rails' simple_format as Mastodon uses it: paragraphs on blank lines, `<br />` for single newlines. */
function simpleFormat(html: string): string {
  return html
    .replace(/\r\n?/g, "\n")
    .split(/\n\n+/)
    .map((p) => `<p>${p.replace(/([^\n])\n(?=[^\n])/g, "$1<br />").replace(/\n/g, "")}</p>`)
    .join("");
}
