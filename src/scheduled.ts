/**
 * The cron trigger (every minute): publishing due scheduled statuses, "poll ended" notifications and
 * housekeeping that keeps tables small. Each job runs on its own, so one failing job never stops the
 * others; failures are logged and the job runs again on the next tick.
 */
import { loadConfig } from "./config";
import { createDb } from "./db/client";
import type { Bindings } from "./env";
import { purgeTombstones } from "./federation/inbox-consumer/tombstones";
import { refreshStaleActors } from "./federation/refresh-actors";
import { deleteUnattachedMedia } from "./media/cleanup";
import { expireRemoteMedia } from "./media/remote/cleanup";
import { drainEventOutbox } from "./queue/event-outbox";
import { streamAnnouncementChanges } from "./services/announcement-events";
import { vacuumImports } from "./services/imports/imports";
import { notifyEndedPolls } from "./services/statuses/polls";
import { publishDueScheduledStatuses } from "./services/statuses/scheduled";
import { refreshTrends } from "./services/trends/compute";

const DAY = 86_400_000;

async function housekeeping(now: number, env: Bindings): Promise<void> {
  await env.DB.batch([
    env.DB.prepare("DELETE FROM rate_limits WHERE window_start < ?").bind(now - DAY),
    env.DB.prepare("DELETE FROM oauth_access_grants WHERE expires_at < ?").bind(now - DAY),
    env.DB.prepare("DELETE FROM idempotency_keys WHERE created_at < ?").bind(now - 3_600_000),
    env.DB.prepare("DELETE FROM web_sessions WHERE last_active_at < ?").bind(now - 30 * DAY),
    // Replays older than two weeks fail the signature date window anyway.
    env.DB.prepare("DELETE FROM inbox_activities WHERE received_at < ?").bind(now - 14 * DAY),
  ]);
}

export async function runScheduled(now: number, env: Bindings): Promise<void> {
  const jobs: Array<[string, () => Promise<unknown>]> = [
    ["scheduled statuses", () => publishDueScheduledStatuses(env, now)],
    ["ended polls", () => notifyEndedPolls(env, now)],
    ["unattached media", () => deleteUnattachedMedia(env, now)],
    // Cached remote media unused for REMOTE_MEDIA_RETENTION_DAYS (src/media/remote/cleanup.ts).
    ["remote media cache", () => expireRemoteMedia(createDb(env.DB), env.MEDIA, loadConfig(env).remoteMediaRetentionDays, now)],
    ["housekeeping", () => housekeeping(now, env)],
    // Unconfirmed imports after an hour, finished ones after a week (src/services/imports/imports.ts).
    ["imports", () => vacuumImports(createDb(env.DB), now)],
    // Notifications the operator CLI wrote, to streams and push (src/queue/event-outbox.ts).
    ["event outbox", () => drainEventOutbox(env)],
    // What the operator CLI changed in announcements, to `user` streams (src/services/announcement-events.ts).
    ["announcement events", () => streamAnnouncementChanges(env, now)],
    // Remote deletions remembered by the inbox (src/federation/inbox-consumer/tombstones.ts).
    ["federation tombstones", () => purgeTombstones(createDb(env.DB), now)],
    // The few stalest remote actors older than a day (src/federation/refresh-actors.ts).
    ["remote actors", () => refreshStaleActors(createDb(env.DB), loadConfig(env), now)],
    // Recomputes at most every 15 minutes (src/services/trends/compute.ts).
    ["trends", () => refreshTrends(createDb(env.DB), now, { intervalMs: loadConfig(env).trendsIntervalMinutes * 60_000 })],
  ];
  const results = await Promise.allSettled(jobs.map(([, run]) => run()));
  results.forEach((result, i) => {
    if (result.status === "rejected") console.error(`cron job "${jobs[i]?.[0]}" failed`, result.reason);
  });
}
