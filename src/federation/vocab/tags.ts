/**
 * The small value types that hang off actors and objects: tags (Mention, Hashtag, Emoji), media
 * attachments (Document and friends), Links, PropertyValue profile fields and images.
 * Unknown entries are skipped, never fatal: one odd tag must not lose a whole post.
 */
import { asArray, hasType, httpUrl, isObject, type JsonObject, knownType, nonNegativeInt, str, term, text, urlOf } from "./json";

export interface Mention {
  type: "Mention";
  href: string;
  /** `@user@host` or `@user`, as sent. */
  name: string | null;
}

export interface Hashtag {
  type: "Hashtag";
  href: string | null;
  /** Without the leading `#`. */
  name: string;
}

export interface Emoji {
  type: "Emoji";
  /** Akkoma sends `id: null` (GoToSocial posts.md). */
  id: string | null;
  /** The shortcode without colons. */
  shortcode: string;
  url: string;
  mediaType: string | null;
}

export type Tag = Mention | Hashtag | Emoji;

export interface Link {
  type: "Link";
  href: string;
  mediaType: string | null;
  name: string | null;
}

export const ATTACHMENT_TYPES = ["Document", "Image", "Video", "Audio"] as const;
export type AttachmentType = (typeof ATTACHMENT_TYPES)[number];

export interface Attachment {
  type: AttachmentType;
  url: string;
  mediaType: string | null;
  /** Alt text: `summary` (GoToSocial) or `name` (Mastodon). */
  description: string | null;
  blurhash: string | null;
  /** x, y in −1..1 (Mastodon's `focalPoint`). */
  focalPoint: [number, number] | null;
  width: number | null;
  height: number | null;
}

export interface PropertyValue {
  name: string;
  /** HTML, as sent; sanitize before storing. */
  value: string;
}

export interface ImageRef {
  url: string;
  mediaType: string | null;
}

function parseTag(item: unknown): Tag | null {
  if (!isObject(item)) return null;
  const type = knownType(item, ["Mention", "Hashtag", "Emoji"]);
  if (type === "Mention") {
    const href = httpUrl(item.href) ?? httpUrl(item.id);
    return href ? { type, href, name: str(item.name) } : null;
  }
  if (type === "Hashtag") {
    const name = str(item.name)?.replace(/^#/, "");
    return name ? { type, href: httpUrl(item.href), name } : null;
  }
  if (type === "Emoji") {
    const shortcode = str(item.name)?.replace(/^:|:$/g, "");
    const icon = parseImage(item.icon);
    if (!shortcode || !icon) return null;
    return { type, id: httpUrl(item.id), shortcode, url: icon.url, mediaType: icon.mediaType };
  }
  return null;
}

export function parseTags(value: unknown): Tag[] {
  const out: Tag[] = [];
  for (const item of asArray(value)) {
    const tag = parseTag(item);
    if (tag) out.push(tag);
  }
  return out;
}

function focalPoint(value: unknown): [number, number] | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [x, y] = value;
  if (typeof x !== "number" || typeof y !== "number") return null;
  if (Math.abs(x) > 1 || Math.abs(y) > 1) return null;
  return [x, y];
}

function parseAttachment(item: JsonObject): Attachment | null {
  const type = knownType(item, ATTACHMENT_TYPES);
  if (!type) return null;
  const url = urlOf(item.url);
  if (!url) return null;
  const mediaType =
    str(item.mediaType) ??
    asArray(item.url)
      .filter(isObject)
      .map((l) => str(l.mediaType))
      .find((m) => m !== null) ??
    null;
  return {
    type,
    url,
    mediaType,
    description: text(item.summary) || text(item.name) || null,
    blurhash: str(term(item, "blurhash", "toot")),
    focalPoint: focalPoint(term(item, "focalPoint", "toot")),
    width: nonNegativeInt(item.width),
    height: nonNegativeInt(item.height),
  };
}

/** Media attachments, and the Links that Lemmy and Friendica put in `attachment` for a post's link. */
export function parseAttachments(value: unknown): { attachments: Attachment[]; links: Link[] } {
  const attachments: Attachment[] = [];
  const links: Link[] = [];
  for (const item of asArray(value)) {
    if (!isObject(item)) continue;
    if (hasType(item, "Link")) {
      const href = httpUrl(item.href);
      if (href) links.push({ type: "Link", href, mediaType: str(item.mediaType), name: str(item.name) });
      continue;
    }
    const attachment = parseAttachment(item);
    if (attachment) attachments.push(attachment);
  }
  return { attachments, links };
}

/** Profile fields: `PropertyValue{name, value}` entries of an actor's `attachment`. */
export function parsePropertyValues(value: unknown): PropertyValue[] {
  const out: PropertyValue[] = [];
  for (const item of asArray(value)) {
    if (!isObject(item) || !hasType(item, "PropertyValue")) continue;
    const name = text(item.name);
    const v = text(term(item, "value", "schema"));
    if (name !== null && v !== null) out.push({ name, value: v });
  }
  return out;
}

/** An `icon` / `image`: an Image object, a bare URL, or an array of them (the first usable one). */
export function parseImage(value: unknown): ImageRef | null {
  for (const item of asArray(value)) {
    if (typeof item === "string") {
      const url = httpUrl(item);
      if (url) return { url, mediaType: null };
      continue;
    }
    if (!isObject(item)) continue;
    const url = urlOf(item.url) ?? httpUrl(item.href);
    if (url) return { url, mediaType: str(item.mediaType) };
  }
  return null;
}
