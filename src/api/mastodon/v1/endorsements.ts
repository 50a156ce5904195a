/**
 * Endorsements (Mastodon's account pins): `POST /api/v1/accounts/:id/endorse|unendorse` and the 4.4
 * aliases `pin|unpin`, answering the Relationship; `GET /api/v1/endorsements` (the signed-in
 * account's) and `GET /api/v1/accounts/:id/endorsements` (anyone's). Mounted before the accounts routes.
 */
import { type Context, Hono } from "hono";
import { serializeAccount } from "../../../entities/account";
import { serializeRelationship } from "../../../entities/relationship";
import type { AppEnv } from "../../../env";
import { parseId } from "../../../ids";
import { currentUser, tokenOptional, userRequired } from "../../../oauth/middleware";
import {
  type EndorsementPage,
  endorseAccount,
  endorsementsHidden,
  listEndorsements,
  unendorseAccount,
} from "../../../services/endorsements";
import { requireTargetAccount } from "../../../services/relationships/common";
import { loadRelationship } from "../../../services/relationships/relationship-map";
import { linkHeader, readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";
import { readAccountsIfToken } from "./featured-tags";

export const endorsementsRoutes = new Hono<AppEnv>();

type C = Context<AppEnv>;

function target(c: C) {
  return requireTargetAccount(c.get("db"), parseId(c.req.param("id")));
}

async function relationshipJson(c: C, accountId: number) {
  const { account } = currentUser(c);
  return c.json(serializeRelationship(await loadRelationship(c.get("db"), account.id, accountId)));
}

function paged(c: C, page: EndorsementPage) {
  // Mastodon links by account id, `next` only after a full page.
  const link = linkHeader(c.get("config"), c.req.url, { next: page.next, prev: page.prev });
  if (link) c.header("Link", link);
  const config = c.get("config");
  return c.json(page.items.map((i) => serializeAccount(config, i.account.account, { role: i.account.role })));
}

for (const action of ["endorse", "pin"]) {
  endorsementsRoutes.post(`/api/v1/accounts/:id/${action}`, userRequired("write:accounts"), async (c) => {
    const other = await target(c);
    await endorseAccount(c.get("db"), currentUser(c).account, other);
    return relationshipJson(c, other.id);
  });
}

for (const action of ["unendorse", "unpin"]) {
  endorsementsRoutes.post(`/api/v1/accounts/:id/${action}`, userRequired("write:accounts"), async (c) => {
    const other = await target(c);
    await unendorseAccount(c.get("db"), currentUser(c).account, other);
    return relationshipJson(c, other.id);
  });
}

endorsementsRoutes.get("/api/v1/endorsements", userRequired("read:accounts"), async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  return paged(c, await listEndorsements(c.get("db"), currentUser(c).account.id, page));
});

endorsementsRoutes.get("/api/v1/accounts/:id/endorsements", tokenOptional, readAccountsIfToken, async (c) => {
  const owner = await target(c);
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const viewerId = c.get("auth")?.account?.id;
  if (await endorsementsHidden(c.get("db"), owner, viewerId)) return c.json([]);
  return paged(c, await listEndorsements(c.get("db"), owner.id, page, viewerId));
});
