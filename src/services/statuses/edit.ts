/**
 * Editing your own status (Mastodon's UpdateStatusService). A PUT replaces what the client can edit:
 * text, content warning, sensitivity, language and poll (left out = removed, as in Mastodon).
 * Every revision is kept in status_edits, the original as the first one; an edit that changes nothing
 * records nothing. New poll options (or switching single/multiple choice) start the poll over.
 */
import { asc, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type Poll, polls, pollVotes, type Status, statusEdits, statuses, statusTags, users } from "../../db/schema";
import { type MastodonStatus, type MastodonStatusEdit, type StatusRevision, serializeStatusEdit } from "../../entities/status";
import { notFound } from "../../errors";
import { newId, parseId } from "../../ids";
import { requireVisibleAccountWithRole } from "../accounts";
import { notify } from "../notifications";
import { editQuotePolicy, notifyQuoters } from "../quotes/quote-actions";
import {
  type ComposeInput,
  cleanPollOptions,
  normalizeLanguage,
  normalizeText,
  pollErrors,
  resolveLanguage,
  textErrors,
  validationError,
} from "./compose";
import { planMediaEdit } from "./edit-media";
import { UPDATE_NOTIFY_MAX } from "./limits";
import { findStatus, requireVisibleStatus, statusJson } from "./lookup";
import { type Author, fanout, newPoll, type PostEnv } from "./post";
import { runInBatch } from "./raw";
import { mentionStatements, renderStatusText, tagStatements } from "./render";

export async function editStatus(env: PostEnv, author: Author, rawId: string, input: ComposeInput): Promise<MastodonStatus> {
  const { db, config } = env;
  const me = author.account.id;
  const id = parseId(rawId);
  const status = id === undefined ? undefined : await findStatus(db, id);
  if (!status || status.accountId !== me || status.reblogOfId !== null) throw notFound();

  const { text, spoilerText } = normalizeText(input);
  const hasMedia = input.mediaIds.length > 0;
  const errors = [
    // Media-only posts stay valid when edited; media and a poll never go together.
    ...(hasMedia && text === "" ? [] : textErrors(text, spoilerText)),
    ...(input.poll ? pollErrors(input.poll) : []),
    ...(input.poll && hasMedia ? ["Media attachments cannot be combined with a poll"] : []),
  ];
  if (errors.length > 0) throw validationError(errors);
  const sensitive = (input.sensitive ?? false) || spoilerText !== "";
  const language = normalizeLanguage(input.language) ?? resolveLanguage(undefined, author.user, status.language);

  const now = Date.now();
  const [oldPoll] = status.pollId === null ? [] : await db.select().from(polls).where(eq(polls.id, status.pollId)).limit(1);
  const pollPlan = planPoll(input, oldPoll, status, now);
  const mediaPlan = await planMediaEdit(db, me, status.id, input.mediaIds, input.mediaAttributes ?? []);
  const changed =
    mediaPlan.changed ||
    text !== status.text ||
    spoilerText !== status.spoilerText ||
    sensitive !== status.sensitive ||
    language !== status.language ||
    pollPlan.changed;
  await editQuotePolicy(db, status, author.user, input.quoteApprovalPolicy);
  if (!changed) return statusJson(db, config, me, status.id);

  const rendered = await renderStatusText(db, config, text, me);
  const [editCount] = await db.select({ n: sql<number>`count(*)` }).from(statusEdits).where(eq(statusEdits.statusId, status.id));
  const statements: BatchItem<"sqlite">[] = [];
  if ((editCount?.n ?? 0) === 0) {
    // The first edit keeps the original as revision 0, dated when it was posted.
    statements.push(revisionInsert(db, status, me, revisionOf(status, oldPoll ?? null, status.createdAt)));
  }
  statements.push(...pollPlan.statements(db), ...mediaPlan.statements);
  statements.push(
    db
      .update(statuses)
      .set({
        text,
        content: rendered.content,
        spoilerText,
        sensitive,
        language,
        pollId: pollPlan.pollId,
        mediaCount: mediaPlan.mediaCount,
        editedAt: now,
      })
      .where(eq(statuses.id, status.id)),
    // Mentions no longer in the text turn silent: who could see the status keeps seeing it.
    runInBatch(
      db,
      sql`
      UPDATE mentions SET silent = 1 WHERE status_id = ${status.id}
        AND account_id NOT IN (SELECT value FROM json_each(${JSON.stringify(rendered.mentions.map((a) => a.id))}))`,
    ),
    ...mentionStatements(db, status.id, rendered.mentions),
    db.delete(statusTags).where(eq(statusTags.statusId, status.id)),
    ...tagStatements(db, status.id, rendered.tags, now),
    revisionInsert(db, status, me, {
      text,
      content: rendered.content,
      spoilerText,
      sensitive,
      pollOptions: pollPlan.options,
      createdAt: now,
    }),
  );
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  await notifyBoosters(db, status, me, now);
  await notifyQuoters(db, status, me, now);
  await fanout(env.fanout, status.id, "status.updated");
  return statusJson(db, config, me, status.id);
}

