import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const scheduledStatusesRoutes = new Hono<AppEnv>();
