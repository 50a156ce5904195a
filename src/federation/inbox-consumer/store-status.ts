/**
 * Storing remote posts: `storeRemoteStatus` writes one post (status, mentions, tags, media, poll) in
 * ONE D1 batch and hands it to the FANOUT queue, which puts it in local followers' home feeds and
 * notifies mentioned local accounts, exactly as for a local post. `resolveStatus` finds a post by id,
 * fetching and storing it (and up to MAX_THREAD_DEPTH of its ancestors) when unknown.
 * Every post is checked against where it came from: its id must be on its author's server.
 */
import type { BatchItem } from "drizzle-orm/batch";
import type { Account, Poll, Status } from "../../db/schema";
import { polls, statuses } from "../../db/schema";
import { newId } from "../../ids";
import { storeRemoteEmojis } from "../../services/custom-emojis";
import { fanout } from "../../services/statuses/post";
import { tagStatements } from "../../services/statuses/render";
import { remoteQuotePolicy } from "../quotes";
import { type ApObject, parseObject } from "../vocab/object";
import {
  fetchObject,
  findStatusByUri,
  type InboxContext,
  isLocalUri,
  MAX_THREAD_DEPTH,
  PARENT_RETRY_ATTEMPTS,
  PermanentError,
  resolveAccount,
  sameOrigin,
  TransientError,
} from "./context";
import { type DraftPoll, draftFromObject, mediaStatements, mentionRowsStatement, type StatusDraft } from "./status-draft";
import { isTombstoned } from "./tombstones";

/**
 * The spoofing rules: the post's id is on the author's server, and when it arrived inside an
 * activity, that activity's actor is the author.
 */
export function checkAuthorship(object: ApObject, actorUri: string | null): string {
  const author = object.attributedTo;
  if (!author) throw new PermanentError(`${object.id} has no attributedTo`);
  if (actorUri !== null && author !== actorUri)
    throw new PermanentError(`${object.id} is attributed to ${author}, not ${actorUri}`);
  if (!sameOrigin(object.id, author)) throw new PermanentError(`${object.id} is not on its author's server ${author}`);
  return author;
}

export function pollRow(poll: DraftPoll, statusId: number, accountId: number, now: number, id = newId(now)): Poll {
  return {
    id,
    statusId,
    accountId,
    options: poll.options.map((title) => ({ title })),
    tallies: poll.tallies,
    multiple: poll.multiple,
    hideTotals: false,
    votesCount: poll.votesCount,
    votersCount: poll.votersCount,
    expiresAt: poll.expiresAt,
    endedNotifiedAt: null,
    lastFetchedAt: now,
    createdAt: now,
  };
}

/** The parent of a reply, fetched when unknown; null when it cannot be had (the reply is kept anyway). */
async function parentOf(ctx: InboxContext, uri: string, depth: number): Promise<Status | null> {
  const known = await findStatusByUri(ctx, uri);
  if (known) return known;
  if (depth >= MAX_THREAD_DEPTH || isLocalUri(ctx, uri)) return null;
  try {
    return await resolveStatus(ctx, uri, depth + 1);
  } catch (err) {
    // A parent's server that is down holds the reply back for a few tries, then no longer.
    if (err instanceof TransientError && ctx.attempt < PARENT_RETRY_ATTEMPTS) throw err;
    console.warn(`inbox: reply parent ${uri} not stored: ${(err as Error).message}`);
    return null;
  }
}

export interface StoreOptions {
  /** How many levels of ancestors were already fetched for the reply being stored. */
  depth?: number;
  /** Called with the draft before anything is written; returning false stores nothing. */
  accept?: (draft: StatusDraft, parent: Status | null) => Promise<boolean>;
}

