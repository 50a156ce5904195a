/**
 * Bearer-token authentication for the client API. Middlewares are named for what they demand:
 * `tokenOptional` (read the token if present), `tokenRequired` (any valid token, app or user),
 * `userRequired` (a token acting for a user), `scopeRequired(scope)`.
 */
import { eq, getTableName } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../crypto/tokens";
import type { Db } from "../db/client";
import { rowReader } from "../db/row-reader";
import {
  type Account,
  accounts,
  type OauthAccessToken,
  oauthAccessTokens,
  oauthApplications,
  type User,
  users,
} from "../db/schema";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { scopeSatisfies } from "./scopes";

export interface AuthContext {
  token: OauthAccessToken;
  scopes: string[];
  /** Present for user tokens; absent for client_credentials (app) tokens. */
  user: User | undefined;
  account: Account | undefined;
  /** The token's application as statuses show it (null: none, or deleted). */
  application: { name: string; website: string | null } | null;
}

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.get("authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m?.[1];
  }
  return undefined;
}

const tokenRow = rowReader(oauthAccessTokens, "t", "t_");
const userRow = rowReader(users, "u", "u_");
// The signing code loads keys itself (src/federation/keys.ts); every request need not carry them.
const accountRow = rowReader(accounts, "a", "a_", ["publicKeyPem", "privateKeySealed"]);
// Every authenticated request runs this, so it is one prepared string read by the row readers.
// The application's name and website come along: a posted status shows them, and they would
// otherwise cost the post a second D1 round trip before its commit.
const TOKEN_SQL = `SELECT ${tokenRow.columns}, ${userRow.columns}, ${accountRow.columns},
    ap.${oauthApplications.name.name} AS ap_name, ap.${oauthApplications.website.name} AS ap_website
  FROM ${getTableName(oauthAccessTokens)} t
  LEFT JOIN ${getTableName(users)} u ON u.id = t.${oauthAccessTokens.userId.name}
  LEFT JOIN ${getTableName(accounts)} a ON a.id = u.${users.accountId.name}
  LEFT JOIN ${getTableName(oauthApplications)} ap ON ap.id = t.${oauthAccessTokens.applicationId.name}
  WHERE t.${oauthAccessTokens.tokenHash.name} = ? AND t.${oauthAccessTokens.revokedAt.name} IS NULL
  LIMIT 1`;

/** Resolves a raw bearer token to its auth context; `undefined` for unknown, revoked or disabled. */
export async function authenticateToken(db: Db, raw: string): Promise<AuthContext | undefined> {
  const hash = await sha256Hex(raw);
  const { results } = await db.$client.prepare(TOKEN_SQL).bind(hash).all<Record<string, unknown>>();
  const first = results[0];
  const token = first ? tokenRow.read(first) : undefined;
  const row = first && token ? { token, user: userRow.read(first), account: accountRow.read(first) } : undefined;
  if (!row) return undefined;
  if (row.token.userId !== null) {
    if (!row.user || !row.account) return undefined;
    // Pending, disabled or suspended users keep their tokens but may not use them.
    if (row.user.disabled || !row.user.approved || row.account.suspendedAt !== null) return undefined;
  }
  // Marks the token as used (at most hourly) so app-only users count as active in instance stats.
  const now = Date.now();
  if (row.token.lastUsedAt === null || now - row.token.lastUsedAt > 3_600_000) {
    await db.update(oauthAccessTokens).set({ lastUsedAt: now }).where(eq(oauthAccessTokens.id, row.token.id));
  }
  return {
    token: row.token,
    scopes: row.token.scopes.split(" ").filter(Boolean),
    user: row.user ?? undefined,
    account: row.account ?? undefined,
    application:
      typeof first?.ap_name === "string"
        ? { name: first.ap_name, website: typeof first.ap_website === "string" ? first.ap_website : null }
        : null,
  };
}

const invalidToken = () => new ApiError(401, "The access token is invalid");

export const tokenOptional = createMiddleware<AppEnv>(async (c, next) => {
  const raw = bearerToken(c.req.raw);
  if (raw !== undefined) {
    const auth = await authenticateToken(c.get("db"), raw);
    if (!auth) throw invalidToken();
    c.set("auth", auth);
  }
  await next();
});

export const tokenRequired = createMiddleware<AppEnv>(async (c, next) => {
  const raw = bearerToken(c.req.raw);
  if (raw === undefined) throw invalidToken();
  const auth = await authenticateToken(c.get("db"), raw);
  if (!auth) throw invalidToken();
  c.set("auth", auth);
  await next();
});

/** Checks the scope of whatever token `tokenOptional`/`tokenRequired` found. */
export function scopeRequired(scope: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const auth = c.get("auth");
    if (!auth) throw invalidToken();
    if (!scopeSatisfies(auth.scopes, scope)) throw new ApiError(403, "This action is outside the authorized scopes");
    await next();
  });
}

/** A valid token that acts for a user, holding `scope`. */
export function userRequired(scope?: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const raw = bearerToken(c.req.raw);
    if (raw === undefined) throw invalidToken();
    const auth = await authenticateToken(c.get("db"), raw);
    if (!auth) throw invalidToken();
    c.set("auth", auth);
    if (scope && !scopeSatisfies(auth.scopes, scope)) {
      throw new ApiError(403, "This action is outside the authorized scopes");
    }
    if (!auth.user) throw new ApiError(422, "This method requires an authenticated user");
    await next();
  });
}

/** The signed-in user and account of a route behind `userRequired`. */
export function currentUser(c: { get(key: "auth"): AuthContext | undefined }): {
  user: User;
  account: Account;
  auth: AuthContext;
} {
  const auth = c.get("auth");
  if (!auth?.user || !auth.account) throw new ApiError(422, "This method requires an authenticated user");
  return { user: auth.user, account: auth.account, auth };
}
