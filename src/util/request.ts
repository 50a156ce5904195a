import type { Context } from "hono";
import type { AppEnv } from "../env";
import { Params, parseRequestParams } from "./params";

const PARAMS = new WeakMap<Request, Params>();

/** The request's merged query + body params, parsed once per request. */
export async function readParams(c: Context<AppEnv>): Promise<Params> {
  const cached = PARAMS.get(c.req.raw);
  if (cached) return cached;
  const parsed = new Params(await parseRequestParams(c.req.raw));
  PARAMS.set(c.req.raw, parsed);
  return parsed;
}

/** The client's IP as Cloudflare reports it; "unknown" off the edge (tests may set the header). */
export function clientIp(req: Request): string {
  return req.headers.get("cf-connecting-ip") ?? req.headers.get("x-real-ip") ?? "unknown";
}
