import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { idFloor } from "../../src/ids";
import { mergeIntoHomeFeed } from "../../src/services/feeds";
import { home, relate, users } from "./helpers";

/** Statuses by `authors`, round robin, with ids counting up from `base`: one INSERT, so thousands are cheap. */
async function bulkStatuses(authors: number[], count: number, base: number): Promise<void> {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1)
     INSERT INTO statuses (id, account_id, local, visibility, language, text, content, created_at)
     SELECT CAST(? AS INTEGER) + i * 16, json_extract(?, '$[' || (i % CAST(? AS INTEGER)) || ']'), 1, 'public', 'en', 'bulk ' || i, '<p>bulk ' || i || '</p>', ?
     FROM n`,
  )
    .bind(count, base, JSON.stringify(authors), authors.length, Date.now())
    .run();
}

/** `rows=NN` from the d1 entry of Server-Timing. */
function rowsRead(res: Response): number {
  const m = /d1;[^,]*desc="rows=(\d+)/.exec(res.headers.get("server-timing") ?? "");
  if (!m) throw new Error(`no rows in Server-Timing: ${res.headers.get("server-timing")}`);
  return Number(m[1]);
}

describe("rows read per home timeline page", () => {
  it("do not grow as the followed accounts' statuses grow tenfold, only with the page size", async () => {
    const [reader, ...authors] = await users(6);
    if (!reader) throw new Error("users");
    const authorIds = authors.map((a) => a.account.id);
    for (const a of authors) await relate(reader, a.account.id, "follow");
    // A stretch of ids no other test mints (a random day in 2020), so bulk ids never collide.
    const base = idFloor(Date.UTC(2020, 0, 1) + Math.floor(Math.random() * 300) * 86_400_000);

    await bulkStatuses(authorIds, 200, base);
    for (const id of authorIds) await mergeIntoHomeFeed(env, reader.account.id, id);
    const small = await home(reader);
    expect(small.ids).toHaveLength(20);
    const rowsSmall = rowsRead(small.res);

    await bulkStatuses(authorIds, 2_000, base + 200 * 16);
    for (const id of authorIds) await mergeIntoHomeFeed(env, reader.account.id, id);
    const large = await home(reader);
    expect(large.ids).toHaveLength(20);
    expect(large.ids[0]).toBeGreaterThan(small.ids[0] ?? 0);
    const rowsLarge = rowsRead(large.res);
    const second = await home(reader, `max_id=${large.ids[19]}`);
    expect(second.ids).toHaveLength(20);
    const rowsSecond = rowsRead(second.res);

    // The budget: at most 100 rows read for a page, at any table size.
    expect(rowsSmall).toBeLessThanOrEqual(100);
    expect(rowsLarge).toBeLessThanOrEqual(100);
    expect(rowsSecond).toBeLessThanOrEqual(100);
    // Same page shape, ten times the rows behind it: the count may not move beyond noise.
    expect(Math.abs(rowsLarge - rowsSmall)).toBeLessThanOrEqual(5);
    expect(Math.abs(rowsSecond - rowsSmall)).toBeLessThanOrEqual(5);
    // Twice the page, about twice the rows (per-status probes), nowhere near the 2,200 statuses behind it.
    const double = await home(reader, "limit=40");
    expect(double.ids).toHaveLength(40);
    expect(rowsRead(double.res)).toBeLessThanOrEqual(rowsSmall * 2 + 20);
  });
});
