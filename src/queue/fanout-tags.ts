/**
 * FANOUT to hashtag followers (Mastodon's FanOutOnWriteService#deliver_to_hashtag_followers! and
 * FeedManager#filter_from_tags?): a public original status by an author who is not silenced goes to
 * the home feed of every local account following one of its tags, unless that account wrote it,
 * blocks or mutes the author or someone the status mentions, is blocked by the author, or blocks the
 * author's domain. Local and remote statuses alike.
 *
 * Followers of each tag are read in keyset pages of FOLLOWER_PAGE over tag_follows_tag_account, with
 * the filters evaluated in SQL as index probes. One message handles at most TAG_PAGES_PER_MESSAGE
 * pages in all; a tag with more followers than that budget is logged and the rest skipped (there is
 * no follow-up message for tags yet). Feed inserts dedupe, so a follower reached through two tags or
 * also through a follow gets the status once, and a retried message is harmless.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Bindings } from "../env";
import { addToManyFeeds, type FeedEntry, HOME_FEED } from "../services/feeds";
import type { StatusRow } from "../services/home-rules";
import { type FanoutStats, FOLLOWER_PAGE, timed } from "./fanout-common";

export const TAG_PAGES_PER_MESSAGE = 40;

interface TagFollowerRow {
  id: number;
  filtered: number;
}

function tagFollowerPage(status: StatusRow, tagId: number, after: number, now: number) {
  const author = status.account_id;
  const domain =
    status.author_domain === null
      ? sql``
      : sql`OR EXISTS (SELECT 1 FROM account_domain_blocks WHERE account_id = f.id AND domain = ${status.author_domain})`;
  const mentioned =
    status.mention_count > 0
      ? sql`OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = ${status.id}
          AND (EXISTS (SELECT 1 FROM blocks WHERE account_id = f.id AND target_account_id = m.account_id)
            OR EXISTS (SELECT 1 FROM mutes WHERE account_id = f.id AND target_account_id = m.account_id
              AND (expires_at IS NULL OR expires_at > ${now}))))`
      : sql``;
  return sql`
    SELECT f.id, (
      f.id = ${author}
      OR EXISTS (SELECT 1 FROM blocks WHERE account_id = f.id AND target_account_id = ${author})
      OR EXISTS (SELECT 1 FROM blocks WHERE account_id = ${author} AND target_account_id = f.id)
      OR EXISTS (SELECT 1 FROM mutes WHERE account_id = f.id AND target_account_id = ${author}
        AND (expires_at IS NULL OR expires_at > ${now}))
      ${domain} ${mentioned}) AS filtered
    FROM (
      SELECT account_id AS id FROM tag_follows
      WHERE tag_id = ${tagId} AND account_id > ${after}
      ORDER BY account_id LIMIT ${FOLLOWER_PAGE + 1}
    ) f`;
}

/** Adds a new status to the home feeds of its tags' local followers; see the file comment for the rules. */
export async function fanOutToTagFollowers(
  env: Bindings,
  db: Db,
  status: StatusRow,
  entry: FeedEntry,
  stats: FanoutStats,
): Promise<void> {
  if (status.visibility !== "public" || status.reblog_of_id !== null) return;
  const tags = await timed(
    stats,
    "d1Ms",
    db.all<{ tag_id: number; silenced: number | null }>(sql`
      SELECT st.tag_id, a.silenced_at AS silenced
      FROM status_tags st JOIN accounts a ON a.id = ${status.account_id}
      WHERE st.status_id = ${status.id}`),
  );
  if (tags.length === 0 || tags[0]?.silenced != null) return;
  const reached = new Set<number>();
  let pages = 0;
  for (const { tag_id: tagId } of tags) {
    let cursor = 0;
    for (;;) {
      if (pages >= TAG_PAGES_PER_MESSAGE) {
        console.warn(`fanout: status ${status.id}: tag followers beyond ${pages} pages skipped`);
        return;
      }
      pages += 1;
      const fetched = await timed(stats, "d1Ms", db.all<TagFollowerRow>(tagFollowerPage(status, tagId, cursor, Date.now())));
      const rows = fetched.slice(0, FOLLOWER_PAGE);
      const targets = rows.filter((r) => r.filtered === 0 && !reached.has(r.id)).map((r) => r.id);
      for (const id of targets) reached.add(id);
      stats.feeds += targets.length;
      await timed(
        stats,
        "hubMs",
        addToManyFeeds(
          env,
          entry,
          targets.map((id) => ({ id, feeds: [HOME_FEED] })),
        ),
      );
      if (fetched.length <= FOLLOWER_PAGE) break;
      cursor = (rows[rows.length - 1] as TagFollowerRow).id;
    }
  }
}
