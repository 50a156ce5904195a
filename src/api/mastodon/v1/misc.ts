import { Hono } from "hono";
import type { AppEnv } from "../../../env";

export const miscV1Routes = new Hono<AppEnv>();
