/**
 * `GET /api/v1/suggestions` (accounts only) and `DELETE /api/v1/suggestions/:account_id` (dismiss).
 * Scopes as Mastodon's SuggestionsController: read:accounts to list, write:accounts to dismiss.
 */
import { Hono } from "hono";
import { serializeAccount } from "../../../entities/account";
import type { AppEnv } from "../../../env";
import { parseId } from "../../../ids";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { requireTargetAccount } from "../../../services/relationships/common";
import { dismissSuggestion, suggestionsFor } from "../../../services/suggestions/suggestions";
import { readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";

export const suggestionsV1Routes = new Hono<AppEnv>();

suggestionsV1Routes.get("/api/v1/suggestions", userRequired("read:accounts"), async (c) => {
  const { limit } = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const found = await suggestionsFor(c.get("db"), currentUser(c).account.id, limit);
  const config = c.get("config");
  return c.json(found.map((s) => serializeAccount(config, s.account.account, { role: s.account.role })));
});

suggestionsV1Routes.delete("/api/v1/suggestions/:account_id", userRequired("write:accounts"), async (c) => {
  const target = await requireTargetAccount(c.get("db"), parseId(c.req.param("account_id")));
  await dismissSuggestion(c.get("db"), currentUser(c).account.id, target.id);
  return c.json({});
});
