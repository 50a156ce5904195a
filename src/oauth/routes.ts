/**
 * The OAuth 2 server Mastodon clients use: discovery, the authorization page (HTML), the token and
 * revocation endpoints (JSON, RFC 6749 errors) and userinfo. Logic lives in the neighbouring modules.
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import type { Params } from "../util/params";
import { clientIp, readParams } from "../util/request";
import { currentSession, endSession } from "../web/session";
import { createGrant, preAuthorize } from "./authorize";
import {
  authorizePathFromForm,
  authorizeReturnPath,
  csrfFailure,
  redirectToSignIn,
  renderConsent,
  renderError,
  respondDenied,
  respondWithCode,
  respondWithFailure,
} from "./authorize-responses";
import { oauthError } from "./errors";
import { authorizationServerMetadata, userInfo } from "./metadata";
import { tokenRequired } from "./middleware";
import { scopeSatisfies } from "./scopes";
import { handleRevokeRequest, handleTokenRequest } from "./token";

export const oauthRoutes = new Hono<AppEnv>();

/** RFC 6749 §5.1: token responses must not be cached. */
const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" };

/** Body errors on the token endpoints are reported with RFC 6749's code, not the API's wording. */
async function readOAuthParams(c: Context<AppEnv>): Promise<Params> {
  try {
    return await readParams(c);
  } catch (err) {
    if (err instanceof ApiError && err.status === 400) throw oauthError("invalid_request", err.message);
    throw err;
  }
}

oauthRoutes.get("/.well-known/oauth-authorization-server", (c) => c.json(authorizationServerMetadata(c.get("config"))));

oauthRoutes.get("/oauth/authorize", async (c) => {
  const params = await readParams(c);
  const result = await preAuthorize(c.get("db"), params);
  if (!result.ok) return respondWithFailure(c, result.failure);
  if (params.bool("force_login")) {
    await endSession(c);
    return redirectToSignIn(c, authorizeReturnPath(c.req.url));
  }
  const session = await currentSession(c);
  if (!session) return redirectToSignIn(c, authorizeReturnPath(c.req.url));
  if (!session.user.approved) return renderError(c, 403, "access_denied", "Your account has not been approved yet.");
  return renderConsent(c, result.pre, session, params);
});

/** The consent form: Authorize (`decision=approve`) or Deny (`decision=deny`, or Rails' `_method=delete`). */
async function decide(c: Context<AppEnv>, deny: boolean): Promise<Response> {
  const params = await readParams(c);
  const badCsrf = await csrfFailure(c, params);
  if (badCsrf) return badCsrf;
  const session = await currentSession(c);
  if (!session) return redirectToSignIn(c, authorizePathFromForm(params));
  const result = await preAuthorize(c.get("db"), params);
  if (!result.ok) return respondWithFailure(c, result.failure);
  if (deny || params.string("decision") === "deny" || params.string("_method")?.toLowerCase() === "delete") {
    return respondDenied(c, result.pre);
  }
  if (!session.user.approved) return renderError(c, 403, "access_denied", "Your account has not been approved yet.");
  const code = await createGrant(c.get("db"), result.pre, session.user.id);
  return respondWithCode(c, result.pre, code);
}

oauthRoutes.post("/oauth/authorize", (c) => decide(c, false));
oauthRoutes.delete("/oauth/authorize", (c) => decide(c, true));

oauthRoutes.post("/oauth/token", async (c) => {
  const params = await readOAuthParams(c);
  const body = await handleTokenRequest({
    db: c.get("db"),
    config: c.get("config"),
    req: c.req.raw,
    params,
    ip: clientIp(c.req.raw),
  });
  return c.json(body, 200, NO_STORE);
});

oauthRoutes.post("/oauth/revoke", async (c) => {
  const params = await readOAuthParams(c);
  await handleRevokeRequest({ db: c.get("db"), req: c.req.raw, params });
  return c.json({}, 200, NO_STORE);
});

oauthRoutes.use(
  "/oauth/userinfo",
  cors({ origin: "*", allowMethods: ["GET", "POST", "OPTIONS"], allowHeaders: ["Authorization", "Content-Type"], maxAge: 86400 }),
);

/** Mastodon demands `profile`; `read` covers everything userinfo shows, so it is accepted too. */
const userinfoHandler = async (c: Context<AppEnv>) => {
  const auth = c.get("auth");
  if (!auth || !(scopeSatisfies(auth.scopes, "profile") || scopeSatisfies(auth.scopes, "read"))) {
    throw new ApiError(403, "This action is outside the authorized scopes");
  }
  if (!auth.account) throw new ApiError(422, "This method requires an authenticated user");
  return c.json(userInfo(c.get("config"), auth.account));
};
oauthRoutes.get("/oauth/userinfo", tokenRequired, userinfoHandler);
oauthRoutes.post("/oauth/userinfo", tokenRequired, userinfoHandler);
