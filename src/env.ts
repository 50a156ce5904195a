import type { Config } from "./config";
import type { Db } from "./db/client";
import type { AuthContext } from "./oauth/middleware";

declare global {
  namespace Cloudflare {
    interface Env {
      /** Required secret: seals secrets at rest and signs sessions. */
      SECRET_KEY_BASE: string;
    }
  }
}

export type Bindings = Cloudflare.Env;

export interface Variables {
  config: Config;
  db: Db;
  /** Set by `tokenOptional` / `tokenRequired` when the request carries a valid bearer token. */
  auth: AuthContext | undefined;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: Variables;
}
