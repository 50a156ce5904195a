/**
 * Scheduled statuses: the owner's list, reading, rescheduling and cancelling them, and the cron job
 * that publishes the due ones through the same posting service as the API.
 */
import { and, asc, eq, lte } from "drizzle-orm";
import { type Config, loadConfig } from "../../config";
import { type Db, envDb } from "../../db/client";
import { accounts, scheduledStatuses, users } from "../../db/schema";

import { type MastodonScheduledStatus, type ScheduledParams, serializeScheduledStatus } from "../../entities/scheduled-status";
import type { Bindings } from "../../env";
import { ApiError, notFound } from "../../errors";
import { parseId } from "../../ids";
import type { PageParams } from "../../util/pagination";
import { type ComposeInput, validationError } from "./compose";
import { SCHEDULED_PUBLISH_BATCH } from "./limits";
import { idOrder, idRange, newestFirst } from "./paging";
import { postStatus } from "./post";
import { scheduleErrors } from "./schedule";

type ScheduledStatus = typeof scheduledStatuses.$inferSelect;

export async function listScheduledStatuses(db: Db, accountId: number, page: PageParams): Promise<MastodonScheduledStatus[]> {
  const rows = await db
    .select()
    .from(scheduledStatuses)
    .where(and(eq(scheduledStatuses.accountId, accountId), ...idRange(scheduledStatuses.id, page)))
    .orderBy(idOrder(scheduledStatuses.id, page))
    .limit(page.limit);
  return newestFirst(rows, page).map(serializeScheduledStatus);
}

async function requireOwn(db: Db, accountId: number, rawId: string) {
  const id = parseId(rawId);
  const [row] =
    id === undefined
      ? []
      : await db
          .select()
          .from(scheduledStatuses)
          .where(and(eq(scheduledStatuses.id, id), eq(scheduledStatuses.accountId, accountId)))
          .limit(1);
  if (!row) throw notFound();
  return row;
}

export async function getScheduledStatus(db: Db, accountId: number, rawId: string): Promise<MastodonScheduledStatus> {
  return serializeScheduledStatus(await requireOwn(db, accountId, rawId));
}

/** PUT: only `scheduled_at` changes, under the same rules as when it was scheduled. */
export async function rescheduleStatus(
  db: Db,
  accountId: number,
  rawId: string,
  rawScheduledAt: string | undefined,
): Promise<MastodonScheduledStatus> {
  const row = await requireOwn(db, accountId, rawId);
  if (rawScheduledAt === undefined || rawScheduledAt.trim() === "") return serializeScheduledStatus(row);
  const at = Date.parse(rawScheduledAt.trim());
  const now = Date.now();
  const errors = Number.isNaN(at)
    ? ["Scheduled at date must be in the future"]
    : await scheduleErrors(db, accountId, at, now, row.id);
  if (errors.length > 0) throw validationError(errors);
  await db.update(scheduledStatuses).set({ scheduledAt: at }).where(eq(scheduledStatuses.id, row.id));
  return serializeScheduledStatus({ ...row, scheduledAt: at });
}

export async function cancelScheduledStatus(db: Db, accountId: number, rawId: string): Promise<void> {
  const row = await requireOwn(db, accountId, rawId);
  await db.delete(scheduledStatuses).where(eq(scheduledStatuses.id, row.id));
}

/** Stored params back into what a client would have sent. */
function inputFrom(params: ScheduledParams): ComposeInput {
  return {
    text: params.text ?? "",
    spoilerText: params.spoiler_text ?? "",
    sensitive: params.sensitive ?? undefined,
    visibility: params.visibility,
    language: params.language ?? undefined,
    mediaIds: params.media_ids ?? [],
    poll: params.poll
      ? {
          options: params.poll.options,
          expiresIn: params.poll.expires_in,
          multiple: params.poll.multiple,
          hideTotals: params.poll.hide_totals,
        }
      : null,
    inReplyToId: params.in_reply_to_id === null ? undefined : String(params.in_reply_to_id),
    scheduledAt: undefined,
    quotedStatusId: params.quoted_status_id ?? undefined,
    quoteApprovalPolicy: params.quote_approval_policy ?? undefined,
  };
}

/** A status that could not be published for a passing reason is retried for this long. */
const RETRY_WINDOW_MS = 86_400_000;

/**
 * Publishes the scheduled statuses due at `now`, oldest first, at most a batch per run. Each row is
 * claimed (deleted) before posting so overlapping runs can't publish it twice. One that fails
 * validation (its reply target is gone, its author suspended) is dropped, as Mastodon drops it; one
 * that fails for another reason goes back for the next run. Returns how many were published.
 */
export async function publishDueScheduledStatuses(env: Bindings, now: number): Promise<number> {
  const db = envDb(env);
  const config = loadConfig(env);
  const due = await db
    .select()
    .from(scheduledStatuses)
    .where(lte(scheduledStatuses.scheduledAt, now))
    .orderBy(asc(scheduledStatuses.scheduledAt))
    .limit(SCHEDULED_PUBLISH_BATCH);
  let published = 0;
  for (const row of due) {
    try {
      if (await publishOne(db, config, env.FANOUT, row, now)) published++;
    } catch (err) {
      // Only the claim or the put-back can land here; the next row still gets its turn.
      console.error(`scheduled status ${row.id}: could not be handled`, err);
    }
  }
  return published;
}

/** Claims one due row and posts it; true when a status was published. */
async function publishOne(db: Db, config: Config, fanout: Queue, row: ScheduledStatus, now: number): Promise<boolean> {
  const claimed = await db
    .delete(scheduledStatuses)
    .where(eq(scheduledStatuses.id, row.id))
    .returning({ id: scheduledStatuses.id });
  if (claimed.length === 0) return false;
  try {
    const [author] = await db
      .select({ account: accounts, user: users })
      .from(accounts)
      .innerJoin(users, eq(users.accountId, accounts.id))
      .where(eq(accounts.id, row.accountId))
      .limit(1);
    if (!author || author.account.suspendedAt !== null || author.user.disabled) return false;
    await postStatus({ db, config, fanout }, author, inputFrom(row.params as unknown as ScheduledParams), {
      applicationId: row.applicationId,
      allowSchedule: false,
      now,
    });
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status < 500) {
      console.warn(`scheduled status ${row.id} dropped: ${err.message}`);
      return false;
    }
    console.error(`scheduled status ${row.id} failed; retrying next run`, err);
    if (row.scheduledAt > now - RETRY_WINDOW_MS) await db.insert(scheduledStatuses).values(row).onConflictDoNothing();
    return false;
  }
}
