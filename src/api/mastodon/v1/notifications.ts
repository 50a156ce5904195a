import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const notificationsRoutes = new Hono<AppEnv>();
