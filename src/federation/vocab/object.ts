/**
 * Posts and their kin: Note and Question (Mastodon's native types), Article, Page, Video, Image,
 * Audio and Event (which Mastodon converts, INTEROP §1.8), and Tombstone. Pleroma ChatMessage,
 * BookWyrm Review/Comment, Funkwhale Track and the like are rejected with their type named:
 * Mastodon does not show them either.
 */
import {
  asArray,
  audience,
  bool,
  date,
  hasType,
  httpUrl,
  idOf,
  isObject,
  type JsonObject,
  knownType,
  langMap,
  nonNegativeInt,
  ok,
  type Parsed,
  reject,
  str,
  term,
  text,
  typesOf,
  urlOf,
} from "./json";
import { type Attachment, type ImageRef, type Link, parseAttachments, parseImage, parseTags, type Tag } from "./tags";

export const OBJECT_TYPES = ["Note", "Question", "Article", "Page", "Video", "Image", "Audio", "Event"] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export interface PollOption {
  name: string;
  votes: number;
}

export interface Poll {
  /** `anyOf` (several choices) rather than `oneOf`. */
  multiple: boolean;
  options: PollOption[];
  endTime: string | null;
  closed: string | null;
  votersCount: number | null;
}

export interface ApObject {
  kind: "object";
  id: string;
  type: ObjectType;
  /** The author: the first attributed actor that is not a Group (Lemmy and PeerTube list both). */
  attributedTo: string | null;
  /** FEP-1b12 / Lemmy: the community a post belongs to. */
  audience: string | null;
  /** HTML as sent (or the first `contentMap` entry); sanitize before storing. */
  content: string | null;
  contentMap: Record<string, string>;
  /** The language of `content`, when `contentMap` tells it. */
  language: string | null;
  name: string | null;
  /** The content warning. */
  summary: string | null;
  sensitive: boolean;
  inReplyTo: string | null;
  published: string | null;
  updated: string | null;
  url: string | null;
  to: string[];
  cc: string[];
  tags: Tag[];
  attachments: Attachment[];
  links: Link[];
  /** Thumbnail of Video/Page/Article posts (`icon`, or `image` as Lemmy sends). */
  icon: ImageRef | null;
  /** FEP-044f `quote`, else the legacy `quoteUrl`, `quoteUri`, `_misskey_quote` (Mastodon reads all four). */
  quote: string | null;
  quoteAuthorization: string | null;
  /** GoToSocial's `interactionPolicy.canQuote` as Mastodon reads it: actor/collection ids; null when absent. */
  canQuote: { automatic: string[]; manual: string[] } | null;
  conversation: string | null;
  replies: string | null;
  /** Misskey's MFM source (`_misskey_content`), kept for quotes and edits of Misskey posts. */
  misskeyContent: string | null;
  poll: Poll | null;
}

export interface Tombstone {
  kind: "tombstone";
  id: string;
  type: "Tombstone";
  formerType: string | null;
  deleted: string | null;
}

export type ObjectDocument = ApObject | Tombstone;

function pollOf(obj: JsonObject): Poll | null {
  const anyOf = asArray(obj.anyOf);
  const oneOf = asArray(obj.oneOf);
  const items = anyOf.length > 0 ? anyOf : oneOf;
  const options: PollOption[] = [];
  for (const item of items) {
    if (!isObject(item)) continue;
    const name = text(item.name);
    if (name === null) continue;
    const replies = isObject(item.replies) ? nonNegativeInt(item.replies.totalItems) : null;
    options.push({ name, votes: replies ?? 0 });
  }
  return {
    multiple: anyOf.length > 0,
    options,
    endTime: date(obj.endTime),
    closed: date(obj.closed) ?? (obj.closed === true ? date(obj.endTime) : null),
    votersCount: nonNegativeInt(term(obj, "votersCount", "toot")),
  };
}

