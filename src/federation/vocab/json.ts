/**
 * Reading ActivityStreams as plain JSON, the way Mastodon does: known term names plus the compact
 * aliases peers actually send (`as:sensitive`, `toot:discoverable`, ...), never JSON-LD expansion
 * (DESIGN §3: a general JSON-LD processor costs ~2.7 ms per activity; this costs microseconds).
 *
 * Every reader here is total: it takes `unknown` and returns a typed value or null/[], so the
 * parsers built on them can say precisely what was missing instead of throwing.
 */

export type JsonObject = { [key: string]: unknown };

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

export function reject(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

export const PUBLIC_COLLECTION = "https://www.w3.org/ns/activitystreams#Public";

/** Namespace prefixes and IRIs of the terms we read, for compact (`toot:x`) and expanded spellings. */
const NAMESPACES = {
  as: "https://www.w3.org/ns/activitystreams#",
  toot: "http://joinmastodon.org/ns#",
  ostatus: "http://ostatus.org#",
  sec: "https://w3id.org/security#",
  schema: "http://schema.org#",
  misskey: "https://misskey-hub.net/ns#",
  fedibird: "http://fedibird.com/ns#",
} as const;

export type Namespace = keyof typeof NAMESPACES;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A term's value under its plain name, its `prefix:name` alias or its full IRI. Mastodon's own
 * documents use plain names; GoToSocial, Pleroma and older peers sometimes send the prefixed form.
 */
export function term(obj: JsonObject, name: string, ns: Namespace = "as"): unknown {
  if (obj[name] !== undefined) return obj[name];
  const prefixed = obj[`${ns}:${name}`];
  if (prefixed !== undefined) return prefixed;
  return obj[`${NAMESPACES[ns]}${name}`];
}

/** JSON-LD allows any property to be one value or an array of them. */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function str(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

/** A string or, as Misskey and some Pleroma versions send, a one-element array of strings. */
export function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return null;
}

export function bool(value: unknown): boolean | null {
  return typeof value === "boolean" ? value : null;
}

/**
 * An absolute http(s) URL with a host and no credentials. A pattern, not `new URL()`: it runs for
 * every id in every inbound activity, and the parser costs several times more (DESIGN §4 budget).
 */
const HTTP_URL_RE = /^https?:\/\/[^\s/?#@[\]:]+(?::\d{1,5})?(?:[/?#]\S*)?$/i;
const HTTP_URL_IPV6_RE = /^https?:\/\/\[[0-9a-f:.]+\](?::\d{1,5})?(?:[/?#]\S*)?$/i;

/** An absolute http(s) URL, returned as given (ids are compared as strings, as Mastodon does). */
export function httpUrl(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 2048) return null;
  return HTTP_URL_RE.test(value) || HTTP_URL_IPV6_RE.test(value) ? value : null;
}

/**
 * The id a reference names: an IRI string, or an embedded object's `id`, or a Link's `href`.
 * Anything else (blank nodes, arrays of ids) names nothing.
 */
export function idOf(value: unknown): string | null {
  if (typeof value === "string") return httpUrl(value);
  if (isObject(value)) return httpUrl(value.id) ?? (hasType(value, "Link") ? httpUrl(value.href) : null);
  return null;
}

export function ids(value: unknown): string[] {
  const out: string[] = [];
  for (const item of asArray(value)) {
    const id = idOf(item);
    if (id !== null && !out.includes(id)) out.push(id);
  }
  return out;
}

/** `type` as a list of names without `as:` prefixes: some peers send `["Person", "Service"]` or `as:Note`. */
export function typesOf(obj: JsonObject): string[] {
  return asArray(obj.type)
    .filter((t): t is string => typeof t === "string")
    .map((t) => (t.startsWith("as:") ? t.slice(3) : t.startsWith(NAMESPACES.as) ? t.slice(NAMESPACES.as.length) : t));
}

export function hasType(obj: JsonObject, name: string): boolean {
  return typesOf(obj).includes(name);
}

/** The first of `obj`'s types that is in `known`, so `["Note", "Custom"]` reads as a Note. */
export function knownType<T extends string>(obj: JsonObject, known: readonly T[]): T | null {
  for (const t of typesOf(obj)) if ((known as readonly string[]).includes(t)) return t as T;
  return null;
}

/** ISO 8601 date-time (any offset) normalised to `YYYY-MM-DDTHH:mm:ss.SSSZ`; null when unparseable. */
export function date(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 64) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export function nonNegativeInt(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : null;
}

/** `contentMap` / `nameMap`: language tag → text, keeping only string values. */
export function langMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(value)) return out;
  for (const [lang, v] of Object.entries(value)) if (typeof v === "string") out[lang] = v;
  return out;
}

/** `as:Public` and `Public` are the same collection as its full IRI (ActivityStreams §5.6). */
export function audience(value: unknown): string[] {
  const out: string[] = [];
  for (const item of asArray(value)) {
    let id: string | null;
    if (item === "as:Public" || item === "Public") id = PUBLIC_COLLECTION;
    else id = idOf(item);
    if (id !== null && !out.includes(id)) out.push(id);
  }
  return out;
}

/**
 * A `url` property: a string, a Link, or an array of either. Prefers a text/html Link, as Mastodon
 * does when choosing the page to link to.
 */
export function urlOf(value: unknown): string | null {
  let fallback: string | null = null;
  for (const item of asArray(value)) {
    if (typeof item === "string") {
      const url = httpUrl(item);
      if (url && !fallback) fallback = url;
      continue;
    }
    if (!isObject(item)) continue;
    const href = httpUrl(item.href) ?? httpUrl(item.url) ?? (hasType(item, "Link") ? null : httpUrl(item.id));
    if (!href) continue;
    if (item.mediaType === "text/html") return href;
    if (!fallback) fallback = href;
  }
  return fallback;
}