interface PollPlan {
  changed: boolean;
  pollId: number | null;
  options: string[] | null;
  statements(db: Db): BatchItem<"sqlite">[];
}

function planPoll(input: ComposeInput, old: Poll | undefined, status: Status, now: number): PollPlan {
  if (!input.poll) {
    if (!old) return { changed: false, pollId: null, options: null, statements: () => [] };
    return { changed: true, pollId: null, options: null, statements: (db) => dropPoll(db, old.id) };
  }
  const fresh = newPoll(input.poll, status.id, status.accountId, now, old?.id ?? newId(now));
  const options = cleanPollOptions(input.poll.options);
  if (!old) return { changed: true, pollId: fresh.id, options, statements: (db) => [db.insert(polls).values(fresh)] };
  const reset = JSON.stringify(old.options.map((o) => o.title)) !== JSON.stringify(options) || old.multiple !== fresh.multiple;
  if (reset) {
    // Votes for other options mean nothing now: the poll starts over under the same id.
    return {
      changed: true,
      pollId: old.id,
      options,
      statements: (db) => [...dropPoll(db, old.id), db.insert(polls).values(fresh)],
    };
  }
  // Mastodon recomputes the deadline from expires_in on every edit, so a sent poll is always a change.
  return {
    changed: true,
    pollId: old.id,
    options,
    statements: (db) => [
      db
        .update(polls)
        .set({ expiresAt: fresh.expiresAt, hideTotals: fresh.hideTotals, endedNotifiedAt: null })
        .where(eq(polls.id, old.id)),
    ],
  };
}

function dropPoll(db: Db, pollId: number): BatchItem<"sqlite">[] {
  return [db.delete(pollVotes).where(eq(pollVotes.pollId, pollId)), db.delete(polls).where(eq(polls.id, pollId))];
}

export function revisionOf(status: Status, poll: Poll | null, at: number): StatusRevision {
  return {
    text: status.text,
    content: status.content,
    spoilerText: status.spoilerText,
    sensitive: status.sensitive,
    pollOptions: poll ? poll.options.map((o) => o.title) : null,
    createdAt: at,
  };
}

export function revisionInsert(db: Db, status: Status, accountId: number, r: StatusRevision) {
  return db.insert(statusEdits).values({
    id: newId(r.createdAt),
    statusId: status.id,
    accountId,
    text: r.text,
    content: r.content,
    spoilerText: r.spoilerText,
    sensitive: r.sensitive,
    pollOptions: r.pollOptions,
    createdAt: r.createdAt,
  });
}

/** Local accounts that boosted the status hear about the edit (Mastodon's `update` notification). */
export async function notifyBoosters(db: Db, status: Status, authorId: number, now: number): Promise<void> {
  const boosters = await db
    .select({ id: statuses.accountId })
    .from(statuses)
    .innerJoin(users, eq(users.accountId, statuses.accountId))
    .where(eq(statuses.reblogOfId, status.id))
    .limit(UPDATE_NOTIFY_MAX);
  for (const b of boosters) {
    await notify(db, { recipientId: b.id, fromAccountId: authorId, type: "update", statusId: status.id, now });
  }
}

/** `GET /api/v1/statuses/:id/history`: every revision, oldest first; an unedited status is its own one. */
export async function statusHistory(
  db: Db,
  config: Config,
  viewerId: number | null,
  rawId: string,
): Promise<MastodonStatusEdit[]> {
  const status = await requireVisibleStatus(db, viewerId, rawId);
  const { account, role } = await requireVisibleAccountWithRole(db, status.accountId);
  const edits = await db.select().from(statusEdits).where(eq(statusEdits.statusId, status.id)).orderBy(asc(statusEdits.id));
  if (edits.length > 0) return edits.map((e) => serializeStatusEdit(config, e, account, role));
  const [poll] = status.pollId === null ? [] : await db.select().from(polls).where(eq(polls.id, status.pollId)).limit(1);
  return [serializeStatusEdit(config, revisionOf(status, poll ?? null, status.editedAt ?? status.createdAt), account, role)];
}
