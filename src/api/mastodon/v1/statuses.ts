/**
 * `/api/v1/statuses`: posting, reading, editing and deleting statuses, their thread, history and
 * source, and the actions on them (favourite, boost, bookmark, pin, mute). Handlers only read the
 * request and call src/services/statuses; scopes are Mastodon's per route.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { serializeStatusSource } from "../../../entities/status";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { parseId } from "../../../ids";
import { currentUser, tokenOptional, tokenRequired, userRequired } from "../../../oauth/middleware";
import { scopeSatisfies } from "../../../oauth/scopes";
import { hydrateStatuses } from "../../../services/hydrate";
import * as actions from "../../../services/statuses/actions";
import { readComposeInput } from "../../../services/statuses/compose";
import { statusContext } from "../../../services/statuses/context";
import { deleteStatus } from "../../../services/statuses/delete";
import { editStatus, statusHistory } from "../../../services/statuses/edit";
import { readIdempotencyKey } from "../../../services/statuses/idempotency";
import { type AccountPage, favouritedBy, rebloggedBy } from "../../../services/statuses/interactions";
import { STATUSES_BATCH_MAX } from "../../../services/statuses/limits";
import { requireVisibleStatus, statusJson } from "../../../services/statuses/lookup";
import { type PostEnv, postStatus } from "../../../services/statuses/post";
import { prepareNewStatusStream, streamNewStatus } from "../../../streaming/new-status";
import { onlineByShard } from "../../../streaming/shards";
import { linkHeader, readPageParams } from "../../../util/pagination";
import { coerceBool } from "../../../util/params";
import { readParams } from "../../../util/request";

export const statusesRoutes = new Hono<AppEnv>();

type Ctx = Context<AppEnv>;

/** Mastodon's `authorize_if_got_token! :read, :'read:statuses'`: public reads check a token's scope if one is sent. */
export const readStatusesIfToken = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (auth && !scopeSatisfies(auth.scopes, "read:statuses")) {
    throw new ApiError(403, "This action is outside the authorized scopes");
  }
  await next();
});

export function postEnv(c: Ctx): PostEnv {
  return { db: c.get("db"), config: c.get("config"), fanout: c.env.FANOUT, delivery: c.env.DELIVERY };
}

/** The signed-in account's id, or null for anonymous and app-only tokens. */
export function viewerOf(c: Ctx): number | null {
  return c.get("auth")?.account?.id ?? null;
}

function author(c: Ctx) {
  const { account, user } = currentUser(c);
  return { account, user };
}

const publicRead = [tokenOptional, readStatusesIfToken] as const;

statusesRoutes.post("/api/v1/statuses", userRequired("write:statuses"), async (c) => {
  const { account, user, auth } = currentUser(c);
  // Who is streaming is asked while the request validates and renders (see src/streaming/new-status.ts).
  const online = onlineByShard(c.env);
  const input = readComposeInput(await readParams(c));
  const env: PostEnv = {
    ...postEnv(c),
    streamOnCommit: async (status, row) => {
      const stream = await prepareNewStatusStream(c.env, c.get("db"), status, row, online);
      return {
        statements: stream.statements,
        committed: (results) => c.executionCtx.waitUntil(results ? stream.send(results) : streamNewStatus(c.env, status)),
      };
    },
  };
  const result = await postStatus(env, { account, user }, input, {
    applicationId: auth.token.applicationId,
    application: auth.application,
    idempotencyKey: readIdempotencyKey(c.req.raw),
  });
  return c.json(result.body);
});

statusesRoutes.get("/api/v1/statuses", ...publicRead, async (c) => {
  const params = await readParams(c);
  const ids = [...new Set(params.strings("id").flatMap((raw) => parseId(raw) ?? []))].slice(0, STATUSES_BATCH_MAX);
  return c.json(await hydrateStatuses(c.get("db"), c.get("config"), viewerOf(c), ids));
});

