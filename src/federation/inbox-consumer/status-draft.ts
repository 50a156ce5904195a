/**
 * A remote post (Note, Question, Article, Page, Video, ...) turned into what a status row stores, as
 * Mastodon's ActivityPub::Activity::Create / ProcessStatusUpdateService read it: sanitized HTML,
 * content warning, language, visibility from the audience, mentions (tagged ones notify, addressed
 * ones are silent), hashtags, media links (remote URLs; caching is the media module's job) and the poll.
 * Custom emoji are not stored: Petrel has no custom emoji table yet.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { Account, MediaMeta, MediaType, Visibility } from "../../db/schema";
import { newId } from "../../ids";
import { runInBatch } from "../../services/statuses/raw";
import { normalizeTag } from "../../text/status-text";
import { sanitizeHtml, stripControlCharacters } from "../sanitize";
import { PUBLIC_COLLECTION } from "../vocab/json";
import type { ApObject } from "../vocab/object";
import type { Attachment } from "../vocab/tags";
import { type InboxContext, isLocalUri, localUsernameOf } from "./context";

/** Mastodon keeps four attachments of a remote post. */
export const MAX_REMOTE_MEDIA = 4;
const MAX_MENTIONS = 100;
const MAX_TAGS = 50;
const MAX_POLL_OPTIONS = 500;
const SPOILER_MAX = 1_000;
const DESCRIPTION_MAX = 1_500;
const TAG_RE = /^[\p{L}\p{M}\p{N}_]{1,100}$/u;

export interface DraftMention {
  accountId: number;
  local: boolean;
  silent: boolean;
}

export interface DraftPoll {
  options: string[];
  tallies: number[];
  multiple: boolean;
  votesCount: number;
  votersCount: number;
  expiresAt: number | null;
}

export interface StatusDraft {
  content: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
  visibility: Visibility;
  url: string | null;
  mentions: DraftMention[];
  tags: Array<{ name: string; displayName: string }>;
  media: Attachment[];
  poll: DraftPoll | null;
}

