/**
 * Instance metadata beside `/api/v1/instance` (see instance.ts): languages, privacy policy and terms
 * of service. None needs a token.
 */
import { Hono } from "hono";
import { serializeLanguages, serializePrivacyPolicy, serializeTermsOfService } from "../../../entities/instance-extras";
import type { AppEnv, Bindings } from "../../../env";
import { notFound } from "../../../errors";
import { currentTerms, type PolicyVars, privacyPolicy, termsOfService, termsOn } from "../../../services/instance-policies";

export const instanceExtrasRoutes = new Hono<AppEnv>();

/** Mastodon caches instance information for three minutes. */
const CACHE = { "Cache-Control": "public, max-age=180" };

const vars = (env: Bindings): PolicyVars => env as Bindings & PolicyVars;

instanceExtrasRoutes.get("/api/v1/instance/languages", (c) => c.json(serializeLanguages(), 200, CACHE));

instanceExtrasRoutes.get("/api/v1/instance/privacy_policy", async (c) => {
  const policy = await privacyPolicy(c.get("db"), c.get("config"), vars(c.env));
  return c.json(serializePrivacyPolicy(policy), 200, CACHE);
});

instanceExtrasRoutes.get("/api/v1/instance/terms_of_service", async (c) => {
  const terms = currentTerms(await termsOfService(c.get("db"), vars(c.env)), Date.now());
  if (!terms) throw notFound();
  return c.json(serializeTermsOfService(terms), 200, CACHE);
});

instanceExtrasRoutes.get("/api/v1/instance/terms_of_service/:date", async (c) => {
  const terms = termsOn(await termsOfService(c.get("db"), vars(c.env)), c.req.param("date"), Date.now());
  if (!terms) throw notFound();
  return c.json(serializeTermsOfService(terms), 200, CACHE);
});
