/**
 * Posting a status (Mastodon's PostStatusService): validate → render → ONE D1 batch writing the
 * status, its mentions, tags, poll and idempotency row → FANOUT message → the Status entity, built
 * in memory from what was just written (no read-back).
 * The API, the scheduled-status publisher and (later) federation-free tools all post through here.
 */

import { eq } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type Account, oauthApplications, type Poll, polls, type Status, statuses, type User } from "../../db/schema";
import { serializeMediaAttachment } from "../../entities/media-attachment";
import type { ScheduledParams } from "../../entities/scheduled-status";
import { type MastodonStatus, type StatusBundle, serializeStatus } from "../../entities/status";
import { ApiError } from "../../errors";
import { quoteRequestUri, sendQuoteRequest } from "../../federation/quote-requests";
import { newId, parseId } from "../../ids";
import { enqueueFanout } from "../../queue/messages";
import { attachEmojis } from "../custom-emoji-hydrate";
import { newLocalStatusRow, type StatusRow } from "../home-rules";
import { claimMediaForStatus } from "../media";
import {
  anonymousQuote,
  checkDirectQuote,
  notifyQuoted,
  quoteEntity,
  quotePolicyName,
  quoteStatements,
  quoteVisibility,
  resolveQuote,
  resolveQuotePolicy,
} from "../quotes/compose-quote";
import { loadVisibleStatuses } from "../visibility";
import {
  type ComposeInput,
  cleanPollOptions,
  normalizeText,
  type PollInput,
  pollErrors,
  resolveLanguage,
  resolveSensitive,
  resolveVisibility,
  textErrors,
  validationError,
} from "./compose";
import { findIdempotentResponse, idempotencyStatements } from "./idempotency";
import { mentionStatements, renderStatusText, tagStatements } from "./render";
import { scheduleStatus } from "./schedule";

export interface PostEnv {
  db: Db;
  config: Config;
  fanout: Queue;
  /** DELIVERY producer: interactions with remote statuses federate through it (src/federation/outbound). */
  delivery?: Queue | undefined;
  /**
   * Streams a new status as it is committed (the API route, src/streaming/new-status.ts): given its
   * rendering without a viewer and its home-rules row, it returns reads to run last in the commit
   * batch and what to do with their results, or with none when the commit had to go without them.
   * The FANOUT consumer then skips the streams.
   */
  streamOnCommit?: ((status: MastodonStatus, row: StatusRow) => Promise<StreamOnCommit>) | undefined;
}

export interface StreamOnCommit {
  statements: BatchItem<"sqlite">[];
  /** `results`: the batch's results for `statements`; undefined when they were not run. */
  committed(results: readonly unknown[] | undefined): void;
}

export interface Author {
  account: Account;
  user: User;
}

export interface PostOptions {
  applicationId: number | null;
  /** The application as the status shows it, when the caller has it (the token's); else it is read. */
  application?: { name: string; website: string | null } | null;
  idempotencyKey?: string;
  now?: number;
  /** Statements to commit together with the status (the scheduled publisher deletes its row). */
  extraStatements?: BatchItem<"sqlite">[];
  /** false when publishing a scheduled status: `scheduled_at` is then ignored. */
  allowSchedule?: boolean;
}

export type PostResult = { kind: "status"; statusId: number; body: MastodonStatus } | { kind: "other"; body: unknown };

const IN_REPLY_NOT_FOUND = "The post you are trying to reply to does not appear to exist.";

