import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";

async function plan(sql: string, ...args: unknown[]): Promise<string> {
  const res = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...args)
    .all<{ detail: string }>();
  return res.results.map((r) => r.detail).join(" | ");
}

describe("collections reads", () => {
  it("walk their indexes rather than scanning", async () => {
    expect(
      await plan(
        "SELECT id FROM collections c WHERE c.account_id = ? AND c.discoverable = 1 ORDER BY c.id DESC LIMIT 41 OFFSET 0",
        1,
      ),
    ).toMatch(/SEARCH c USING INDEX collections_account \(account_id=\?\)/);
    expect(
      await plan(
        "SELECT i.collection_id FROM collection_items i WHERE i.account_id = ? AND i.state = 'accepted' ORDER BY i.collection_id DESC LIMIT 41",
        1,
      ),
    ).toMatch(/SEARCH i USING INDEX collection_items_account \(account_id=\?\)/);
    const items = await plan(
      "SELECT collection_id, count(*) FROM collection_items WHERE collection_id IN (SELECT value FROM json_each(?)) GROUP BY collection_id",
      "[1,2]",
    );
    expect(items).toMatch(/collection_items_collection_account \(collection_id=\?\)/);
    expect(items).not.toMatch(/SCAN collection_items/);
  });
});