/** Mastodon's audience rules (spec/activitypub.md): Public in `to`, in `cc`, followers only, else direct. */
export function visibilityOf(object: Pick<ApObject, "to" | "cc">, author: Pick<Account, "followersUrl" | "uri">): Visibility {
  if (object.to.includes(PUBLIC_COLLECTION)) return "public";
  if (object.cc.includes(PUBLIC_COLLECTION)) return "unlisted";
  const followers = author.followersUrl ?? (author.uri ? `${author.uri}/followers` : null);
  if (followers && [...object.to, ...object.cc].includes(followers)) return "private";
  return "direct";
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Article, Page, Video and the like are shown as Mastodon converts them: title, text, then the link. */
async function contentOf(object: ApObject): Promise<string> {
  if (object.type === "Note" || object.type === "Question") return sanitizeHtml(object.content ?? "");
  const parts: string[] = [];
  if (object.name) parts.push(`<p><strong>${escapeHtml(object.name)}</strong></p>`);
  if (object.content) parts.push(object.content);
  else if (object.summary) parts.push(`<p>${escapeHtml(object.summary)}</p>`);
  const link = object.url ?? object.id;
  parts.push(`<p><a href="${escapeHtml(link)}">${escapeHtml(link)}</a></p>`);
  return sanitizeHtml(parts.join(""));
}

function languageOf(object: ApObject): string | null {
  const primary = object.language?.split(/[-_]/)[0]?.toLowerCase();
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : null;
}

/** Tagged mentions notify; accounts only addressed in to/cc get silent ones (they may see, not hear). */
async function mentionsOf(ctx: InboxContext, object: ApObject, author: Account): Promise<DraftMention[]> {
  const tagged = new Set(object.tags.flatMap((t) => (t.type === "Mention" ? [t.href] : [])));
  const followers = author.followersUrl;
  const addressed = [...object.to, ...object.cc].filter((a) => a !== PUBLIC_COLLECTION && a !== followers);
  const uris = [...new Set([...tagged, ...addressed])].slice(0, MAX_MENTIONS);
  const localNames = new Map<string, string>();
  const remote: string[] = [];
  for (const uri of uris) {
    const name = localUsernameOf(ctx, uri);
    if (name) localNames.set(name.toLowerCase(), uri);
    else if (!isLocalUri(ctx, uri)) remote.push(uri);
  }
  const found: Array<{ id: number; uri: string; local: boolean }> = [];
  if (localNames.size > 0) {
    const rows = await ctx.db.all<{ id: number; acct_key: string }>(sql`
      SELECT id, acct_key FROM accounts WHERE domain IS NULL
        AND acct_key IN (SELECT value FROM json_each(${JSON.stringify([...localNames.keys()])}))`);
    for (const r of rows) found.push({ id: r.id, uri: localNames.get(r.acct_key) ?? "", local: true });
  }
  if (remote.length > 0) {
    // Only accounts already known: resolving every addressee would cost a fetch each.
    const rows = await ctx.db.all<{ id: number; uri: string }>(sql`
      SELECT id, uri FROM accounts WHERE uri IN (SELECT value FROM json_each(${JSON.stringify(remote)}))`);
    for (const r of rows) found.push({ id: r.id, uri: r.uri, local: false });
  }
  const seen = new Set<number>();
  const out: DraftMention[] = [];
  for (const f of found) {
    if (seen.has(f.id) || f.id === author.id) continue;
    seen.add(f.id);
    out.push({ accountId: f.id, local: f.local, silent: !tagged.has(f.uri) });
  }
  return out;
}

function tagsOf(object: ApObject): StatusDraft["tags"] {
  const seen = new Map<string, string>();
  for (const t of object.tags) {
    if (t.type !== "Hashtag") continue;
    const display = t.name.trim();
    const key = normalizeTag(display);
    if (!TAG_RE.test(key) || seen.has(key)) continue;
    seen.set(key, display);
    if (seen.size >= MAX_TAGS) break;
  }
  return [...seen].map(([name, displayName]) => ({ name, displayName }));
}

function pollOf(object: ApObject): DraftPoll | null {
  const poll = object.poll;
  if (!poll || poll.options.length === 0) return null;
  const options = poll.options.slice(0, MAX_POLL_OPTIONS);
  const tallies = options.map((o) => o.votes);
  const votesCount = tallies.reduce((a, b) => a + b, 0);
  const end = poll.closed ?? poll.endTime;
  return {
    options: options.map((o) => stripControlCharacters(o.name).slice(0, 200)),
    tallies,
    multiple: poll.multiple,
    votesCount,
    // A single-choice poll has one vote per voter; multiple-choice ones must tell.
    votersCount: poll.votersCount ?? (poll.multiple ? 0 : votesCount),
    expiresAt: end ? Date.parse(end) : null,
  };
}

export async function draftFromObject(ctx: InboxContext, object: ApObject, author: Account): Promise<StatusDraft> {
  const isPost = object.type === "Note" || object.type === "Question";
  const spoilerText = isPost ? stripControlCharacters(object.summary ?? "").slice(0, SPOILER_MAX) : "";
  return {
    content: await contentOf(object),
    spoilerText,
    sensitive: object.sensitive,
    language: languageOf(object),
    visibility: visibilityOf(object, author),
    url: object.url ?? object.id,
    mentions: await mentionsOf(ctx, object, author),
    tags: tagsOf(object),
    media: object.attachments.slice(0, MAX_REMOTE_MEDIA),
    poll: pollOf(object),
  };
}

function mediaTypeOf(a: Attachment): MediaType {
  const mime = (a.mediaType ?? "").toLowerCase();
  if (mime.startsWith("image/")) return mime === "image/gif" ? "gifv" : "image";
  if (mime.startsWith("video/")) return "video";
  if (mime.startsWith("audio/")) return "audio";
  if (a.type === "Image") return "image";
  if (a.type === "Video") return "video";
  if (a.type === "Audio") return "audio";
  return "unknown";
}

/** One media_attachments row per remote attachment: the remote URL, not yet cached (file_key null). */
export function mediaStatements(db: Db, statusId: number, authorId: number, media: Attachment[], now: number) {
  return media.map((a, position) => {
    const meta: MediaMeta = {};
    if (a.width && a.height)
      meta.original = { width: a.width, height: a.height, size: `${a.width}x${a.height}`, aspect: a.width / a.height };
    if (a.focalPoint) meta.focus = { x: a.focalPoint[0], y: a.focalPoint[1] };
    const description = a.description ? stripControlCharacters(a.description).slice(0, DESCRIPTION_MAX) : null;
    return runInBatch(
      db,
      sql`INSERT INTO media_attachments (id, account_id, status_id, type, content_type, remote_url, description, blurhash,
        meta, position, processed_at, created_at)
      VALUES (${newId(now)}, ${authorId}, ${statusId}, ${mediaTypeOf(a)}, ${a.mediaType}, ${a.url}, ${description},
        ${a.blurhash}, ${JSON.stringify(meta)}, ${position}, ${now}, ${now})`,
    );
  });
}

/** Mentions with their silent flag; a mention seen again loud stays loud. */
export function mentionRowsStatement(ctx: InboxContext, statusId: number, mentions: DraftMention[]) {
  const rows = JSON.stringify(mentions.map((m) => ({ a: m.accountId, s: m.silent ? 1 : 0 })));
  return runInBatch(
    ctx.db,
    sql`INSERT INTO mentions (status_id, account_id, silent)
      SELECT ${statusId}, json_extract(value, '$.a'), json_extract(value, '$.s') FROM json_each(${rows}) WHERE true
      ON CONFLICT (status_id, account_id) DO UPDATE SET silent = min(silent, excluded.silent)`,
  );
}
