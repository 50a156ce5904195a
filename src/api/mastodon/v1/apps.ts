import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const appsRoutes = new Hono<AppEnv>();
