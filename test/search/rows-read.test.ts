/** Status search reads a bounded number of rows whatever the number of matching statuses. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { idFloor } from "../../src/ids";
import { CANDIDATE_MAX } from "../../src/services/search/statuses";
import { api, createTestUser } from "../helpers/fixtures";
import { setIndexable, word } from "./helpers";

/** `count` public statuses by `authorId` containing `text`, ids counting up from `base`, in one INSERT. */
async function bulkStatuses(authorId: number, text: string, count: number, base: number): Promise<void> {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
     INSERT INTO statuses (id, account_id, local, visibility, language, text, content, created_at)
     SELECT CAST(? AS INTEGER) + i * 16, ?, 1, 'public', 'en', ? || ' number ' || i, '<p>x</p>', ? FROM n`,
  )
    .bind(count, base, authorId, text, Date.now())
    .run();
}

function rowsRead(res: Response): number {
  const m = /d1;[^,]*desc="rows=(\d+)/.exec(res.headers.get("server-timing") ?? "");
  if (!m) throw new Error(`no rows in Server-Timing: ${res.headers.get("server-timing")}`);
  return Number(m[1]);
}

describe("rows read per status search", { timeout: 60_000 }, () => {
  it("stay bounded as the matching statuses grow tenfold", async () => {
    const author = await createTestUser();
    const reader = await createTestUser();
    await setIndexable(author.account.id);
    const w = word("rr");
    const base = idFloor(Date.UTC(2021, 0, 1) + Math.floor(Math.random() * 300) * 86_400_000);

    await bulkStatuses(author.account.id, w, 300, base);
    const small = await api(`/api/v2/search?type=statuses&q=${w}`, { token: reader.token });
    expect(((await small.json()) as { statuses: unknown[] }).statuses).toHaveLength(20);
    await bulkStatuses(author.account.id, w, 3000, base + 300 * 16);
    const large = await api(`/api/v2/search?type=statuses&q=${w}`, { token: reader.token });
    expect(((await large.json()) as { statuses: unknown[] }).statuses).toHaveLength(20);
    // A page of 20 reads the page's candidates and their probes, not the 3,300 matches behind it.
    expect(rowsRead(small)).toBeLessThanOrEqual(150);
    expect(rowsRead(large)).toBeLessThanOrEqual(rowsRead(small) + 10);

    // Worst case: nothing passes the filters (the author is not indexable): the walk stops at the
    // candidate window whatever the number of matches.
    await setIndexable(author.account.id, false);
    const none = await api(`/api/v2/search?type=statuses&q=${w}`, { token: reader.token });
    expect(((await none.json()) as { statuses: unknown[] }).statuses).toEqual([]);
    expect(rowsRead(none)).toBeLessThanOrEqual(CANDIDATE_MAX * 8);
  });
});
