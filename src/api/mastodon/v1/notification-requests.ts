/**
 * Notification filtering, v1 surface (Mastodon 4.3): `/api/v1/notifications/requests` (list, one,
 * accept, dismiss, bulk accept/dismiss with `id[]`, `merged`) and the v1 policy (`filter_*`
 * booleans). Mounted before the v1 notifications routes, whose `/:id` would otherwise take these paths.
 */
import { Hono } from "hono";
import { serializeNotificationPolicyV1 } from "../../../entities/notification-policy";
import type { AppEnv } from "../../../env";
import { parseId } from "../../../ids";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { loadPolicy, policySummary, readPolicyV1, updatePolicy } from "../../../services/notification-policy";
import {
  acceptRequest,
  acceptRequests,
  dismissRequest,
  dismissRequests,
  getRequest,
  listRequests,
} from "../../../services/notification-requests";
import { linkHeader, readPageParams } from "../../../util/pagination";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";

export const notificationRequestsRoutes = new Hono<AppEnv>();

const READ = "read:notifications";
const WRITE = "write:notifications";

/** `id[]` as numbers; ids that are not ids name nothing. */
function requestIds(params: Params): number[] {
  return params.strings("id").flatMap((raw) => {
    const id = parseId(raw);
    return id === undefined ? [] : [id];
  });
}

notificationRequestsRoutes.get("/api/v1/notifications/policy", userRequired(READ), async (c) => {
  const db = c.get("db");
  const me = currentUser(c).account.id;
  const [policy, summary] = await Promise.all([loadPolicy(db, me), policySummary(db, me)]);
  return c.json(serializeNotificationPolicyV1(policy, summary));
});

for (const method of ["put", "patch"] as const) {
  notificationRequestsRoutes[method]("/api/v1/notifications/policy", userRequired(WRITE), async (c) => {
    const db = c.get("db");
    const me = currentUser(c).account.id;
    const policy = await updatePolicy(db, me, readPolicyV1(await readParams(c)));
    return c.json(serializeNotificationPolicyV1(policy, await policySummary(db, me)));
  });
}

notificationRequestsRoutes.get("/api/v1/notifications/requests", userRequired(READ), async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const result = await listRequests(c.get("db"), c.get("config"), currentUser(c).account.id, page);
  const link = linkHeader(c.get("config"), c.req.url, { next: result.next, prev: result.prev });
  if (link) c.header("Link", link);
  return c.json(result.items);
});

// Accepting is done when the request answers, so the merge is never pending.
notificationRequestsRoutes.get("/api/v1/notifications/requests/merged", userRequired(READ), (c) => c.json({ merged: true }));

notificationRequestsRoutes.post("/api/v1/notifications/requests/accept", userRequired(WRITE), async (c) => {
  await acceptRequests(c.get("db"), currentUser(c).account.id, requestIds(await readParams(c)));
  return c.json({});
});

notificationRequestsRoutes.post("/api/v1/notifications/requests/dismiss", userRequired(WRITE), async (c) => {
  await dismissRequests(c.get("db"), currentUser(c).account.id, requestIds(await readParams(c)));
  return c.json({});
});

notificationRequestsRoutes.get("/api/v1/notifications/requests/:id", userRequired(READ), async (c) => {
  const id = parseId(c.req.param("id"));
  return c.json(await getRequest(c.get("db"), c.get("config"), currentUser(c).account.id, id));
});

notificationRequestsRoutes.post("/api/v1/notifications/requests/:id/accept", userRequired(WRITE), async (c) => {
  await acceptRequest(c.get("db"), currentUser(c).account.id, parseId(c.req.param("id")));
  return c.json({});
});

notificationRequestsRoutes.post("/api/v1/notifications/requests/:id/dismiss", userRequired(WRITE), async (c) => {
  await dismissRequest(c.get("db"), currentUser(c).account.id, parseId(c.req.param("id")));
  return c.json({});
});
