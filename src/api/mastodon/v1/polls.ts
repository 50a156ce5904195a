/** `/api/v1/polls`: reading a poll and voting in it. */
import { Hono } from "hono";
import type { AppEnv } from "../../../env";
import { sendVotes } from "../../../federation/outbound/actions";
import { currentUser, tokenOptional, userRequired } from "../../../oauth/middleware";
import { getPoll, vote } from "../../../services/statuses/polls";
import { readParams } from "../../../util/request";
import { readStatusesIfToken, viewerOf } from "./statuses";

export const pollsRoutes = new Hono<AppEnv>();

pollsRoutes.get("/api/v1/polls/:id", tokenOptional, readStatusesIfToken, async (c) => {
  return c.json(await getPoll(c.get("db"), viewerOf(c), c.req.param("id")));
});

pollsRoutes.post("/api/v1/polls/:id/votes", userRequired("write:statuses"), async (c) => {
  const { account } = currentUser(c);
  const choices = (await readParams(c)).strings("choices");
  const poll = await vote(c.get("db"), account.id, c.req.param("id"), choices);
  // Votes on a remote poll go to its author's server as Create(Note{name}) activities.
  await sendVotes(c.env, account, Number(poll.id), choices.map(Number));
  return c.json(poll);
});
