import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const accountStatusesRoutes = new Hono<AppEnv>();
