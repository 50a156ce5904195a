import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const listsRoutes = new Hono<AppEnv>();
