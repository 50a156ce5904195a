import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const instanceV2Routes = new Hono<AppEnv>();
