/** `/api/v1/push/subscription`: the Web Push subscription of the calling access token (scope `push`). */

import type { Context } from "hono";
import { Hono } from "hono";
import { serializePushSubscription } from "../../../entities/push-subscription";
import type { AppEnv } from "../../../env";
import { notFound } from "../../../errors";
import { currentUser, userRequired } from "../../../oauth/middleware";
import {
  createSubscription,
  deleteSubscriptionForToken,
  findSubscriptionForToken,
  readNewSubscription,
  readSubscriptionData,
  updateSubscriptionData,
} from "../../../push/subscriptions";
import { vapidPublicKey } from "../../../push/vapid";
import { readParams } from "../../../util/request";

export const pushRoutes = new Hono<AppEnv>();

async function current(c: Context<AppEnv>) {
  const sub = await findSubscriptionForToken(c.get("db"), currentUser(c).auth.token.id);
  if (!sub) throw notFound();
  return sub;
}

pushRoutes.get("/api/v1/push/subscription", userRequired("push"), async (c) => {
  const sub = await current(c);
  return c.json(serializePushSubscription(sub, await vapidPublicKey(c.get("db"), c.get("config"))));
});

pushRoutes.post("/api/v1/push/subscription", userRequired("push"), async (c) => {
  const { account, auth } = currentUser(c);
  const input = await readNewSubscription(await readParams(c), c.get("config"));
  const db = c.get("db");
  const sub = await createSubscription(db, { accountId: account.id, accessTokenId: auth.token.id }, input);
  return c.json(serializePushSubscription(sub, await vapidPublicKey(db, c.get("config"))));
});

const update = async (c: Context<AppEnv>) => {
  const sub = await current(c);
  const data = readSubscriptionData(await readParams(c));
  const db = c.get("db");
  const updated = await updateSubscriptionData(db, sub, data);
  return c.json(serializePushSubscription(updated, await vapidPublicKey(db, c.get("config"))));
};
pushRoutes.put("/api/v1/push/subscription", userRequired("push"), update);
pushRoutes.patch("/api/v1/push/subscription", userRequired("push"), update);

pushRoutes.delete("/api/v1/push/subscription", userRequired("push"), async (c) => {
  await deleteSubscriptionForToken(c.get("db"), currentUser(c).auth.token.id);
  return c.json({});
});
