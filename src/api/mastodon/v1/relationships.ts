import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const relationshipsRoutes = new Hono<AppEnv>();
