/**
 * Fixed-window rate limits counted in D1 (one upsert per attempt). Used on the few endpoints where
 * guessing is the threat: sign-in, token, registration. A hit over the limit is a 429 with Retry-After.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { rateLimits } from "../db/schema";
import { ApiError } from "../errors";

export interface Limit {
  /** What is counted, e.g. `sign-in:ip:203.0.113.9`. */
  key: string;
  max: number;
  windowSeconds: number;
}

/** Counts one attempt against every limit; throws 429 if any is exceeded. */
export async function hitRateLimits(db: Db, limits: Limit[], now: number = Date.now()): Promise<void> {
  if (limits.length === 0) return;
  // Query builders, not raw `sql`: drizzle's D1 batch() cannot bind the parameters of raw statements.
  const statements = limits.map((l) => {
    const windowStart = Math.floor(now / (l.windowSeconds * 1000)) * l.windowSeconds * 1000;
    return db
      .insert(rateLimits)
      .values({ key: l.key, windowStart, count: 1 })
      .onConflictDoUpdate({
        target: rateLimits.key,
        set: {
          count: sql`CASE WHEN ${rateLimits.windowStart} = excluded.window_start THEN ${rateLimits.count} + 1 ELSE 1 END`,
          windowStart: sql`excluded.window_start`,
        },
      });
  });
  await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
  const keys = limits.map((l) => l.key);
  const rows = await db.all<{ key: string; window_start: number; count: number }>(
    sql`SELECT key, window_start, count FROM rate_limits WHERE key IN (${sql.join(
      keys.map((k) => sql`${k}`),
      sql`, `,
    )})`,
  );
  let retryAfter = 0;
  for (const l of limits) {
    const row = rows.find((r) => r.key === l.key);
    if (row && row.count > l.max) {
      retryAfter = Math.max(retryAfter, Math.ceil((row.window_start + l.windowSeconds * 1000 - now) / 1000));
    }
  }
  if (retryAfter > 0) {
    throw new ApiError(429, "Too many requests", { headers: { "Retry-After": String(retryAfter) } });
  }
}

/** Forgets the counters for `keys` (after a successful sign-in, say). */
export async function clearRateLimits(db: Db, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.run(
    sql`DELETE FROM rate_limits WHERE key IN (${sql.join(
      keys.map((k) => sql`${k}`),
      sql`, `,
    )})`,
  );
}
