import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runScheduled } from "../../src/scheduled";
import { api, createTestUser } from "../helpers/fixtures";

describe("cron trigger", () => {
  it("publishes a due scheduled status and cleans expired rate-limit rows in one run", async () => {
    const alice = await createTestUser();
    const at = new Date(Date.now() + 10 * 60_000).toISOString();
    const res = await api("/api/v1/statuses", { token: alice.token, json: { status: "later", scheduled_at: at } });
    expect(res.status).toBe(200);
    const scheduled = (await res.json()) as { id: string };
    await env.DB.prepare("INSERT OR REPLACE INTO rate_limits (key, window_start, count) VALUES ('cron-test', 0, 1)").run();

    await runScheduled(Date.now() + 11 * 60_000, env);

    const left = await env.DB.prepare("SELECT count(*) AS n FROM scheduled_statuses WHERE id = ?")
      .bind(Number(scheduled.id))
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    const posted = await env.DB.prepare("SELECT text FROM statuses WHERE account_id = ?")
      .bind(alice.account.id)
      .first<{ text: string }>();
    expect(posted?.text).toBe("later");
    const limit = await env.DB.prepare("SELECT count(*) AS n FROM rate_limits WHERE key = 'cron-test'").first<{ n: number }>();
    expect(limit?.n).toBe(0);
  });
});
