import { Hono } from "hono";
import type { AppEnv } from "../env";

export const federationRoutes = new Hono<AppEnv>();
