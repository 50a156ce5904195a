/**
 * The scheduled refresh of remote actors (Mastodon refetches profiles older than a day when they are
 * used; we also do it in the background so names, avatars, keys and inboxes stay current): each cron
 * tick refetches the few stalest remote accounts through the one remote-fetch module. Bounded per
 * tick, read through the partial index `accounts_remote_fetched`.
 */
import { and, asc, eq, isNotNull, isNull, lt } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { accounts } from "../db/schema";
import { type Fetcher, remoteContext } from "./fetch";
import { ACTOR_REFRESH_MS, resolveActor } from "./remote-actors";

/** Actors refetched per cron tick (every minute: at most 7,200 a day). */
export const ACTOR_REFRESH_BATCH = 5;
/** A failed refresh is tried again after this long, so unreachable peers don't hold every slot. */
export const ACTOR_REFRESH_RETRY_MS = 6 * 3_600_000;

export interface RefreshSummary {
  refreshed: number;
  failed: number;
}

export async function refreshStaleActors(db: Db, config: Config, now: number, fetcher?: Fetcher): Promise<RefreshSummary> {
  const stale = await db
    .select({ id: accounts.id, uri: accounts.uri, fetchedAt: accounts.fetchedAt })
    .from(accounts)
    .where(and(isNotNull(accounts.domain), isNull(accounts.suspendedAt), lt(accounts.fetchedAt, now - ACTOR_REFRESH_MS)))
    .orderBy(asc(accounts.fetchedAt))
    .limit(ACTOR_REFRESH_BATCH);
  const remote = remoteContext(db, config, fetcher);
  const results = await Promise.all(
    stale.map(async (row) => {
      if (!row.uri) return false;
      const result = await resolveActor(remote, row.uri, { refresh: true }).catch((err: unknown) => ({
        ok: false as const,
        reason: String(err),
      }));
      // resolveActor answers with the stale row when the peer fails: fetched_at then did not move.
      const moved = result.ok && result.account.fetchedAt !== null && result.account.fetchedAt > (row.fetchedAt ?? 0);
      if (moved) return true;
      console.warn(`refresh: actor ${row.uri} not refreshed${result.ok ? "" : `: ${result.reason}`}`);
      await db
        .update(accounts)
        .set({ fetchedAt: now - ACTOR_REFRESH_MS + ACTOR_REFRESH_RETRY_MS })
        .where(eq(accounts.id, row.id));
      return false;
    }),
  );
  const refreshed = results.filter(Boolean).length;
  return { refreshed, failed: results.length - refreshed };
}
