import { Hono } from "hono";
import type { AppEnv } from "../env";

export const mediaServeRoutes = new Hono<AppEnv>();
