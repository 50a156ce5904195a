/**
 * The ActivityPub object of a local status: a `Note` (a `Question` when it has a poll) with
 * Mastodon's field set and addressing (INTEROP §1.8; compare Mastodon's NoteSerializer and
 * ActivityPub::TagManager#to/#cc). Built from the same bundle the client API hydrates, plus the
 * attachment rows (the object needs their content types) and the replied-to status's id.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import type { Account, MediaAttachment, Poll, Status } from "../../db/schema";
import { localStatusUri, localStatusUrl, type StatusBundle } from "../../entities/status";
import { type EmojiTag, emojiTagsFor, emojiTagsIn } from "../../services/custom-emojis";
import { loadStatusBundles } from "../../services/hydrate";
import { tagUrl } from "../../text/status-text";
import { actorUri, mediaUrl } from "../../urls";
import { isoDate } from "../../util/time";
import { loadNoteQuotes, type NoteQuote, QUOTE_CONTEXT_TERMS, quoteNoteFields } from "../quotes";
import { PUBLIC_COLLECTION } from "../vocab/json";

/** Mastodon's context for statuses and their activities. */
export const NOTE_CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  {
    ostatus: "http://ostatus.org#",
    atomUri: "ostatus:atomUri",
    inReplyToAtomUri: "ostatus:inReplyToAtomUri",
    conversation: "ostatus:conversation",
    sensitive: "as:sensitive",
    toot: "http://joinmastodon.org/ns#",
    votersCount: "toot:votersCount",
    blurhash: "toot:blurhash",
    focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
    Hashtag: "as:Hashtag",
    Emoji: "toot:Emoji",
    ...QUOTE_CONTEXT_TERMS,
  },
] as const;

export type JsonObject = Record<string, unknown>;

/** ActivityPub id of any account: remote ones carry it, local ones derive it from the username. */
export function accountUri(config: Config, account: Pick<Account, "uri" | "username" | "domain">): string {
  return account.domain === null ? actorUri(config, account.username) : (account.uri ?? "");
}

export function followersUri(config: Config, account: Pick<Account, "uri" | "username" | "domain" | "followersUrl">): string {
  return account.domain === null ? `${actorUri(config, account.username)}/followers` : (account.followersUrl ?? "");
}

/** ActivityPub id of a status (local ones derived; boosts are `…/activity`). */
export function statusUri(
  config: Config,
  status: Pick<Status, "id" | "uri" | "reblogOfId">,
  author: Pick<Account, "username">,
): string {
  return status.uri ?? localStatusUri(config, author.username, status);
}

/** Mastodon's addressing: `to` and `cc` for a status of this visibility mentioning these accounts. */
export function addressing(
  config: Config,
  author: Account,
  visibility: Status["visibility"],
  mentioned: readonly Account[],
  extraCc: readonly string[] = [],
): { to: string[]; cc: string[] } {
  const followers = followersUri(config, author);
  const mentions = mentioned.map((a) => accountUri(config, a));
  const uniq = (xs: string[]) => [...new Set(xs.filter((x) => x !== ""))];
  switch (visibility) {
    case "public":
      return { to: [PUBLIC_COLLECTION], cc: uniq([...extraCc, followers, ...mentions]) };
    case "unlisted":
      return { to: [followers], cc: uniq([...extraCc, PUBLIC_COLLECTION, ...mentions]) };
    case "private":
      return { to: [followers], cc: uniq([...extraCc, ...mentions]) };
    case "direct":
      return { to: uniq(mentions), cc: uniq([...extraCc]) };
  }
}

export interface NoteSource {
  bundle: StatusBundle;
  media: MediaAttachment[];
  /** ActivityPub id of the replied-to status, when it still exists. */
  inReplyToUri: string | null;
  /** `Emoji` tags of the local custom emoji its text uses (src/services/custom-emojis.ts). */
  emojiTags?: EmojiTag[];
  /** Its quote, if it is a quote post (src/federation/quotes.ts). */
  quote?: NoteQuote;
}

/** Loads what the object of local status `statusId` needs; undefined when it is gone or not local. */
export async function loadNoteSource(db: Db, config: Config, statusId: number): Promise<NoteSource | undefined> {
  return (await loadNoteSources(db, config, [statusId])).get(statusId);
}

/**
 * Bulk form of loadNoteSource: three round trips whatever the number of ids (bundles, media,
 * replied-to statuses). Boosts come back too, with their boosted bundle in `bundle.reblog`.
 */
