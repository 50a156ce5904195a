import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const pollsRoutes = new Hono<AppEnv>();
