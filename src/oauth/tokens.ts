/**
 * Access tokens. Stored as SHA-256 for lookup plus a sealed copy, because Mastodon hands the same
 * token out again for the same app + user + scopes (`reuse_access_token`) and clients rely on that.
 * Tokens never expire; they end when revoked.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Config } from "../config";
import { open, seal } from "../crypto/secret-box";
import { randomToken, sha256Hex } from "../crypto/tokens";
import type { Db } from "../db/client";
import { oauthAccessTokens } from "../db/schema";
import { newId } from "../ids";

const TOKEN_PURPOSE = "oauth-access-token";

export interface IssuedToken {
  accessToken: string;
  scopes: string[];
  /** Epoch milliseconds. */
  createdAt: number;
}

export async function issueAccessToken(
  db: Db,
  config: Config,
  grant: { applicationId: number; userId: number | null; scopes: string[] },
  now: number = Date.now(),
): Promise<IssuedToken> {
  const scopeText = grant.scopes.join(" ");
  if (grant.userId !== null) {
    const existing = await db
      .select()
      .from(oauthAccessTokens)
      .where(
        and(
          eq(oauthAccessTokens.applicationId, grant.applicationId),
          eq(oauthAccessTokens.userId, grant.userId),
          eq(oauthAccessTokens.scopes, scopeText),
          isNull(oauthAccessTokens.revokedAt),
        ),
      )
      .limit(1);
    const row = existing[0];
    if (row) {
      return {
        accessToken: await open(config.secretKeyBase, TOKEN_PURPOSE, row.tokenSealed),
        scopes: grant.scopes,
        createdAt: row.createdAt,
      };
    }
  }
  const accessToken = randomToken(32);
  await db.insert(oauthAccessTokens).values({
    id: newId(now),
    tokenHash: await sha256Hex(accessToken),
    tokenSealed: await seal(config.secretKeyBase, TOKEN_PURPOSE, accessToken),
    applicationId: grant.applicationId,
    userId: grant.userId,
    scopes: scopeText,
    createdAt: now,
  });
  return { accessToken, scopes: grant.scopes, createdAt: now };
}

/** The bearer token of a stored row (Web Push payloads carry it, as Mastodon's do). */
export async function openAccessToken(config: Config, tokenSealed: string): Promise<string> {
  return open(config.secretKeyBase, TOKEN_PURPOSE, tokenSealed);
}

/** Revokes a token by its raw value, if it belongs to the application. Unknown tokens are ignored (RFC 7009). */
export async function revokeAccessToken(db: Db, applicationId: number, raw: string, now: number = Date.now()): Promise<void> {
  await db
    .update(oauthAccessTokens)
    .set({ revokedAt: now })
    .where(and(eq(oauthAccessTokens.tokenHash, await sha256Hex(raw)), eq(oauthAccessTokens.applicationId, applicationId)));
}

/** Revokes every token a user holds (password change, account disabled). */
export async function revokeUserTokens(db: Db, userId: number, now: number = Date.now()): Promise<void> {
  await db
    .update(oauthAccessTokens)
    .set({ revokedAt: now })
    .where(and(eq(oauthAccessTokens.userId, userId), isNull(oauthAccessTokens.revokedAt)));
}
