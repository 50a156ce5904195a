/** `GET /api/v1/directory`: the profile directory, paged by `offset` and `limit` (40 by default, 80 at most). */
import { Hono } from "hono";
import { serializeAccount } from "../../../entities/account";
import type { AppEnv } from "../../../env";
import { tokenOptional } from "../../../oauth/middleware";
import { listDirectory } from "../../../services/directory";
import { readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";
import { readAccountsIfToken } from "./featured-tags";
import { offsetParam } from "./trends";

export const directoryRoutes = new Hono<AppEnv>();

directoryRoutes.get("/api/v1/directory", tokenOptional, readAccountsIfToken, async (c) => {
  const params = await readParams(c);
  const { limit } = readPageParams(params, { defaultLimit: 40, maxLimit: 80 });
  const accounts = await listDirectory(
    c.get("db"),
    {
      offset: offsetParam(params),
      limit,
      // Mastodon: anything but `new` is the default `active` order.
      order: params.string("order") === "new" ? "new" : "active",
      local: params.bool("local") ?? false,
    },
    c.get("auth")?.account?.id,
  );
  const config = c.get("config");
  return c.json(accounts.map((a) => serializeAccount(config, a.account, { role: a.role })));
});
