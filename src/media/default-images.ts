import { Hono } from "hono";
import type { AppEnv } from "../env";

export const defaultImageRoutes = new Hono<AppEnv>();
