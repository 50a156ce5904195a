import { Hono } from "hono";
import type { AppEnv } from "../env";

export const wellKnownRoutes = new Hono<AppEnv>();