export async function loadNoteSources(db: Db, config: Config, ids: readonly number[]): Promise<Map<number, NoteSource>> {
  const out = new Map<number, NoteSource>();
  const bundles = await loadStatusBundles(db, null, ids, { skipVisibility: true });
  const local = [...bundles.values()].filter((b) => b.account.domain === null);
  if (local.length === 0) return out;
  const _idSet = JSON.stringify(local.map((b) => b.status.id));
  const parentSet = JSON.stringify(local.flatMap((b) => (b.status.inReplyToId === null ? [] : [b.status.inReplyToId])));
  const parents = await db.all<{ id: number; uri: string | null; reblog_of_id: number | null; username: string }>(sql`
    SELECT s.id, s.uri, s.reblog_of_id, a.username FROM statuses s JOIN accounts a ON a.id = s.account_id
    WHERE s.id IN (SELECT value FROM json_each(${parentSet}))`);
  // One query for the page, none when no text names a `:shortcode:`.
  const emoji = await emojiTagsFor(
    db,
    config,
    local.flatMap((b) => [b.status.content, b.status.spoilerText]),
  );
  const quotes = await loadNoteQuotes(
    db,
    config,
    local.map((b) => b.status),
  );
  const parentUri = new Map(
    parents.map((p) => [p.id, p.uri ?? localStatusUri(config, p.username, { id: p.id, reblogOfId: p.reblog_of_id })]),
  );
  for (const bundle of local) {
    const { status } = bundle;
    out.set(status.id, {
      bundle,
      media: bundle.mediaRows ?? [],
      inReplyToUri: status.inReplyToId === null ? null : (parentUri.get(status.inReplyToId) ?? null),
      emojiTags: emojiTagsIn(emoji, [status.content, status.spoilerText]),
      ...(quotes.has(status.id) ? { quote: quotes.get(status.id) } : {}),
    });
  }
  return out;
}

function mentionName(config: Config, account: Account): string {
  return `@${account.username}@${account.domain ?? config.localDomain}`;
}

function attachmentJson(config: Config, m: MediaAttachment): JsonObject | null {
  const url = m.fileKey ? mediaUrl(config, m.fileKey) : m.remoteUrl;
  if (!url || m.processedAt === null) return null;
  const json: JsonObject = {
    type: "Document",
    mediaType: m.contentType ?? "application/octet-stream",
    url,
    name: m.description,
    blurhash: m.blurhash,
  };
  const focus = m.meta.focus;
  if (focus && m.type !== "audio") json.focalPoint = [focus.x, focus.y];
  const original = m.meta.original;
  if (original && typeof original.width === "number" && typeof original.height === "number") {
    json.width = original.width;
    json.height = original.height;
  }
  return json;
}

function pollFields(poll: Poll, now: number): JsonObject {
  const options = poll.options.map((o, i) => ({
    type: "Note",
    name: o.title,
    replies: { type: "Collection", totalItems: poll.tallies[i] ?? 0 },
  }));
  const fields: JsonObject = { [poll.multiple ? "anyOf" : "oneOf"]: options, votersCount: poll.votersCount };
  if (poll.expiresAt !== null) {
    fields.endTime = isoDate(poll.expiresAt);
    if (poll.expiresAt <= now) fields.closed = isoDate(poll.expiresAt);
  }
  return fields;
}

/** The object (without `@context`) of a local, non-boost status. */
export function noteObject(config: Config, source: NoteSource, now = Date.now()): JsonObject {
  const { bundle, media } = source;
  const { status, account } = bundle;
  const uri = statusUri(config, status, account);
  const { to, cc } = addressing(config, account, status.visibility, bundle.mentions);
  const tag: JsonObject[] = [
    ...bundle.mentions.map((a) => ({ type: "Mention", href: accountUri(config, a), name: mentionName(config, a) })),
    ...bundle.tags.map((name) => ({ type: "Hashtag", href: tagUrl(config, name), name: `#${name}` })),
    ...((source.emojiTags ?? []) as unknown as JsonObject[]),
  ];
  const note: JsonObject = {
    id: uri,
    type: bundle.poll ? "Question" : "Note",
    summary: status.spoilerText === "" ? null : status.spoilerText,
    inReplyTo: source.inReplyToUri,
    published: isoDate(status.createdAt),
    url: status.url ?? localStatusUrl(config, account.username, status.id),
    attributedTo: actorUri(config, account.username),
    to,
    cc,
    sensitive: status.sensitive,
    atomUri: uri,
    inReplyToAtomUri: source.inReplyToUri,
    content: status.content,
    ...(status.language ? { contentMap: { [status.language]: status.content } } : {}),
    ...(status.editedAt !== null ? { updated: isoDate(status.editedAt) } : {}),
    attachment: media.flatMap((m) => attachmentJson(config, m) ?? []),
    tag,
    replies: {
      id: `${uri}/replies`,
      type: "Collection",
      first: { type: "CollectionPage", next: `${uri}/replies?page=true`, partOf: `${uri}/replies`, items: [] },
    },
    likes: { id: `${uri}/likes`, type: "Collection", totalItems: status.favouritesCount },
    shares: { id: `${uri}/shares`, type: "Collection", totalItems: status.reblogsCount },
  };
  if (bundle.poll) Object.assign(note, pollFields(bundle.poll, now));
  Object.assign(note, quoteNoteFields(config, status, account, source.quote));
  return note;
}
