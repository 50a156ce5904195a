/**
 * The server-rendered account pages. Errors thrown here (a bad CSRF token, a rate limit, closed
 * registrations) become HTML pages with their status and headers, not the API's JSON; anything that
 * is not an ApiError goes on to the app's handler.
 */
import { Hono } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { adminRoutes } from "./admin";
import { adminAccountRoutes } from "./admin-accounts";
import { adminDomainBlockRoutes } from "./admin-domain-blocks";
import { errorPage } from "./error-page";
import { settingsRoutes } from "./settings";
import { aliasSettingsRoutes } from "./settings-aliases";
import { exportSettingsRoutes } from "./settings-export";
import { importSettingsRoutes } from "./settings-imports";
import { languageSettingsRoutes } from "./settings-languages";
import { migrationSettingsRoutes } from "./settings-migration";
import { twoFactorSettingsRoutes } from "./settings-two-factor";
import { signInRoutes } from "./sign-in";
import { signUpRoutes } from "./sign-up";
import { twoFactorRoutes } from "./two-factor";

export const webRoutes = new Hono<AppEnv>();

webRoutes.route("/", signInRoutes);
webRoutes.route("/", twoFactorRoutes);
webRoutes.route("/", signUpRoutes);
webRoutes.route("/", settingsRoutes);
webRoutes.route("/", twoFactorSettingsRoutes);
webRoutes.route("/", languageSettingsRoutes);
webRoutes.route("/", exportSettingsRoutes);
webRoutes.route("/", importSettingsRoutes);
webRoutes.route("/", aliasSettingsRoutes);
webRoutes.route("/", migrationSettingsRoutes);
webRoutes.route("/", adminRoutes);
webRoutes.route("/", adminDomainBlockRoutes);
webRoutes.route("/", adminAccountRoutes);

webRoutes.onError((err, c) => {
  if (err instanceof ApiError) return errorPage(c, err);
  throw err;
});
