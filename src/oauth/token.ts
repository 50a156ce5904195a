/**
 * The token endpoint's three grants (authorization_code, client_credentials, password) and revocation.
 * Codes are redeemed by one conditional UPDATE, so two concurrent redemptions cannot both win.
 */
import { and, eq, gt, isNull, type SQL } from "drizzle-orm";
import type { Config } from "../config";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../crypto/password";
import { sha256Hex } from "../crypto/tokens";
import type { Db } from "../db/client";
import { type OauthApplication, oauthAccessGrants, oauthAccessTokens } from "../db/schema";
import { applicationScopes } from "../entities/application";
import { ApiError } from "../errors";
import { findUserByLogin } from "../services/accounts";
import type { Params } from "../util/params";
import { clearRateLimits, hitRateLimits } from "../util/rate-limit";
import { unixSeconds } from "../util/time";
import { authenticateClient, clientCredentialsFrom, DEFAULT_SCOPES, scopeParam } from "./apps";
import { missingParam, OAUTH_DESCRIPTIONS, oauthError } from "./errors";
import { s256Challenge } from "./pkce";
import { isKnownScope, parseScopes, scopesWithin } from "./scopes";
import { type IssuedToken, issueAccessToken, revokeAccessToken } from "./tokens";

export const GRANT_TYPES = ["authorization_code", "password", "client_credentials"] as const;

/** Mastodon's sign-in throttles (Rack::Attack): 25 per IP per 5 minutes, 25 per account per hour. */
const PASSWORD_IP_LIMIT = { max: 25, windowSeconds: 5 * 60 };
const PASSWORD_ACCOUNT_LIMIT = { max: 25, windowSeconds: 60 * 60 };

export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  scope: string;
  created_at: number;
}

export interface TokenRequest {
  db: Db;
  config: Config;
  req: Request;
  params: Params;
  ip: string;
  now?: number;
}

export async function handleTokenRequest(input: TokenRequest): Promise<TokenResponse> {
  const grantType = input.params.string("grant_type") ?? "";
  if (grantType === "") throw oauthError("invalid_request", missingParam("grant_type"));
  if (!(GRANT_TYPES as readonly string[]).includes(grantType)) throw oauthError("unsupported_grant_type");

  const app = await authenticateClient(input.db, clientCredentialsFrom(input.req, input.params));
  if (!app) throw oauthError("invalid_client");

  let issued: IssuedToken;
  if (grantType === "authorization_code") issued = await redeemCode(input, app);
  else if (grantType === "client_credentials") issued = await clientCredentialsGrant(input, app);
  else issued = await passwordGrant(input, app);
  return {
    access_token: issued.accessToken,
    token_type: "Bearer",
    scope: issued.scopes.join(" "),
    created_at: unixSeconds(issued.createdAt),
  };
}

/** `scope` for the grants that take one: default `read`, and never beyond what the app registered. */
function requestedScopes(params: Params, app: OauthApplication): string[] {
  const requested = parseScopes(scopeParam(params, "scope"));
  const scopes = requested.length > 0 ? requested : DEFAULT_SCOPES;
  if (!scopes.every(isKnownScope) || !scopesWithin(scopes, applicationScopes(app))) throw oauthError("invalid_scope");
  return scopes;
}

async function redeemCode(input: TokenRequest, app: OauthApplication): Promise<IssuedToken> {
  const { db, params } = input;
  const now = input.now ?? Date.now();
  const code = params.string("code") ?? "";
  if (code === "") throw oauthError("invalid_request", missingParam("code"));
  const redirectUri = params.string("redirect_uri") ?? "";
  if (redirectUri === "") throw oauthError("invalid_request", missingParam("redirect_uri"));
  const verifier = params.string("code_verifier") ?? "";
  const codeHash = await sha256Hex(code);

  // Every condition sits in the WHERE, so a request that fails any of them leaves the code unspent
  // and only one request can ever flip used_at.
  const pkce: SQL | undefined =
    verifier === ""
      ? isNull(oauthAccessGrants.codeChallenge)
      : eq(oauthAccessGrants.codeChallenge, await s256Challenge(verifier));
  const redeemed = await db
    .update(oauthAccessGrants)
    .set({ usedAt: now })
    .where(
      and(
        eq(oauthAccessGrants.codeHash, codeHash),
        isNull(oauthAccessGrants.usedAt),
        eq(oauthAccessGrants.applicationId, app.id),
        eq(oauthAccessGrants.redirectUri, redirectUri),
        gt(oauthAccessGrants.expiresAt, now),
        pkce,
      ),
    )
    .returning();
  const grant = redeemed[0];
  if (grant) {
    return issueAccessToken(
      db,
      input.config,
      {
        applicationId: app.id,
        userId: grant.userId,
        scopes: grant.scopes.split(" ").filter(Boolean),
      },
      now,
    );
  }
  throw await explainRedeemFailure(db, app, codeHash, verifier, now);
}

