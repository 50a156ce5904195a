/** `POST /api/v1/apps` and `GET /api/v1/apps/verify_credentials`. */
import { Hono } from "hono";
import { serializeApplication, serializeCredentialApplication } from "../../../entities/application";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { createApplication, currentVapidKey, findApplicationById, readApplicationInput } from "../../../oauth/apps";
import { tokenRequired } from "../../../oauth/middleware";
import { hitRateLimits } from "../../../util/rate-limit";
import { clientIp, readParams } from "../../../util/request";

export const appsRoutes = new Hono<AppEnv>();

/** Mastodon throttles unauthenticated API calls at 300 per 5 minutes per IP; registration is one. */
const REGISTRATION_LIMIT = { max: 300, windowSeconds: 5 * 60 };

appsRoutes.post("/api/v1/apps", async (c) => {
  const db = c.get("db");
  await hitRateLimits(db, [{ key: `apps:ip:${clientIp(c.req.raw)}`, ...REGISTRATION_LIMIT }]);
  const input = readApplicationInput(await readParams(c));
  const { app, clientSecret } = await createApplication(db, input);
  return c.json(serializeCredentialApplication(app, clientSecret, await currentVapidKey(db, c.get("config"))));
});

appsRoutes.get("/api/v1/apps/verify_credentials", tokenRequired, async (c) => {
  const auth = c.get("auth");
  const app = auth ? await findApplicationById(c.get("db"), auth.token.applicationId) : undefined;
  if (!app) throw new ApiError(401, "The access token is invalid");
  return c.json(serializeApplication(app, await currentVapidKey(c.get("db"), c.get("config"))));
});
