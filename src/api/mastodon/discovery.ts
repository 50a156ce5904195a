/**
 * The discovery surface in one router: tags (followed, featured), trends, follow suggestions,
 * endorsements and the profile directory. Mounted in app.ts before the accounts routes, whose
 * `/api/v1/accounts/:id` would otherwise swallow `/api/v1/accounts/:id/featured_tags` and `/endorsements`.
 */
import { Hono } from "hono";
import type { AppEnv } from "../../env";
import { directoryRoutes } from "./v1/directory";
import { endorsementsRoutes } from "./v1/endorsements";
import { featuredTagsRoutes } from "./v1/featured-tags";
import { suggestionsV1Routes } from "./v1/suggestions";
import { tagsRoutes } from "./v1/tags";
import { trendsRoutes } from "./v1/trends";
import { suggestionsV2Routes } from "./v2/suggestions";

export const discoveryRoutes = new Hono<AppEnv>();

discoveryRoutes.route("/", tagsRoutes);
discoveryRoutes.route("/", featuredTagsRoutes);
discoveryRoutes.route("/", endorsementsRoutes);
discoveryRoutes.route("/", directoryRoutes);
discoveryRoutes.route("/", trendsRoutes);
discoveryRoutes.route("/", suggestionsV1Routes);
discoveryRoutes.route("/", suggestionsV2Routes);
