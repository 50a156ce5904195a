/**
 * `GET /api/v1/streaming`: the multiplexed WebSocket. The token (Authorization, `?access_token=` or
 * Sec-WebSocket-Protocol) is checked here, before the upgrade, and the socket is handed to its shard
 * (shards.ts), which echoes the offered sub-protocol in the 101 response as browsers and `ws` demand.
 * `/api/v1/streaming/health` answers OK, as Mastodon's streaming server does.
 */
import { Hono } from "hono";
import type { Db } from "../db/client";
import type { AppEnv, Bindings } from "../env";
import { ApiError } from "../errors";
import { authenticateToken } from "../oauth/middleware";
import { chosenLanguages } from "../services/chosen-languages";
import { CONNECT_HEADER } from "./channel-hub";
import { canStream, ERRORS, streamingToken } from "./protocol";
import { accountShard, SOCKET_SHARDS, shardStub } from "./shards";
import type { ConnectInfo } from "./socket-hub";

export interface StreamingViewer {
  accountId: number | null;
  tokenId: number | null;
  scopes: string[];
  /** The viewer's chosen languages, read once per connection as Mastodon does (null: every language). */
  languages: string[] | null;
}

/**
 * The viewer of a streaming request. No token: anonymous (public and hashtag streams only, as the
 * public timelines are open without one). A bad, revoked or app-only token, or one that can read
 * nothing, is refused with 401 and Mastodon's message.
 */
export async function streamingViewer(db: Db, req: Request): Promise<StreamingViewer> {
  const { token } = streamingToken(req);
  if (token === undefined) return { accountId: null, tokenId: null, scopes: [], languages: null };
  const auth = await authenticateToken(db, token);
  if (!auth?.account) throw new ApiError(401, ERRORS.invalidToken.error);
  if (!canStream(auth.scopes)) throw new ApiError(401, ERRORS.scopes.error);
  return {
    accountId: auth.account.id,
    tokenId: auth.token.id,
    scopes: auth.scopes,
    languages: chosenLanguages(auth.user?.settings),
  };
}

/** Opens a socket in the viewer's shard (a random one for anonymous viewers). */
export function connectToShard(env: Bindings, info: ConnectInfo): Promise<Response> {
  const stub =
    info.accountId === null ? shardStub(env, Math.floor(Math.random() * SOCKET_SHARDS)) : accountShard(env, info.accountId);
  return stub.fetch("https://streaming.internal/connect", {
    headers: { upgrade: "websocket", [CONNECT_HEADER]: JSON.stringify(info) },
  });
}

export const streamingWsRoutes = new Hono<AppEnv>();

streamingWsRoutes.get("/api/v1/streaming/health", (c) => c.text("OK", 200, { "Cache-Control": "no-store" }));

streamingWsRoutes.get("/api/v1/streaming", async (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(400, "Expected a WebSocket upgrade (or use /api/v1/streaming/<stream> for server-sent events)");
  }
  const viewer = await streamingViewer(c.get("db"), c.req.raw);
  const url = new URL(c.req.url);
  const stream = url.searchParams.get("stream");
  const { protocol } = streamingToken(c.req.raw);
  return connectToShard(c.env, {
    ...viewer,
    protocol,
    initial: stream === null ? undefined : { stream, tag: url.searchParams.get("tag"), list: url.searchParams.get("list") },
  });
});
