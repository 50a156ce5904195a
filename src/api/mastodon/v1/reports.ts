/** `POST /api/v1/reports`: report an account (and some of its statuses) to the moderators. */
import { Hono } from "hono";
import { serializeReport } from "../../../entities/report";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { fileReport } from "../../../services/reports";
import { readParams } from "../../../util/request";

export const reportsRoutes = new Hono<AppEnv>();

reportsRoutes.post("/api/v1/reports", userRequired("write:reports"), async (c) => {
  const { account, auth } = currentUser(c);
  const params = await readParams(c);
  const { report, target } = await fileReport({ db: c.get("db"), config: c.get("config"), delivery: c.env }, account, {
    accountId: params.string("account_id"),
    statusIds: params.strings("status_ids"),
    comment: params.string("comment"),
    category: params.string("category"),
    ruleIds: params.strings("rule_ids"),
    forward: params.bool("forward") ?? false,
    applicationId: auth.token.applicationId,
  });
  return c.json(serializeReport(c.get("config"), report, target));
});