statusesRoutes.get("/api/v1/statuses/:id", ...publicRead, async (c) => {
  const status = await requireVisibleStatus(c.get("db"), viewerOf(c), c.req.param("id"));
  return c.json(await statusJson(c.get("db"), c.get("config"), viewerOf(c), status.id));
});

statusesRoutes.delete("/api/v1/statuses/:id", userRequired("write:statuses"), async (c) => {
  const deleteMedia = coerceBool((await readParams(c)).raw.delete_media) === true;
  return c.json(await deleteStatus(postEnv(c), author(c), c.req.param("id"), { deleteMedia, bucket: c.env.MEDIA }));
});

for (const method of ["put", "patch"] as const) {
  statusesRoutes[method]("/api/v1/statuses/:id", userRequired("write:statuses"), async (c) => {
    const input = readComposeInput(await readParams(c));
    return c.json(await editStatus(postEnv(c), author(c), c.req.param("id"), input));
  });
}

statusesRoutes.get("/api/v1/statuses/:id/context", ...publicRead, async (c) => {
  return c.json(await statusContext(c.get("db"), c.get("config"), viewerOf(c), c.req.param("id")));
});

statusesRoutes.get("/api/v1/statuses/:id/history", ...publicRead, async (c) => {
  return c.json(await statusHistory(c.get("db"), c.get("config"), viewerOf(c), c.req.param("id")));
});

statusesRoutes.get("/api/v1/statuses/:id/source", tokenRequired, readStatusesIfToken, async (c) => {
  const status = await requireVisibleStatus(c.get("db"), viewerOf(c), c.req.param("id"));
  return c.json(serializeStatusSource(status));
});

// --- Actions ---------------------------------------------------------------------------------------

type Action = (env: PostEnv, viewer: ReturnType<typeof author>, rawId: string) => Promise<unknown>;

function action(path: string, scope: string, run: Action) {
  statusesRoutes.post(`/api/v1/statuses/:id/${path}`, userRequired(scope), async (c) => {
    return c.json(await run(postEnv(c), author(c), c.req.param("id")));
  });
}

action("favourite", "write:favourites", actions.favourite);
action("unfavourite", "write:favourites", actions.unfavourite);
action("bookmark", "write:bookmarks", actions.bookmark);
action("unbookmark", "write:bookmarks", actions.unbookmark);
action("unreblog", "write:statuses", actions.unreblog);
action("pin", "write:accounts", actions.pin);
action("unpin", "write:accounts", actions.unpin);
action("mute", "write:mutes", (env, viewer, id) => actions.muteConversation(env, viewer, id, true));
action("unmute", "write:mutes", (env, viewer, id) => actions.muteConversation(env, viewer, id, false));

statusesRoutes.post("/api/v1/statuses/:id/reblog", userRequired("write:statuses"), async (c) => {
  const visibility = (await readParams(c)).string("visibility");
  return c.json(await actions.reblog(postEnv(c), author(c), c.req.param("id"), visibility));
});

// --- Who favourited / boosted ----------------------------------------------------------------------

function accountList(c: Ctx, result: AccountPage) {
  const first = result.cursorIds[0];
  const last = result.cursorIds[result.cursorIds.length - 1];
  const link = first === undefined ? undefined : linkHeader(c.get("config"), c.req.url, { next: last, prev: first });
  if (link) c.header("Link", link);
  return c.json(result.accounts);
}

statusesRoutes.get("/api/v1/statuses/:id/favourited_by", ...publicRead, async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  return accountList(c, await favouritedBy(c.get("db"), c.get("config"), viewerOf(c), c.req.param("id"), page));
});

statusesRoutes.get("/api/v1/statuses/:id/reblogged_by", ...publicRead, async (c) => {
  const page = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  return accountList(c, await rebloggedBy(c.get("db"), c.get("config"), viewerOf(c), c.req.param("id"), page));
});
