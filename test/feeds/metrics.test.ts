import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { createDb } from "../../src/db/client";
import { D1Meter, meteredD1 } from "../../src/db/metrics";
import { accounts, users } from "../../src/db/schema";
import { createTestUser } from "../helpers/fixtures";

describe("metered D1", () => {
  it("answers exactly as D1 does for all, first, raw (duplicate column names too), run and batch, and counts every query", async () => {
    const { account } = await createTestUser();
    const meter = new D1Meter({ trace: true });
    const d1 = meteredD1(env.DB, meter);
    const sql = "SELECT a.id, u.id, a.username FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.id = ?";

    expect(await d1.prepare(sql).bind(account.id).raw()).toEqual(await env.DB.prepare(sql).bind(account.id).raw());
    expect(await d1.prepare(sql).bind(account.id).raw({ columnNames: true })).toEqual(
      await env.DB.prepare(sql).bind(account.id).raw({ columnNames: true }),
    );
    expect(await d1.prepare("SELECT username FROM accounts WHERE id = ?").bind(account.id).first("username")).toBe(
      account.username,
    );
    expect(await d1.prepare("SELECT 1 AS x WHERE 0").first()).toBeNull();
    await expect(d1.prepare("SELECT 1 AS x").first("nope")).rejects.toThrow(/D1_COLUMN_NOTFOUND/);
    const all = await d1.prepare("SELECT id FROM accounts WHERE id = ?").bind(account.id).all<{ id: number }>();
    expect(all.results).toEqual([{ id: account.id }]);
    const [one, two] = await d1.batch([d1.prepare("SELECT 1 AS a"), d1.prepare("SELECT ? AS b").bind(2)]);
    expect(one?.results).toEqual([{ a: 1 }]);
    expect(two?.results).toEqual([{ b: 2 }]);

    // Drizzle over the metered binding: selects with joins go through raw().
    const db = createDb(d1);
    const rows = await db
      .select({ a: accounts.id, u: users.id })
      .from(accounts)
      .innerJoin(users, eq(users.accountId, accounts.id))
      .where(eq(accounts.id, account.id));
    expect(rows).toHaveLength(1);

    expect(meter.queries).toBe(9);
    expect(meter.unmetered).toBe(0);
    expect(meter.rowsRead).toBeGreaterThan(0);
    expect(meter.trace?.[0]?.params).toEqual([account.id]);
    expect(meter.serverTiming(1.5)).toMatch(/^app;dur=1\.50, d1;dur=[\d.]+;desc="rows=\d+ written=0 queries=9"$/);
  });

  it("counts once per layer when wrapped twice, and records the meta of raw() at both", async () => {
    const outer = new D1Meter();
    const inner = new D1Meter();
    const d1 = meteredD1(meteredD1(env.DB, outer), inner);
    await d1.prepare("SELECT 1 AS a, 2 AS a").raw();
    await d1.batch([d1.prepare("SELECT 1")]);
    expect([outer.queries, inner.queries, outer.unmetered, inner.unmetered]).toEqual([2, 2, 0, 0]);
  });
});
