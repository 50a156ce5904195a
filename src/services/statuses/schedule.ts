/**
 * Creating scheduled statuses and checking their dates, with Mastodon's ScheduledStatus rules: at
 * least five minutes ahead, at most 300 pending per account and 25 per (UTC) day.
 */

import { and, eq, gte, lt, ne, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../db/client";
import { scheduledStatuses } from "../../db/schema";
import type { MastodonMediaAttachment } from "../../entities/media-attachment";
import { type ScheduledParams, serializeScheduledStatus } from "../../entities/scheduled-status";
import { newId } from "../../ids";
import { validationError } from "./compose";
import { findIdempotentResponse, idempotencyStatements } from "./idempotency";
import { MIN_SCHEDULE_OFFSET_MS, SCHEDULED_DAILY_LIMIT, SCHEDULED_TOTAL_LIMIT } from "./limits";

const DAY_MS = 86_400_000;

/** Mastodon's ScheduledStatus validations; `exceptId` leaves out the row being rescheduled. */
export async function scheduleErrors(
  db: Db,
  accountId: number,
  scheduledAt: number,
  now: number,
  exceptId?: number,
): Promise<string[]> {
  const errors: string[] = [];
  if (scheduledAt <= now + MIN_SCHEDULE_OFFSET_MS) errors.push("Scheduled at date must be in the future");
  const dayStart = Math.floor(scheduledAt / DAY_MS) * DAY_MS;
  const notThis = exceptId === undefined ? undefined : ne(scheduledStatuses.id, exceptId);
  const [total, daily] = await db.batch([
    db
      .select({ n: sql<number>`count(*)` })
      .from(scheduledStatuses)
      .where(and(eq(scheduledStatuses.accountId, accountId), notThis)),
    db
      .select({ n: sql<number>`count(*)` })
      .from(scheduledStatuses)
      .where(
        and(
          eq(scheduledStatuses.accountId, accountId),
          gte(scheduledStatuses.scheduledAt, dayStart),
          lt(scheduledStatuses.scheduledAt, dayStart + DAY_MS),
          notThis,
        ),
      ),
  ]);
  if (exceptId === undefined && (total[0]?.n ?? 0) >= SCHEDULED_TOTAL_LIMIT) {
    errors.push(`You have exceeded the limit of ${SCHEDULED_TOTAL_LIMIT} scheduled posts`);
  }
  if ((daily[0]?.n ?? 0) >= SCHEDULED_DAILY_LIMIT) {
    errors.push(`You have exceeded the limit of ${SCHEDULED_DAILY_LIMIT} scheduled posts for today`);
  }
  return errors;
}

export interface NewScheduledStatus {
  accountId: number;
  userId: number;
  params: ScheduledParams;
  scheduledAt: number;
  applicationId: number | null;
  idempotencyKey: string | undefined;
  now: number;
  /** The media `params.media_ids` names, serialized, for the response. */
  media?: MastodonMediaAttachment[];
}

export async function scheduleStatus(db: Db, input: NewScheduledStatus): Promise<unknown> {
  const errors = await scheduleErrors(db, input.accountId, input.scheduledAt, input.now);
  if (errors.length > 0) throw validationError(errors);
  const row = {
    id: newId(input.now),
    accountId: input.accountId,
    scheduledAt: input.scheduledAt,
    params: input.params as unknown as Record<string, unknown>,
    applicationId: input.applicationId,
    createdAt: input.now,
  };
  const body = { ...serializeScheduledStatus(row), media_attachments: input.media ?? [] };
  const key = input.idempotencyKey;
  const statements: BatchItem<"sqlite">[] = [
    db.insert(scheduledStatuses).values(row),
    ...(key ? idempotencyStatements(db, input.userId, key, body, input.now) : []),
  ];
  try {
    await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  } catch (err) {
    const replay = key ? await findIdempotentResponse(db, input.userId, key, input.now) : undefined;
    if (replay !== undefined) return replay;
    throw err;
  }
  return body;
}
