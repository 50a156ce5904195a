/**
 * Server-sent events: `/api/v1/streaming/user`, `/user/notification`, `/public[/local|/remote]`
 * (`?only_media=true` for the media streams), `/hashtag[/local]?tag=`, `/list?list=`, `/direct`.
 * Each request opens an internal socket to its shard with one subscription, so the shard treats it
 * like any other socket (and may hibernate); this Worker request turns frames into `event:` /
 * `data:` lines and writes Mastodon's `:thump` heartbeat every 15 s.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { ERRORS, isError, parseSubscription, scopeAllows, USER_STREAMS } from "./protocol";
import { connectToShard, streamingViewer } from "./ws-route";

export const SSE_HEARTBEAT_MS = 15_000;

const PATHS: Record<string, string> = {
  user: "user",
  "user/notification": "user:notification",
  public: "public",
  "public/local": "public:local",
  "public/remote": "public:remote",
  hashtag: "hashtag",
  "hashtag/local": "hashtag:local",
  list: "list",
  direct: "direct",
};

/** One SSE message from a shard frame; undefined for frames that are not events. */
export function sseMessage(frame: string): string | undefined {
  let data: { event?: unknown; payload?: unknown };
  try {
    data = JSON.parse(frame) as typeof data;
  } catch {
    return undefined;
  }
  if (typeof data.event !== "string") return undefined;
  const payload = typeof data.payload === "string" ? data.payload : "";
  return `event: ${data.event}\ndata: ${payload}\n\n`;
}

export const streamingSseRoutes = new Hono<AppEnv>();

streamingSseRoutes.get("/api/v1/streaming/:path{.+}", async (c) => {
  const base = PATHS[c.req.param("path")];
  if (base === undefined) throw new ApiError(404, ERRORS.unknownStream.error);
  const url = new URL(c.req.url);
  const media = base.startsWith("public") && ["1", "true"].includes(url.searchParams.get("only_media") ?? "");
  const stream = media ? `${base}:media` : base;
  const sub = parseSubscription(stream, url.searchParams.get("tag"), url.searchParams.get("list"));
  if (isError(sub)) throw new ApiError(sub.status, sub.error);
  const viewer = await streamingViewer(c.get("db"), c.req.raw);
  if (viewer.accountId === null && USER_STREAMS.has(sub.stream)) throw new ApiError(401, ERRORS.missingToken.error);
  if (viewer.accountId !== null && !scopeAllows(viewer.scopes, sub.stream)) throw new ApiError(401, ERRORS.scopes.error);
  if (sub.stream === "list") {
    const owned = await c.env.DB.prepare("SELECT 1 AS ok FROM lists WHERE id = ? AND account_id = ?")
      .bind(Number(sub.list), viewer.accountId)
      .first();
    if (!owned) throw new ApiError(401, ERRORS.listNotAuthorized.error);
  }

  const upstream = await connectToShard(c.env, { ...viewer, initial: { stream, tag: sub.tag, list: sub.list } });
  const ws = upstream.webSocket;
  if (!ws) throw new ApiError(503, "Streaming is unavailable");
  ws.accept();

  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  // A reader that goes away errors the writable side; `stop` handles it, nothing else waits on it.
  writer.closed.catch(() => undefined);
  const encoder = new TextEncoder();
  let open = true;
  const stop = () => {
    if (!open) return;
    open = false;
    clearInterval(heartbeat);
    try {
      ws.close(1000, "SSE client gone");
    } catch {
      // already closed
    }
    writer.close().catch(() => undefined);
  };
  const write = (text: string) => {
    if (!open) return;
    writer.write(encoder.encode(text)).catch(stop);
  };
  const heartbeat = setInterval(() => write(":thump\n"), SSE_HEARTBEAT_MS);
  ws.addEventListener("message", (event) => {
    if (typeof event.data !== "string") return;
    const message = sseMessage(event.data);
    if (message) write(message);
  });
  ws.addEventListener("close", stop);
  ws.addEventListener("error", stop);
  c.req.raw.signal?.addEventListener("abort", stop);
  write(":)\n");

  return new Response(readable, {
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    },
  });
});
