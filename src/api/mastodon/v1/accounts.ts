import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const accountsRoutes = new Hono<AppEnv>();