export async function postStatus(env: PostEnv, author: Author, input: ComposeInput, options: PostOptions): Promise<PostResult> {
  const { db, config } = env;
  const now = options.now ?? Date.now();
  const key = options.idempotencyKey;
  if (key) {
    const replay = await findIdempotentResponse(db, author.user.id, key, now);
    if (replay !== undefined) return { kind: "other", body: replay };
  }

  const thread = await resolveThread(db, author.account.id, input.inReplyToId);
  const scheduledAt = options.allowSchedule === false ? undefined : parseScheduledAt(input.scheduledAt, now);
  const quote = await resolveQuote(db, author.account.id, input.quotedStatusId);
  const visibility = quoteVisibility(resolveVisibility(input.visibility, author.account, author.user), quote);
  const quotePolicy = resolveQuotePolicy(input.quoteApprovalPolicy, author.user, visibility);
  if (quote && !quote.quotedAccountLocal) quote.requestUri = quoteRequestUri(config, author.account.username, quote.id);
  const { text, spoilerText } = normalizeText(input);
  const hasMedia = input.mediaIds.length > 0;
  const errors = [
    // A status may be only media, as in Mastodon; with a poll it may not.
    ...(hasMedia && text === "" ? [] : textErrors(text, spoilerText)),
    ...(input.poll ? pollErrors(input.poll) : []),
    ...(input.poll && hasMedia ? ["Media attachments cannot be combined with a poll"] : []),
  ];
  if (errors.length > 0) throw validationError(errors);
  const sensitive = resolveSensitive(input.sensitive, input.spoilerText, author.user);
  const language = resolveLanguage(input.language, author.user);

  if (scheduledAt !== undefined) {
    // Checked now as for a post (own, unattached, processed, at most 4), attached when published; the
    // unattached-media cleanup keeps media a scheduled status names.
    const media = hasMedia ? (await claimMediaForStatus(db, author.account.id, input.mediaIds, 0)).media : [];
    const params: ScheduledParams = {
      text,
      poll: input.poll ? pollParams(input.poll) : null,
      media_ids: media.length > 0 ? media.map((m) => String(m.id)) : null,
      sensitive,
      spoiler_text: spoilerText,
      visibility,
      in_reply_to_id: thread?.id ?? null,
      language,
      application_id: options.applicationId,
      scheduled_at: null,
      idempotency: null,
      with_rate_limit: false,
      quoted_status_id: quote ? String(quote.quoted.id) : null,
      quote_approval_policy: quotePolicyName(input.quoteApprovalPolicy, author.user),
    };
    const body = await scheduleStatus(db, {
      accountId: author.account.id,
      userId: author.user.id,
      params,
      scheduledAt,
      applicationId: options.applicationId,
      idempotencyKey: key,
      now,
      media: media.map((m) => serializeMediaAttachment(config, m)),
    });
    return { kind: "other", body };
  }

  const rendered = await renderStatusText(db, config, text, author.account.id);
  checkDirectQuote(
    visibility,
    quote,
    author.account.id,
    rendered.mentions.map((a) => a.id),
  );
  const id = newId(now);
  const claimed = await claimMediaForStatus(db, author.account.id, input.mediaIds, id);
  const poll = input.poll ? newPoll(input.poll, id, author.account.id, now) : null;
  const row: Status = {
    id,
    uri: null,
    url: null,
    accountId: author.account.id,
    local: true,
    inReplyToId: thread?.id ?? null,
    inReplyToAccountId: thread ? replyToAccountId(thread, author.account.id) : null,
    reblogOfId: null,
    conversationId: thread ? (thread.conversationId ?? thread.id) : id,
    text,
    content: rendered.content,
    spoilerText,
    sensitive,
    visibility,
    language,
    applicationId: options.applicationId,
    pollId: poll?.id ?? null,
    mediaCount: claimed.media.length,
    // Counted by triggers as the mentions and tags rows of this batch are inserted.
    mentionsCount: 0,
    tagsCount: 0,
    repliesCount: 0,
    reblogsCount: 0,
    favouritesCount: 0,
    quotedStatusId: quote?.quoted.id ?? null,
    quoteState: quote?.state ?? null,
    quoteApprovalPolicy: quotePolicy,
    quotesCount: 0,
    editedAt: null,
    createdAt: now,
  };
  const application =
    options.application !== undefined && options.applicationId !== null
      ? options.application
      : await loadApplication(db, options.applicationId);
  // The counters are the triggers' job; the response shows what they will have made of them.
  const account: Account =
    visibility === "direct"
      ? author.account
      : { ...author.account, statusesCount: author.account.statusesCount + 1, lastStatusAt: now };
  const bundle: StatusBundle = {
    status: row,
    account,
    role: author.user.role,
    mentions: rendered.mentions,
    tags: rendered.tags.map((t) => t.name),
    poll,
    ownVotes: [],
    application,
    flags: { favourited: false, reblogged: false, bookmarked: false, pinned: false, muted: false },
    reblog: null,
    media: claimed.media.map((m) => serializeMediaAttachment(config, { ...m, statusId: id })),
  };
  // One query, and only when the text or the author's name holds a `:shortcode:`.
  await attachEmojis(db, config, [bundle]);
  const body = serializeStatus(config, bundle, { viewerId: author.account.id, now });
  if (quote) body.quote = await quoteEntity(db, config, author.account.id, quote);

  // The streams get the status rendered without a viewer, from here and in the FANOUT message, so
  // neither the public channels nor the followers' sockets wait for a hydration in the consumer.
  const forStreams = serializeStatus(config, { ...bundle, flags: null }, { viewerId: null, now });
  if (quote && body.quote && "quoted_status" in body.quote) forStreams.quote = anonymousQuote(body.quote);
  const statements: BatchItem<"sqlite">[] = [
    db.insert(statuses).values(row),
    ...mentionStatements(db, id, rendered.mentions),
    ...tagStatements(db, id, rendered.tags, now),
    ...(poll ? [db.insert(polls).values(poll)] : []),
    ...(quote ? quoteStatements(db, row, quote, now) : []),
    ...claimed.statements,
    ...(key ? idempotencyStatements(db, author.user.id, key, body, now) : []),
    ...(options.extraStatements ?? []),
  ];
  const stream = await prepareStream(env, forStreams, newLocalStatusRow({ ...row, mentionCount: rendered.mentions.length }));
  let committed: readonly unknown[] | undefined;
  try {
    committed = await commit(db, statements, stream?.statements ?? []);
  } catch (err) {
    // Lost a race on the same Idempotency-Key: nothing of ours was written; answer as the winner did.
    const replay = key ? await findIdempotentResponse(db, author.user.id, key, now) : undefined;
    if (replay !== undefined) return { kind: "other", body: replay };
    throw err;
  }
  if (quote && body.quote && "quoted_status" in body.quote) {
    await notifyQuoted(db, row, quote, now);
    await sendQuoteRequest(env, author.account, row, quote);
  }
  stream?.committed(committed);
  await fanout(env.fanout, id, "status.created", stream ? { rendered: forStreams, streamed: true } : {});
  return { kind: "status", statusId: id, body };
}