/** The author among `attributedTo` entries: Lemmy/PeerTube list the community Group next to the Person. */
function authorOf(value: unknown): string | null {
  let first: string | null = null;
  for (const item of asArray(value)) {
    const id = idOf(item);
    if (!id) continue;
    if (!isObject(item) || !hasType(item, "Group")) return id;
    first ??= id;
  }
  return first;
}

function languageOf(content: string | null, contentMap: Record<string, string>): string | null {
  const entries = Object.entries(contentMap);
  if (entries.length === 1) return entries[0]?.[0] ?? null;
  for (const [lang, value] of entries) if (value === content) return lang;
  return null;
}

function quoteOf(obj: JsonObject): string | null {
  return (
    idOf(obj.quote) ??
    httpUrl(obj.quoteUrl) ??
    httpUrl(obj.quoteURL) ??
    httpUrl(term(obj, "quoteUri", "fedibird")) ??
    httpUrl(obj._misskey_quote)
  );
}

const PUBLIC_IRI = "https://www.w3.org/ns/activitystreams#Public";

function canQuoteOf(obj: JsonObject): { automatic: string[]; manual: string[] } | null {
  const policy = isObject(obj.interactionPolicy) ? obj.interactionPolicy.canQuote : undefined;
  if (!isObject(policy)) return null;
  // `as:Public` and `Public` are the compacted forms of the public collection.
  const ids = (v: unknown) => asArray(v).flatMap((x) => (x === "as:Public" || x === "Public" ? [PUBLIC_IRI] : (idOf(x) ?? [])));
  return { automatic: ids(policy.automaticApproval), manual: ids(policy.manualApproval) };
}

/** Mastodon's `conversation` is a `tag:` URI, not a URL; Pleroma's `context` may be either. */
function conversationOf(value: unknown): string | null {
  return typeof value === "string" ? str(value) : idOf(value);
}

export function parseObject(json: unknown): Parsed<ObjectDocument> {
  if (!isObject(json)) return reject("object is not a JSON object");
  const id = httpUrl(json.id);
  if (hasType(json, "Tombstone")) {
    if (!id) return reject("Tombstone has no http(s) id");
    return ok({ kind: "tombstone", id, type: "Tombstone", formerType: str(json.formerType), deleted: date(json.deleted) });
  }
  const type = knownType(json, OBJECT_TYPES);
  if (!type) return reject(`unsupported object type ${JSON.stringify(typesOf(json))}`);
  if (!id) return reject(`${type} has no http(s) id`);
  const contentMap = langMap(json.contentMap);
  const content = text(json.content) ?? Object.values(contentMap)[0] ?? null;
  const { attachments, links } = parseAttachments(json.attachment);
  const misskeySource =
    isObject(json.source) && json.source.mediaType === "text/x.misskeymarkdown" ? text(json.source.content) : null;
  return ok({
    kind: "object",
    id,
    type,
    attributedTo: authorOf(json.attributedTo),
    audience: idOf(json.audience),
    content,
    contentMap,
    language: languageOf(content, contentMap),
    name: text(json.name) ?? Object.values(langMap(json.nameMap))[0] ?? null,
    summary: text(json.summary) ?? Object.values(langMap(json.summaryMap))[0] ?? null,
    sensitive: bool(term(json, "sensitive")) ?? false,
    inReplyTo: idOf(json.inReplyTo),
    published: date(json.published),
    updated: date(json.updated),
    url: urlOf(json.url),
    to: audience(json.to),
    cc: audience(json.cc),
    tags: parseTags(json.tag),
    attachments,
    links,
    icon: parseImage(json.icon) ?? parseImage(json.image),
    quote: quoteOf(json),
    quoteAuthorization: idOf(json.quoteAuthorization),
    canQuote: canQuoteOf(json),
    conversation: conversationOf(term(json, "conversation", "ostatus")) ?? conversationOf(json.context),
    replies: idOf(json.replies),
    misskeyContent: text(json._misskey_content) ?? misskeySource,
    poll: type === "Question" ? pollOf(json) : null,
  });
}
