/** `/api/v1/lists`: the owner's lists and their members. Someone else's list is "Record not found". */
import { type Context, Hono } from "hono";
import { serializeAccount } from "../../../entities/account";
import { serializeList } from "../../../entities/list";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import {
  addListMembers,
  createList,
  deleteList,
  type ListInput,
  listMembers,
  listsOf,
  removeListMembers,
  requireOwnList,
  updateList,
} from "../../../services/lists";
import { linkHeader, readPageParams } from "../../../util/pagination";
import type { Params } from "../../../util/params";
import { readParams } from "../../../util/request";

export const listsRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

function listInput(params: Params): ListInput {
  return { title: params.string("title"), repliesPolicy: params.string("replies_policy"), exclusive: params.bool("exclusive") };
}

async function ownList(c: C) {
  return requireOwnList(c.get("db"), currentUser(c).account.id, c.req.param("id"));
}

listsRoutes.get("/api/v1/lists", userRequired("read:lists"), async (c) => {
  const rows = await listsOf(c.get("db"), currentUser(c).account.id);
  return c.json(rows.map(serializeList));
});

listsRoutes.post("/api/v1/lists", userRequired("write:lists"), async (c) => {
  const list = await createList(c.get("db"), currentUser(c).account.id, listInput(await readParams(c)));
  return c.json(serializeList(list));
});

listsRoutes.get("/api/v1/lists/:id", userRequired("read:lists"), async (c) => c.json(serializeList(await ownList(c))));

listsRoutes.on(["PUT", "PATCH"], "/api/v1/lists/:id", userRequired("write:lists"), async (c) => {
  const list = await ownList(c);
  return c.json(serializeList(await updateList(c.get("db"), list, listInput(await readParams(c)))));
});

listsRoutes.delete("/api/v1/lists/:id", userRequired("write:lists"), async (c) => {
  await deleteList(c.env, c.get("db"), await ownList(c));
  return c.json({});
});

// Paged by account id with Link headers only; `limit=0` returns every member without links (Mastodon).
listsRoutes.get("/api/v1/lists/:id/accounts", userRequired("read:lists"), async (c) => {
  const list = await ownList(c);
  const params = await readParams(c);
  const unlimited = params.string("limit")?.trim() === "0";
  const page = unlimited ? undefined : readPageParams(params, { defaultLimit: 40, maxLimit: 80 });
  const members = await listMembers(c.get("db"), list.id, page);
  if (page && members.length > 0) {
    const first = members[0]?.account.id;
    // Like Mastodon, a `next` link only when the page is full: a short page is the last one.
    const last = members.length === page.limit ? members[members.length - 1]?.account.id : undefined;
    const link = linkHeader(c.get("config"), c.req.url, { next: last, prev: first });
    if (link) c.header("Link", link);
  }
  const config = c.get("config");
  return c.json(members.map((m) => serializeAccount(config, m.account, { role: m.role })));
});

listsRoutes.post("/api/v1/lists/:id/accounts", userRequired("write:lists"), async (c) => {
  const list = await ownList(c);
  await addListMembers(c.env, c.get("db"), list, (await readParams(c)).strings("account_ids"));
  return c.json({});
});

listsRoutes.delete("/api/v1/lists/:id/accounts", userRequired("write:lists"), async (c) => {
  const list = await ownList(c);
  await removeListMembers(c.env, c.get("db"), list, (await readParams(c)).strings("account_ids"));
  return c.json({});
});
