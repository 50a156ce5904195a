import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createTestUser, type TestUser } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";
import { type QuoteStatus, quote, quoteOf, say } from "./helpers";

/** rows and queries from the d1 entry of Server-Timing. */
function meter(res: Response): { rows: number; queries: number } {
  const m = /d1;[^,]*desc="rows=(\d+) written=\d+ queries=(\d+)/.exec(res.headers.get("server-timing") ?? "");
  if (!m) throw new Error(`no rows in Server-Timing: ${res.headers.get("server-timing")}`);
  return { rows: Number(m[1]), queries: Number(m[2]) };
}

async function page(viewer: TestUser, ids: string[]) {
  const res = await api(`/api/v1/statuses?${ids.map((id) => `id[]=${id}`).join("&")}`, { token: viewer.token });
  const body = (await res.json()) as QuoteStatus[];
  expect(res.status).toBe(200);
  expectEntity("Status", body, { array: true });
  return { body, ...meter(res) };
}

/** rows_read of the page statement as loadStatusRows writes it, with and without the quoted join. */
async function joinRows(ids: string[], withQuoted: boolean): Promise<number> {
  const values = ids.map((id) => `(${id})`).join(",");
  const quoted = withQuoted
    ? "LEFT JOIN statuses AS quoted ON quoted.id = coalesce(original.quoted_status_id, statuses.quoted_status_id)"
    : "";
  const res = await env.DB.prepare(
    `SELECT statuses.id FROM (VALUES ${values}) AS wanted JOIN statuses ON statuses.id = wanted.column1
     LEFT JOIN statuses AS original ON original.id = statuses.reblog_of_id ${quoted}`,
  ).all();
  return res.meta.rows_read;
}

describe("rows read for quotes in hydration", () => {
  it("a page without quotes reads nothing more; a page with quotes needs no extra statement", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const plain: string[] = [];
    for (let i = 0; i < 20; i++) plain.push((await say(alice, `plain ${i}`)).id);
    // The LEFT JOIN on a NULL quoted_status_id seeks nothing.
    expect(await joinRows(plain, true)).toBe(await joinRows(plain, false));
    await page(bob, plain); // warms the isolate's caches (custom emoji), which the counts below must not see
    const before = await page(bob, plain);
    expect(before.body.map((s) => s.id)).toEqual(plain);
    expect(before.body.every((s) => s.quote === null)).toBe(true);

    const targets = plain.slice(0, 5);
    const quoting: string[] = [];
    for (const id of targets) quoting.push((await quote(alice, id, `quoting ${id}`)).id);
    const mixed = [...quoting, ...plain.slice(5, 20)];
    const after = await page(bob, mixed);
    expect(after.body.map((s) => s.id)).toEqual(mixed);
    expect(after.body.slice(0, 5).map((s) => quoteOf(s).quoted_status?.id)).toEqual(targets);
    // Same statements (the quoted statuses come with the page's own statement), a few more rows.
    expect(after.queries).toBe(before.queries);
    expect(after.rows).toBeLessThanOrEqual(before.rows + 5 * 4);
  });
});
