/**
 * `/api/v1/notifications` (v1, ungrouped): list with type and sender filters, one by id, dismiss,
 * clear, and the unread count against the notifications marker. Paged by notification id.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../../../env";
import { parseId } from "../../../ids";
import { currentUser, userRequired } from "../../../oauth/middleware";
import {
  clearNotifications,
  dismissNotification,
  getNotification,
  listNotifications,
  type NotificationFilter,
  type NotificationViewer,
  unreadCount,
} from "../../../services/notification-list";
import { linkHeader, readPageParams } from "../../../util/pagination";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";

export const notificationsRoutes = new Hono<AppEnv>();

export function viewer(c: Context<AppEnv>): NotificationViewer {
  const { account, user } = currentUser(c);
  return { accountId: account.id, staff: user.role !== "user" };
}

export function filter(params: Params): NotificationFilter {
  const from = params.string("account_id");
  return {
    types: params.strings("types"),
    excludeTypes: params.strings("exclude_types"),
    // An account id that names nothing matches nothing (Mastodon's `where(from_account_id: ...)`).
    fromAccountId: from === undefined || from === "" ? undefined : (parseId(from) ?? 0),
    includeFiltered: params.bool("include_filtered") ?? false,
  };
}

notificationsRoutes.get("/api/v1/notifications", userRequired("read:notifications"), async (c) => {
  const params = await readParams(c);
  const page = readPageParams(params, { defaultLimit: 40, maxLimit: 80 });
  const result = await listNotifications(c.get("db"), c.get("config"), viewer(c), filter(params), page);
  const link = linkHeader(c.get("config"), c.req.url, { next: result.next, prev: result.prev });
  if (link) c.header("Link", link);
  return c.json(result.items);
});

notificationsRoutes.get("/api/v1/notifications/unread_count", userRequired("read:notifications"), async (c) => {
  const params = await readParams(c);
  const { limit } = readPageParams(params, { defaultLimit: 100, maxLimit: 1000 });
  return c.json({ count: await unreadCount(c.get("db"), viewer(c), filter(params), limit) });
});

notificationsRoutes.post("/api/v1/notifications/clear", userRequired("write:notifications"), async (c) => {
  await clearNotifications(c.get("db"), currentUser(c).account.id);
  return c.json({});
});

notificationsRoutes.get("/api/v1/notifications/:id", userRequired("read:notifications"), async (c) => {
  const id = parseId(c.req.param("id"));
  return c.json(await getNotification(c.get("db"), c.get("config"), currentUser(c).account.id, id));
});

notificationsRoutes.post("/api/v1/notifications/:id/dismiss", userRequired("write:notifications"), async (c) => {
  await dismissNotification(c.get("db"), currentUser(c).account.id, parseId(c.req.param("id")));
  return c.json({});
});
