/** `GET /api/v2/suggestions`: Suggestion entities (account plus sources), 40 by default, 80 at most. */
import { Hono } from "hono";
import { serializeSuggestion } from "../../../entities/suggestion";
import type { AppEnv } from "../../../env";
import { currentUser, userRequired } from "../../../oauth/middleware";
import { suggestionsFor } from "../../../services/suggestions/suggestions";
import { readPageParams } from "../../../util/pagination";
import { readParams } from "../../../util/request";

export const suggestionsV2Routes = new Hono<AppEnv>();

suggestionsV2Routes.get("/api/v2/suggestions", userRequired("read:accounts"), async (c) => {
  const { limit } = readPageParams(await readParams(c), { defaultLimit: 40, maxLimit: 80 });
  const found = await suggestionsFor(c.get("db"), currentUser(c).account.id, limit);
  const config = c.get("config");
  return c.json(found.map((s) => serializeSuggestion(config, s)));
});
