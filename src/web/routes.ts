import { Hono } from "hono";
import type { AppEnv } from "../env";

export const webRoutes = new Hono<AppEnv>();
