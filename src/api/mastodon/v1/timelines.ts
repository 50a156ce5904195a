import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const timelinesRoutes = new Hono<AppEnv>();