/** Writes a remote post by `author`; returns the stored row (the existing one if already known), or null if declined. */
export async function storeRemoteStatus(
  ctx: InboxContext,
  object: ApObject,
  author: Account,
  options: StoreOptions = {},
): Promise<Status | null> {
  const existing = await findStatusByUri(ctx, object.id);
  if (existing) return existing;
  // Deleted by its author before it reached us (a parent, a boosted post, an embedded object).
  if (await isTombstoned(ctx, object.id)) return null;
  const parent = object.inReplyTo ? await parentOf(ctx, object.inReplyTo, options.depth ?? 0) : null;
  const draft = await draftFromObject(ctx, object, author);
  if (options.accept && !(await options.accept(draft, parent))) return null;

  const now = Date.now();
  const published = object.published ? Date.parse(object.published) : now;
  // Remote statuses take their ids from their published time, never from the future.
  const createdAt = Math.min(Number.isNaN(published) ? now : published, now);
  const id = newId(createdAt);
  const poll = draft.poll ? pollRow(draft.poll, id, author.id, now) : null;
  const row: Status = {
    id,
    uri: object.id,
    url: draft.url,
    accountId: author.id,
    local: false,
    inReplyToId: parent?.id ?? null,
    inReplyToAccountId: parent?.accountId ?? null,
    reblogOfId: null,
    conversationId: parent ? (parent.conversationId ?? parent.id) : id,
    text: "",
    content: draft.content,
    spoilerText: draft.spoilerText,
    sensitive: draft.sensitive,
    visibility: draft.visibility,
    language: draft.language,
    applicationId: null,
    pollId: poll?.id ?? null,
    mediaCount: draft.media.length,
    // Counted by triggers as the mentions and tags rows are inserted.
    mentionsCount: 0,
    tagsCount: 0,
    repliesCount: 0,
    reblogsCount: 0,
    favouritesCount: 0,
    quotedStatusId: null,
    quoteState: null,
    quoteApprovalPolicy: remoteQuotePolicy(object.canQuote, author),
    quotesCount: 0,
    editedAt: object.updated && object.published && object.updated !== object.published ? Date.parse(object.updated) : null,
    createdAt,
  };
  const statements: BatchItem<"sqlite">[] = [
    ctx.db.insert(statuses).values(row),
    ...(draft.mentions.length > 0 ? [mentionRowsStatement(ctx, id, draft.mentions)] : []),
    ...tagStatements(ctx.db, id, draft.tags, now),
    ...(poll ? [ctx.db.insert(polls).values(poll)] : []),
    ...mediaStatements(ctx.db, id, author.id, draft.media, now),
  ];
  try {
    await ctx.db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  } catch (err) {
    // Another message stored the same post meanwhile (statuses_uri is unique): theirs stands.
    const raced = await findStatusByUri(ctx, object.id);
    if (raced) return raced;
    throw err;
  }
  // Emoji tags kept as references (src/services/custom-emojis.ts): `:code:` in the content renders with them.
  await storeRemoteEmojis(
    ctx.db,
    author.domain ?? "",
    object.tags.flatMap((t) => (t.type === "Emoji" ? [t] : [])),
    now,
  );
  await fanout(ctx.fanout, id);
  return row;
}

/** Parses a fetched document as a post that its server may speak for. */
export function objectFromFetched(fetched: { json: unknown; url: string }, expectedId: string): ApObject {
  const parsed = parseObject(fetched.json);
  if (!parsed.ok) throw new PermanentError(`${expectedId}: ${parsed.reason}`);
  const doc = parsed.value;
  if (doc.kind === "tombstone") throw new PermanentError(`${expectedId} is deleted`);
  // A redirect or a lying server must not put a post of another origin under this id.
  if (!sameOrigin(doc.id, fetched.url) || !sameOrigin(doc.id, expectedId)) {
    throw new PermanentError(`${doc.id} was served by ${fetched.url}`);
  }
  return doc;
}

/** A post by id: stored, or fetched from its server and stored (with its ancestors, bounded). */
export async function resolveStatus(ctx: InboxContext, uri: string, depth = 0): Promise<Status> {
  const known = await findStatusByUri(ctx, uri);
  if (known) return known;
  if (isLocalUri(ctx, uri)) throw new PermanentError(`no local status ${uri}`);
  const object = objectFromFetched(await fetchObject(ctx, uri), uri);
  const authorUri = checkAuthorship(object, null);
  const author = await resolveAccount(ctx, authorUri);
  if (author.domain === null) throw new PermanentError(`${uri} claims a local author`);
  const stored = await storeRemoteStatus(ctx, object, author, { depth });
  if (!stored) throw new PermanentError(`${uri} was not stored`);
  return stored;
}
