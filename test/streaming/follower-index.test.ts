/**
 * A new status's follower reads (the posting request's online deliveries, the FANOUT consumer's
 * pages of followers) take each follow's columns from the index, never from the follows table: a
 * follower's follow row lies on a table page of its own, so a post by an account with 1,000
 * followers read about 1,000 table pages per query before the index covered them.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { followerPageQuery, newLocalStatusRow, onlineDeliveriesQuery } from "../../src/services/home-rules";
import { db } from "../helpers/fixtures";

async function plan(query: ReturnType<typeof followerPageQuery>): Promise<string> {
  const rows = await db().all<{ detail: string }>(sql`EXPLAIN QUERY PLAN ${query}`);
  return rows.map((r) => r.detail).join(" | ");
}

const status = (language: string | null, inReplyToAccountId: number | null) =>
  newLocalStatusRow({ id: 10, accountId: 1, visibility: "public", language, inReplyToAccountId, mentionCount: 0 });

describe("a new status's follower reads", () => {
  it("read the author's follows from the covering index, for online followers and for pages of all of them", async () => {
    for (const s of [status(null, null), status("en", 2)]) {
      for (const query of [onlineDeliveriesQuery(s, Date.now(), [3, 4, 5]), followerPageQuery(s, 0, Date.now())]) {
        const detail = await plan(query);
        expect(detail).toMatch(
          /SEARCH fo USING COVERING INDEX follows_target_home \(target_account_id=\? AND account_id[=>]\?\)/,
        );
        expect(detail).not.toMatch(/SCAN fo\b/);
      }
    }
  });
});
