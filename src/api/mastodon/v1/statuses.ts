import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const statusesRoutes = new Hono<AppEnv>();
