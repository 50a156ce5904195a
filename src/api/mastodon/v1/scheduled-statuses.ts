/** `/api/v1/scheduled_statuses`: the signed-in user's statuses waiting to be published. */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { withScheduledMedia } from "../../../services/statuses/edit-media";
import {
  cancelScheduledStatus,
  getScheduledStatus,
  listScheduledStatuses,
  rescheduleStatus,
} from "../../../services/statuses/scheduled";
import { linkHeaderForIds, readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";

export const scheduledStatusesRoutes = new Hono<AppEnv>();

scheduledStatusesRoutes.get("/api/v1/scheduled_statuses", userRequired("read:statuses"), async (c) => {
  const { account } = currentUser(c);
  const page = readPageParams(await readParams(c));
  const list = await listScheduledStatuses(c.get("db"), account.id, page);
  const link = linkHeaderForIds(
    c.get("config"),
    c.req.url,
    list.map((s) => s.id),
  );
  if (link) c.header("Link", link);
  return c.json(await withScheduledMedia(c.get("db"), c.get("config"), account.id, list));
});

scheduledStatusesRoutes.get("/api/v1/scheduled_statuses/:id", userRequired("read:statuses"), async (c) => {
  const { account } = currentUser(c);
  const found = await getScheduledStatus(c.get("db"), account.id, c.req.param("id"));
  return c.json((await withScheduledMedia(c.get("db"), c.get("config"), account.id, [found]))[0]);
});

for (const method of ["put", "patch"] as const) {
  scheduledStatusesRoutes[method]("/api/v1/scheduled_statuses/:id", userRequired("write:statuses"), async (c) => {
    const { account } = currentUser(c);
    const scheduledAt = (await readParams(c)).string("scheduled_at");
    const updated = await rescheduleStatus(c.get("db"), account.id, c.req.param("id"), scheduledAt);
    return c.json((await withScheduledMedia(c.get("db"), c.get("config"), account.id, [updated]))[0]);
  });
}

scheduledStatusesRoutes.delete("/api/v1/scheduled_statuses/:id", userRequired("write:statuses"), async (c) => {
  const { account } = currentUser(c);
  await cancelScheduledStatus(c.get("db"), account.id, c.req.param("id"));
  return c.json({});
});