/** Works out which RFC 6749 error a failed redemption deserves, and reacts to replays. */
async function explainRedeemFailure(db: Db, app: OauthApplication, codeHash: string, verifier: string, now: number) {
  const rows = await db.select().from(oauthAccessGrants).where(eq(oauthAccessGrants.codeHash, codeHash)).limit(1);
  const grant = rows[0];
  if (!grant || grant.applicationId !== app.id) return oauthError("invalid_grant");
  if (grant.usedAt !== null) {
    // RFC 6749 §4.1.2: a replayed code may mean it was stolen, so the token it bought is revoked too.
    // Tokens are reused per app + user + scopes, so that token is the live one for this triple.
    await db
      .update(oauthAccessTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(oauthAccessTokens.applicationId, grant.applicationId),
          eq(oauthAccessTokens.userId, grant.userId),
          eq(oauthAccessTokens.scopes, grant.scopes),
          isNull(oauthAccessTokens.revokedAt),
        ),
      );
    return oauthError("invalid_grant");
  }
  if (grant.codeChallenge !== null && verifier === "") return oauthError("invalid_request", missingParam("code_verifier"));
  return oauthError("invalid_grant");
}

async function clientCredentialsGrant(input: TokenRequest, app: OauthApplication): Promise<IssuedToken> {
  const scopes = requestedScopes(input.params, app);
  return issueAccessToken(input.db, input.config, { applicationId: app.id, userId: null, scopes }, input.now);
}

/**
 * Resource-owner password grant, as Mastodon allows it: `username` is the e-mail address. Every
 * refusal is the same invalid_grant, and unknown addresses still cost a password hash, so neither the
 * answer nor its timing tells whether an account exists.
 */
async function passwordGrant(input: TokenRequest, app: OauthApplication): Promise<IssuedToken> {
  const { db, params } = input;
  const scopes = requestedScopes(params, app);
  const login = (params.string("username") ?? "").trim().toLowerCase();
  const password = params.string("password") ?? "";
  const accountKey = `oauth-password:account:${await sha256Hex(login)}`;
  await hitRateLimits(
    db,
    [
      { key: `oauth-password:ip:${input.ip}`, ...PASSWORD_IP_LIMIT },
      { key: accountKey, ...PASSWORD_ACCOUNT_LIMIT },
    ],
    input.now,
  );

  const found = login.includes("@") ? await findUserByLogin(db, login) : undefined;
  const valid = await verifyPassword(password, found?.user.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!found || !valid) throw oauthError("invalid_grant");
  const { user, account } = found;
  // Two-factor users must go through the browser flow, where the second factor is asked for.
  if (user.otpEnabled || user.disabled || !user.approved || account.suspendedAt !== null) throw oauthError("invalid_grant");

  await clearRateLimits(db, [accountKey]);
  return issueAccessToken(db, input.config, { applicationId: app.id, userId: user.id, scopes }, input.now);
}

/**
 * RFC 7009 revocation with Doorkeeper's answers: unknown tokens are `{}` like revoked ones, but a
 * client that fails authentication, or asks to revoke another client's token, is refused with 403.
 */
export async function handleRevokeRequest(input: Omit<TokenRequest, "config" | "ip">): Promise<void> {
  const { db, params } = input;
  const app = await authenticateClient(db, clientCredentialsFrom(input.req, params));
  if (!app) throw revokeRefused();
  const token = params.string("token") ?? "";
  if (token === "") return;
  const rows = await db
    .select({ applicationId: oauthAccessTokens.applicationId })
    .from(oauthAccessTokens)
    .where(eq(oauthAccessTokens.tokenHash, await sha256Hex(token)))
    .limit(1);
  const row = rows[0];
  if (!row) return;
  if (row.applicationId !== app.id) throw revokeRefused();
  await revokeAccessToken(db, app.id, token, input.now);
}

function revokeRefused(): ApiError {
  return new ApiError(403, "unauthorized_client", { description: OAUTH_DESCRIPTIONS.revoke_unauthorized });
}
