import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const markersRoutes = new Hono<AppEnv>();
