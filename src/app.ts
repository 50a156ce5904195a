/**
 * The Hono app: middleware order, route mounting, and the one error renderer.
 * Order: CORS (API surfaces only) → config + db per request → routes → onError / notFound.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { discoveryRoutes } from "./api/mastodon/discovery";
import { accountStatusesRoutes } from "./api/mastodon/v1/account-statuses";
import { accountsRoutes } from "./api/mastodon/v1/accounts";
import { announcementsRoutes } from "./api/mastodon/v1/announcements";
import { appsRoutes } from "./api/mastodon/v1/apps";
import { collectionsRoutes } from "./api/mastodon/v1/collections";
import { conversationsRoutes } from "./api/mastodon/v1/conversations";
import { filtersRoutes } from "./api/mastodon/v1/filters";
import { instanceV1Routes } from "./api/mastodon/v1/instance";
import { instanceExtrasRoutes } from "./api/mastodon/v1/instance-extras";
import { listsRoutes } from "./api/mastodon/v1/lists";
import { markersRoutes } from "./api/mastodon/v1/markers";
import { mediaRoutes } from "./api/mastodon/v1/media";
import { miscV1Routes } from "./api/mastodon/v1/misc";
import { notificationRequestsRoutes } from "./api/mastodon/v1/notification-requests";
import { notificationsRoutes } from "./api/mastodon/v1/notifications";
import { pollsRoutes } from "./api/mastodon/v1/polls";
import { pushRoutes } from "./api/mastodon/v1/push";
import { relationshipsRoutes } from "./api/mastodon/v1/relationships";
import { reportsRoutes } from "./api/mastodon/v1/reports";
import { savedStatusesRoutes } from "./api/mastodon/v1/saved-statuses";
import { scheduledStatusesRoutes } from "./api/mastodon/v1/scheduled-statuses";
import { searchV1Routes } from "./api/mastodon/v1/search";
import { statusQuotesRoutes } from "./api/mastodon/v1/status-quotes";
import { statusesRoutes } from "./api/mastodon/v1/statuses";
import { timelinesRoutes } from "./api/mastodon/v1/timelines";
import { translationsRoutes } from "./api/mastodon/v1/translations";
import { instanceV2Routes } from "./api/mastodon/v2/instance";
import { notificationsV2Routes } from "./api/mastodon/v2/notifications";
import { searchV2Routes } from "./api/mastodon/v2/search";
import { ConfigError, loadConfig } from "./config";
import { envDb } from "./db/client";
import { d1Metrics } from "./db/metrics";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";
import { objectRoutes } from "./federation/object-routes";
import { quoteAuthorizationRoutes } from "./federation/quotes";
import { federationRoutes } from "./federation/routes";
import { wellKnownRoutes } from "./federation/well-known";
import { defaultImageRoutes } from "./media/default-images";
import { remoteMediaRoutes } from "./media/remote/routes";
import { mediaServeRoutes } from "./media/serve";
import { oauthRoutes } from "./oauth/routes";
import { streamingRoutes } from "./streaming/routes";
import { webRoutes } from "./web/routes";

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const apiCors = cors({
    origin: "*",
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key", "Accept"],
    exposeHeaders: ["Link", "X-RateLimit-Reset", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-Request-Id", "Retry-After"],
    maxAge: 86400,
  });
  for (const path of ["/api/*", "/oauth/token", "/oauth/revoke", "/.well-known/*", "/nodeinfo/*"]) app.use(path, apiCors);

  app.use("*", async (c, next) => {
    c.set("config", loadConfig(c.env));
    c.set("db", envDb(c.env));
    c.set("auth", undefined);
    await next();
  });
  // D1 rows read and time per request in Server-Timing, on every API route (the benchmarks read it).
  app.use("/api/*", d1Metrics);

  app.get("/health", (c) => c.text("OK", 200, { "Cache-Control": "no-store" }));

  app.route("/", wellKnownRoutes);
  app.route("/", oauthRoutes);
  app.route("/", appsRoutes);
  app.route("/", instanceV1Routes);
  app.route("/", instanceExtrasRoutes);
  app.route("/", instanceV2Routes);
  // Before accountsRoutes: its `/api/v1/accounts/:id` would otherwise swallow `/relationships`, `/search`...
  app.route("/", relationshipsRoutes);
  app.route("/", accountStatusesRoutes);
  app.route("/", discoveryRoutes);
  app.route("/", collectionsRoutes);
  app.route("/", accountsRoutes);
  app.route("/", statusQuotesRoutes);
  app.route("/", statusesRoutes);
  app.route("/", translationsRoutes);
  app.route("/", pollsRoutes);
  app.route("/", scheduledStatusesRoutes);
  app.route("/", timelinesRoutes);
  // Before notificationsRoutes: its `/api/v1/notifications/:id` would take `/requests` and `/policy`.
  app.route("/", notificationRequestsRoutes);
  app.route("/", notificationsRoutes);
  app.route("/", notificationsV2Routes);
  app.route("/", markersRoutes);
  app.route("/", pushRoutes);
  app.route("/", mediaRoutes);
  app.route("/", listsRoutes);
  app.route("/", filtersRoutes);
  app.route("/", announcementsRoutes);
  app.route("/", searchV2Routes);
  app.route("/", searchV1Routes);
  app.route("/", savedStatusesRoutes);
  app.route("/", conversationsRoutes);
  app.route("/", reportsRoutes);
  app.route("/", streamingRoutes);
  // /media/proxy/* before /media/*: remote media through the cache.
  app.route("/", remoteMediaRoutes);
  app.route("/", mediaServeRoutes);
  app.route("/", federationRoutes);
  app.route("/", objectRoutes);
  app.route("/", quoteAuthorizationRoutes);
  app.route("/", miscV1Routes);
  app.route("/", defaultImageRoutes);
  app.route("/", webRoutes);

  app.notFound((c) => {
    if (c.req.path.startsWith("/api/")) return c.json({ error: "Record not found" }, 404);
    return c.text("Not Found", 404);
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) {
      const headers = err.headers ?? {};
      if (c.req.path.startsWith("/api/") || c.req.path.startsWith("/oauth/") || c.req.header("accept")?.includes("json")) {
        return c.json(err.toJSON(), err.status as 400, headers);
      }
      return c.text(err.message, err.status as 400, headers);
    }
    if (err instanceof ConfigError) {
      console.error(err.message);
      return c.json({ error: err.message }, 500);
    }
    console.error("unhandled error", c.req.method, c.req.path, err);
    return c.json({ error: "Internal server error" }, 500);
  });

  return app;
}
