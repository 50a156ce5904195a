import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createTestUser } from "../helpers/fixtures";

async function status(id: number, accountId: number, extra: Record<string, unknown> = {}) {
  const cols = { id, account_id: accountId, local: 1, visibility: "public", created_at: Date.now(), ...extra };
  const keys = Object.keys(cols);
  await env.DB.prepare(`INSERT INTO statuses (${keys.join(",")}) VALUES (${keys.map(() => "?").join(",")})`)
    .bind(...Object.values(cols))
    .run();
}

async function row(sql: string, ...args: unknown[]) {
  return env.DB.prepare(sql)
    .bind(...args)
    .first<Record<string, number>>();
}

describe("counter triggers", () => {
  it("count favourites, boosts, distributable replies and non-direct statuses, and never go negative", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    const base = Date.now() * 10;
    await status(base, alice.account.id);
    await status(base + 1, bob.account.id, { reblog_of_id: base });
    await status(base + 2, bob.account.id, { in_reply_to_id: base });
    await status(base + 3, bob.account.id, { in_reply_to_id: base, visibility: "direct" });
    await env.DB.prepare("INSERT INTO favourites (id, account_id, status_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(base + 4, bob.account.id, base, Date.now())
      .run();
    expect(await row("SELECT favourites_count f, reblogs_count r, replies_count c FROM statuses WHERE id = ?", base)).toEqual({
      f: 1,
      r: 1,
      c: 1,
    });
    expect((await row("SELECT statuses_count n FROM accounts WHERE id = ?", bob.account.id))?.n).toBe(2);

    await env.DB.prepare("DELETE FROM favourites WHERE status_id = ?").bind(base).run();
    await env.DB.prepare("DELETE FROM favourites WHERE status_id = ?").bind(base).run();
    await env.DB.prepare("DELETE FROM statuses WHERE id IN (?, ?, ?)")
      .bind(base + 1, base + 2, base + 3)
      .run();
    expect(await row("SELECT favourites_count f, reblogs_count r, replies_count c FROM statuses WHERE id = ?", base)).toEqual({
      f: 0,
      r: 0,
      c: 0,
    });
    expect((await row("SELECT statuses_count n FROM accounts WHERE id = ?", bob.account.id))?.n).toBe(0);
  });

  it("count follows on both sides and poll votes per option and per voter", async () => {
    const alice = await createTestUser();
    const bob = await createTestUser();
    await env.DB.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)")
      .bind(Date.now() * 10 + 7, alice.account.id, bob.account.id, Date.now())
      .run();
    expect((await row("SELECT following_count n FROM accounts WHERE id = ?", alice.account.id))?.n).toBe(1);
    expect((await row("SELECT followers_count n FROM accounts WHERE id = ?", bob.account.id))?.n).toBe(1);

    const pollId = Date.now() * 10 + 8;
    await env.DB.prepare(
      "INSERT INTO polls (id, status_id, account_id, options, tallies, multiple, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
    )
      .bind(pollId, pollId, bob.account.id, '[{"title":"a"},{"title":"b"}]', "[0,0]", Date.now())
      .run();
    for (const choice of [0, 1]) {
      await env.DB.prepare("INSERT INTO poll_votes (id, poll_id, account_id, choice, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(pollId + 1 + choice, pollId, alice.account.id, choice, Date.now())
        .run();
    }
    const poll = await env.DB.prepare("SELECT votes_count, voters_count, tallies FROM polls WHERE id = ?")
      .bind(pollId)
      .first<{ votes_count: number; voters_count: number; tallies: string }>();
    expect(poll).toEqual({ votes_count: 2, voters_count: 1, tallies: "[1,1]" });
  });
});
