/**
 * Quote posts (Mastodon 4.5): the quotes of a status, revoking one, and changing who may quote.
 * Logic in src/services/quotes/quote-actions.ts; scopes as Mastodon's controllers.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { currentUser, scopeRequired, tokenRequired, userRequired } from "../../../oauth/middleware";
import { listQuotes, revokeQuote, setInteractionPolicy } from "../../../services/quotes/quote-actions";
import { readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";
import { postEnv, viewerOf } from "./statuses";

export const statusQuotesRoutes = new Hono<AppEnv>();

statusQuotesRoutes.get("/api/v1/statuses/:id/quotes", tokenRequired, scopeRequired("read:statuses"), async (c) => {
  const page = await listQuotes(
    c.get("db"),
    c.get("config"),
    viewerOf(c),
    c.req.param("id"),
    readPageParams(await readParams(c)),
  );
  // Mastodon pages by quote id, with `since_id` (not `min_id`) for newer quotes.
  const url = new URL(c.req.url);
  const link = (key: string, value: number) => {
    const q = new URLSearchParams(url.search);
    for (const k of ["max_id", "min_id", "since_id"]) q.delete(k);
    q.set(key, String(value));
    return `${c.get("config").baseUrl}${url.pathname}?${q.toString()}`;
  };
  const parts = [
    ...(page.next !== undefined ? [`<${link("max_id", page.next)}>; rel="next"`] : []),
    ...(page.prev !== undefined ? [`<${link("since_id", page.prev)}>; rel="prev"`] : []),
  ];
  if (parts.length > 0) c.header("Link", parts.join(", "));
  return c.json(page.statuses);
});

statusQuotesRoutes.post("/api/v1/statuses/:id/quotes/:quoting_status_id/revoke", userRequired("write:statuses"), async (c) => {
  const { account } = currentUser(c);
  return c.json(await revokeQuote(postEnv(c), account, c.req.param("id"), c.req.param("quoting_status_id")));
});

statusQuotesRoutes.put("/api/v1/statuses/:id/interaction_policy", userRequired("write:statuses"), async (c) => {
  const { account, user } = currentUser(c);
  const params = await readParams(c);
  const status = await setInteractionPolicy(
    postEnv(c),
    { accountId: account.id, user },
    c.req.param("id"),
    params.string("quote_approval_policy"),
  );
  return c.json(status);
});
