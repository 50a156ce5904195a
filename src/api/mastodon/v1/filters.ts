import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const filtersRoutes = new Hono<AppEnv>();
