/**
 * Direct-message conversations: GET /api/v1/conversations (read:statuses), POST /:id/read,
 * POST /:id/unread (undocumented, as Mastodon's routes have it) and DELETE /:id (write:conversations).
 * Paged through the Link header by the conversations' last status ids, as Mastodon does.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { listConversations, removeConversation, setConversationUnread } from "../../../services/conversations";
import { linkHeader, readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";

export const conversationsRoutes = new Hono<AppEnv>();

conversationsRoutes.get("/api/v1/conversations", userRequired("read:statuses"), async (c) => {
  const { account } = currentUser(c);
  const page = readPageParams(await readParams(c));
  const result = await listConversations(c.get("db"), c.get("config"), account.id, page);
  const link = linkHeader(c.get("config"), c.req.url, { next: result.next, prev: result.prev });
  if (link) c.header("Link", link);
  return c.json(result.items);
});

conversationsRoutes.post("/api/v1/conversations/:id/read", userRequired("write:conversations"), async (c) => {
  const { account } = currentUser(c);
  return c.json(await setConversationUnread(c.get("db"), c.get("config"), account.id, c.req.param("id"), false));
});

conversationsRoutes.post("/api/v1/conversations/:id/unread", userRequired("write:conversations"), async (c) => {
  const { account } = currentUser(c);
  return c.json(await setConversationUnread(c.get("db"), c.get("config"), account.id, c.req.param("id"), true));
});

conversationsRoutes.delete("/api/v1/conversations/:id", userRequired("write:conversations"), async (c) => {
  const { account } = currentUser(c);
  await removeConversation(c.get("db"), account.id, c.req.param("id"));
  return c.json({});
});
