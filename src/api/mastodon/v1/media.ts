import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const mediaRoutes = new Hono<AppEnv>();
