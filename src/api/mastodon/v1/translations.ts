/**
 * `POST /api/v1/statuses/:id/translate`. Petrel has no translation service, and the instance says so
 * (`configuration.translation.enabled` false, `/api/v1/instance/translation_languages` `{}`), so this
 * answers as Mastodon does without one: the status is looked up first (404 "Record not found" when it
 * does not exist or the viewer may not see it), then TranslateStatusService refuses with
 * Mastodon::NotPermittedError, which Api::BaseController renders as 403 "This action is not allowed".
 */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { scopeRequired, tokenRequired } from "../../../oauth/middleware";
import { requireVisibleStatus } from "../../../services/statuses/lookup";

export const translationsRoutes = new Hono<AppEnv>();

translationsRoutes.post("/api/v1/statuses/:id/translate", tokenRequired, scopeRequired("read:statuses"), async (c) => {
  await requireVisibleStatus(c.get("db"), c.get("auth")?.account?.id ?? null, c.req.param("id"));
  throw new ApiError(403, "This action is not allowed");
});
