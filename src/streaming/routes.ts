/** The streaming API's routes: the WebSocket and health first, then the server-sent event paths. */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { streamingSseRoutes } from "./sse";
import { streamingWsRoutes } from "./ws-route";

export const streamingRoutes = new Hono<AppEnv>();
streamingRoutes.route("/", streamingWsRoutes);
streamingRoutes.route("/", streamingSseRoutes);
