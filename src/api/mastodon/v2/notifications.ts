/**
 * `/api/v2/notifications` (Mastodon 4.3, api_versions 2): grouped notifications, one group, its
 * accounts, dismissing a group, the unread group count, and the v2 notification policy.
 * Fixed paths come before `/:group_key`.
 */
import { Hono } from "hono";
import { serializeNotificationPolicy } from "../../../entities/notification-policy";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import {
  dismissNotificationGroup,
  getNotificationGroup,
  listNotificationGroups,
  notificationGroupAccounts,
  readExpandAccounts,
  unreadGroupCount,
} from "../../../services/notification-groups";
import { loadPolicy, policySummary, readPolicyV2, updatePolicy } from "../../../services/notification-policy";
import { linkHeader, readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";
import { filter as notificationFilter, viewer } from "../v1/notifications";

export const notificationsV2Routes = new Hono<AppEnv>();

const READ = "read:notifications";
const WRITE = "write:notifications";

notificationsV2Routes.get("/api/v2/notifications/policy", userRequired(READ), async (c) => {
  const db = c.get("db");
  const me = currentUser(c).account.id;
  const [policy, summary] = await Promise.all([loadPolicy(db, me), policySummary(db, me)]);
  return c.json(serializeNotificationPolicy(policy, summary));
});

for (const method of ["patch", "put"] as const) {
  notificationsV2Routes[method]("/api/v2/notifications/policy", userRequired(WRITE), async (c) => {
    const db = c.get("db");
    const me = currentUser(c).account.id;
    const policy = await updatePolicy(db, me, readPolicyV2(await readParams(c)));
    return c.json(serializeNotificationPolicy(policy, await policySummary(db, me)));
  });
}

notificationsV2Routes.get("/api/v2/notifications", userRequired(READ), async (c) => {
  const params = await readParams(c);
  const page = readPageParams(params, { defaultLimit: 40, maxLimit: 80 });
  const options = { groupedTypes: params.strings("grouped_types"), expand: readExpandAccounts(params.string("expand_accounts")) };
  const result = await listNotificationGroups(c.get("db"), c.get("config"), viewer(c), notificationFilter(params), page, options);
  const link = linkHeader(c.get("config"), c.req.url, { next: result.next, prev: result.prev });
  if (link) c.header("Link", link);
  return c.json(result.body);
});

notificationsV2Routes.get("/api/v2/notifications/unread_count", userRequired(READ), async (c) => {
  const params = await readParams(c);
  const { limit } = readPageParams(params, { defaultLimit: 100, maxLimit: 1000 });
  const count = await unreadGroupCount(
    c.get("db"),
    viewer(c),
    notificationFilter(params),
    params.strings("grouped_types"),
    limit,
  );
  return c.json({ count });
});

notificationsV2Routes.get("/api/v2/notifications/:group_key", userRequired(READ), async (c) => {
  return c.json(await getNotificationGroup(c.get("db"), c.get("config"), currentUser(c).account.id, c.req.param("group_key")));
});

notificationsV2Routes.post("/api/v2/notifications/:group_key/dismiss", userRequired(WRITE), async (c) => {
  await dismissNotificationGroup(c.get("db"), currentUser(c).account.id, c.req.param("group_key"));
  return c.json({});
});

notificationsV2Routes.get("/api/v2/notifications/:group_key/accounts", userRequired(READ), async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const result = await notificationGroupAccounts(
    c.get("db"),
    c.get("config"),
    currentUser(c).account.id,
    c.req.param("group_key"),
    page,
  );
  const link = linkHeader(c.get("config"), c.req.url, { next: result.next, prev: result.prev });
  if (link) c.header("Link", link);
  return c.json(result.items);
});
