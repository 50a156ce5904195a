import { Hono } from "hono";
import type { AppEnv } from "../env";

export const oauthRoutes = new Hono<AppEnv>();
