/** The cron trigger: housekeeping that keeps tables small. */
import type { Bindings } from "./env";

const DAY = 86_400_000;

export async function runScheduled(now: number, env: Bindings): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM rate_limits WHERE window_start < ?").bind(now - DAY),
    env.DB.prepare("DELETE FROM oauth_access_grants WHERE expires_at < ?").bind(now - DAY),
    env.DB.prepare("DELETE FROM idempotency_keys WHERE created_at < ?").bind(now - 3_600_000),
    env.DB.prepare("DELETE FROM web_sessions WHERE last_active_at < ?").bind(now - 30 * DAY),
  ]);
}
