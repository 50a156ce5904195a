import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const instanceV1Routes = new Hono<AppEnv>();