/** The route's streaming of the status; none (the FANOUT consumer streams it) when preparing it fails. */
async function prepareStream(env: PostEnv, status: MastodonStatus, row: StatusRow): Promise<StreamOnCommit | undefined> {
  try {
    return await env.streamOnCommit?.(status, row);
  } catch (err) {
    console.error("posting: streaming not prepared; the FANOUT consumer streams the status", err);
    return undefined;
  }
}

/**
 * Commits the status with the streams' reads last; the results of those reads. A failing read must
 * not cost the post: the batch is atomic, so it is run again without them (undefined: not read).
 */
async function commit(db: Db, statements: BatchItem<"sqlite">[], reads: BatchItem<"sqlite">[]): Promise<unknown[] | undefined> {
  const writes = statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]];
  if (reads.length === 0) {
    await db.batch(writes);
    return [];
  }
  try {
    return (await db.batch([...writes, ...reads])).slice(statements.length);
  } catch (err) {
    console.error("posting: the batch failed with the streams' reads; trying it without them", err);
    await db.batch(writes);
    return undefined;
  }
}

/** The status replied to: it must exist and be visible to the author (a boost stands for what it boosts). */
async function resolveThread(db: Db, authorId: number, raw: string | undefined): Promise<Status | undefined> {
  if (raw === undefined || raw.trim() === "") return undefined;
  const id = parseId(raw.trim());
  if (id === undefined) throw new ApiError(404, IN_REPLY_NOT_FOUND);
  const { visible, rows } = await loadVisibleStatuses(db, authorId, [id]);
  const status = visible.has(id) ? rows.get(id) : undefined;
  if (!status) throw new ApiError(404, IN_REPLY_NOT_FOUND);
  if (status.reblogOfId === null) return status;
  const original = rows.get(status.reblogOfId);
  if (!original) throw new ApiError(404, IN_REPLY_NOT_FOUND);
  return original;
}

/** Mastodon carries the addressee through a self-thread: replying to your own reply keeps whom it answered. */
function replyToAccountId(thread: Status, authorId: number): number {
  if (thread.accountId === authorId && thread.inReplyToId !== null && thread.inReplyToAccountId !== null) {
    return thread.inReplyToAccountId;
  }
  return thread.accountId;
}

/**
 * `scheduled_at`: undefined when absent or already past (Mastodon then posts at once); a date
 * that can't be read is Mastodon's bare "Record invalid".
 */
function parseScheduledAt(raw: string | undefined, now: number): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const at = Date.parse(raw.trim());
  if (Number.isNaN(at)) throw new ApiError(422, "Record invalid");
  return at <= now ? undefined : at;
}

function pollParams(poll: PollInput): NonNullable<ScheduledParams["poll"]> {
  return {
    options: cleanPollOptions(poll.options),
    expires_in: poll.expiresIn ?? 0,
    multiple: poll.multiple,
    hide_totals: poll.hideTotals,
  };
}

export function newPoll(input: PollInput, statusId: number, accountId: number, now: number, id: number = newId(now)): Poll {
  const options = cleanPollOptions(input.options);
  return {
    id,
    statusId,
    accountId,
    options: options.map((title) => ({ title })),
    tallies: options.map(() => 0),
    multiple: input.multiple,
    hideTotals: input.hideTotals,
    votesCount: 0,
    votersCount: 0,
    expiresAt: now + (input.expiresIn ?? 0) * 1000,
    endedNotifiedAt: null,
    lastFetchedAt: null,
    createdAt: now,
  };
}

export async function loadApplication(
  db: Db,
  applicationId: number | null,
): Promise<{ name: string; website: string | null } | null> {
  if (applicationId === null) return null;
  const rows = await db
    .select({ name: oauthApplications.name, website: oauthApplications.website })
    .from(oauthApplications)
    .where(eq(oauthApplications.id, applicationId))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * The status exists once the batch commits, so a queue hiccup must not turn into an error the client
 * would retry (and post twice); it is logged for the operator instead.
 */
export async function fanout(
  queue: Queue,
  statusId: number,
  type: "status.created" | "status.updated" = "status.created",
  extra: { rendered?: MastodonStatus; streamed?: boolean } = {},
) {
  try {
    await enqueueFanout(queue, type === "status.created" ? { type, v: 1, statusId, ...extra } : { type, v: 1, statusId });
  } catch (err) {
    console.error(`fanout: could not enqueue ${type} for status ${statusId}`, err);
  }
}
