/**
 * FANOUT for a deleted status or boost (and the `status.followers` "remove" follow-ups): it leaves the
 * feeds of its author, of the accounts it mentioned and of the author's local followers.
 */
import { sql } from "drizzle-orm";
import { envDb } from "../db/client";
import type { Bindings } from "../env";
import { deliverStatusDeleted } from "../federation/outbound/statuses";
import { removeStatusFromFeeds } from "../services/feeds";
import { publishDelete } from "../streaming/publish";
import { type FanoutResult, type FanoutStats, FOLLOWER_PAGE, FOLLOWER_PAGES_PER_MESSAGE, timed } from "./fanout-common";
import { enqueueFanout } from "./messages";

/**
 * A deleted status (or boost) leaves the feeds of the author, of the accounts it mentioned (when those
 * rows still exist) and of the author's local followers; each removal also takes out boosts of it.
 */
export async function statusDeleted(
  env: Bindings,
  statusId: number,
  authorId: number,
  reblogOfId: number | null,
  stats: FanoutStats,
): Promise<FanoutResult> {
  const db = envDb(env);
  await deliverStatusDeleted(env, statusId);
  const local = await timed(
    stats,
    "d1Ms",
    db.all<{ id: number }>(sql`
      SELECT account_id AS id FROM users WHERE account_id = ${authorId}
      UNION SELECT m.account_id FROM mentions m JOIN users u ON u.account_id = m.account_id WHERE m.status_id = ${statusId}`),
  );
  stats.feeds += local.length;
  await timed(
    stats,
    "hubMs",
    removeStatusFromFeeds(
      env,
      local.map((r) => r.id),
      statusId,
    ),
  );
  await publishDelete(env, statusId);
  return removeFromFollowers(env, statusId, authorId, reblogOfId, 0, stats);
}

export async function removeFromFollowers(
  env: Bindings,
  statusId: number,
  authorId: number,
  reblogOfId: number | null,
  after: number,
  stats: FanoutStats,
): Promise<FanoutResult> {
  const db = envDb(env);
  let cursor = after;
  for (let page = 0; page < FOLLOWER_PAGES_PER_MESSAGE; page++) {
    const fetched = await timed(
      stats,
      "d1Ms",
      db.all<{ id: number; local: number }>(sql`
        SELECT f.account_id AS id, EXISTS (SELECT 1 FROM users WHERE account_id = f.account_id) AS local
        FROM follows f WHERE f.target_account_id = ${authorId} AND f.account_id > ${cursor}
        ORDER BY f.account_id LIMIT ${FOLLOWER_PAGE + 1}`),
    );
    const rows = fetched.slice(0, FOLLOWER_PAGE);
    const locals = rows.filter((r) => r.local === 1);
    stats.followers += rows.length;
    stats.feeds += locals.length;
    await timed(
      stats,
      "hubMs",
      removeStatusFromFeeds(
        env,
        locals.map((r) => r.id),
        statusId,
      ),
    );
    if (fetched.length <= FOLLOWER_PAGE) return "done";
    cursor = (rows[rows.length - 1] as { id: number }).id;
  }
  await enqueueFanout(env.FANOUT, {
    type: "status.followers",
    v: 1,
    op: "remove",
    statusId,
    accountId: authorId,
    reblogOfId,
    afterAccountId: cursor,
  });
  return "continued";
}
