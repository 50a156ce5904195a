/**
 * Idempotency-Key for posting: the first response is stored with the status, in the same batch, and
 * replayed for an hour. Two requests racing with one key: the second batch fails on the key's primary
 * key, rolls back whole, and replays what the first stored.
 */
import { and, eq, gt, lte } from "drizzle-orm";
import type { Db } from "../../db/client";
import { idempotencyKeys } from "../../db/schema";
import { IDEMPOTENCY_TTL_MS } from "./limits";

export async function findIdempotentResponse(db: Db, userId: number, key: string, now: number): Promise<unknown | undefined> {
  const rows = await db
    .select({ response: idempotencyKeys.response })
    .from(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, userId),
        eq(idempotencyKeys.key, key),
        gt(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS),
      ),
    )
    .limit(1);
  const row = rows[0];
  return row ? (JSON.parse(row.response) as unknown) : undefined;
}

/** Statements for the posting batch: clear an expired use of the key (the cron may not have yet), store this one. */
export function idempotencyStatements(db: Db, userId: number, key: string, response: unknown, now: number) {
  return [
    db
      .delete(idempotencyKeys)
      .where(
        and(
          eq(idempotencyKeys.userId, userId),
          eq(idempotencyKeys.key, key),
          lte(idempotencyKeys.createdAt, now - IDEMPOTENCY_TTL_MS),
        ),
      ),
    db.insert(idempotencyKeys).values({ userId, key, response: JSON.stringify(response), createdAt: now }),
  ] as const;
}

/** Header value as a key: trimmed, bounded (Mastodon accepts any string; a huge one gains nothing). */
export function readIdempotencyKey(req: Request): string | undefined {
  const raw = req.headers.get("idempotency-key")?.trim();
  return raw ? raw.slice(0, 255) : undefined;
}
