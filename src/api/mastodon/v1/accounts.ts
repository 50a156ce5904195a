/**
 * `/api/v1/accounts`: registration through an app, the signed-in user's own account
 * (verify_credentials, update_credentials), and reading accounts by id or handle.
 * Other `/api/v1/accounts/...` routes (statuses, follow, relationships, search) live with their
 * features; `:id` here only matches digits so it never shadows them.
 */
import { type Context, Hono } from "hono";
import { createMiddleware } from "hono/factory";
import type { Config } from "../../../config";
import type { Db } from "../../../db/client";
import { type MastodonAccount, serializeAccount, serializeCredentialAccount } from "../../../entities/account";
import type { AppEnv } from "../../../env";
import { ApiError } from "../../../errors";
import { sendActorUpdate } from "../../../federation/outbound/actions";
import { remoteResolver } from "../../../federation/resolve-remote";
import { parseId } from "../../../ids";
import { type AuthContext, currentUser, scopeRequired, tokenOptional, tokenRequired } from "../../../oauth/middleware";
import { scopeSatisfies } from "../../../oauth/scopes";
import { issueAccessToken } from "../../../oauth/tokens";
import {
  ACCOUNTS_BATCH_MAX,
  applicationScopes,
  findVisibleAccountByAcct,
  findVisibleAccounts,
  parseAcct,
  requireVisibleAccountWithRole,
  type VisibleAccount,
} from "../../../services/accounts";
import { accountEmojis } from "../../../services/custom-emoji-hydrate";
import { readProfileInput, updateProfile } from "../../../services/profile";
import { type RegistrationInput, register } from "../../../services/registrations";
import { readParams } from "../../../util/request";
import { unixSeconds } from "../../../util/time";

export const accountsRoutes = new Hono<AppEnv>();

const outsideScopes = () => new ApiError(403, "This action is outside the authorized scopes");

/** Any one of `scopes` (Mastodon's `doorkeeper_authorize! :a, :b`). Run after a token middleware. */
function anyScopeRequired(...scopes: string[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const auth = c.get("auth");
    if (!auth) throw new ApiError(401, "The access token is invalid");
    if (!scopes.some((s) => scopeSatisfies(auth.scopes, s))) throw outsideScopes();
    await next();
  });
}

/** Public reads still check the scope of a token when one is sent (Mastodon's `authorize_if_got_token!`). */
const readAccountsIfToken = createMiddleware<AppEnv>(async (c, next) => {
  const auth = c.get("auth");
  if (auth && !scopeSatisfies(auth.scopes, "read:accounts")) throw outsideScopes();
  await next();
});

/**
 * The account endpoints' rendering: custom emoji of the name and bio (src/services/custom-emoji-hydrate.ts;
 * no query without `:code:`) and, for an account that moved, `moved` (the new account, when visible):
 * one query for the lot, whatever their number.
 */
async function accountsJson(db: Db, config: Config, found: readonly VisibleAccount[]): Promise<MastodonAccount[]> {
  const movedIds = found.flatMap((f) => (f.account.movedToAccountId === null ? [] : [f.account.movedToAccountId]));
  const targets = await findVisibleAccounts(db, movedIds);
  const emojis = await accountEmojis(db, config, [
    ...found.map((f) => f.account),
    ...[...targets.values()].map((t) => t.account),
  ]);
  const render = (f: VisibleAccount, moved?: MastodonAccount) =>
    serializeAccount(config, f.account, { role: f.role, emojis: emojis.get(f.account.id), moved });
  return found.map((f) => {
    const target = f.account.movedToAccountId === null ? undefined : targets.get(f.account.movedToAccountId);
    return render(f, target ? render(target) : undefined);
  });
}

async function accountJson(db: Db, config: Config, found: VisibleAccount): Promise<MastodonAccount> {
  return (await accountsJson(db, config, [found]))[0] as MastodonAccount;
}

// --- Registration ----------------------------------------------------------------------------------

accountsRoutes.post("/api/v1/accounts", tokenRequired, scopeRequired("write:accounts"), async (c) => {
  const params = await readParams(c);
  const input: RegistrationInput = {
    username: params.string("username") ?? "",
    email: params.string("email") ?? "",
    password: params.string("password") ?? "",
    agreement: params.bool("agreement") ?? false,
    // Mastodon only checks a locale that is sent; clients that omit it get the default.
    locale: params.string("locale")?.trim() || "en",
    reason: params.string("reason") ?? null,
  };
  // date_of_birth is only checked by Mastodon when a minimum age is configured; Petrel has none.
  const token = await signUpThroughApp(c.get("db"), c.get("config"), c.req.raw, c.get("auth"), input);
  return c.json(token);
});

/**
 * Mastodon's AppSignUpService: only an app's own (client_credentials) token may sign people up, and the
 * new user gets a token with the scopes the app registered. In approval mode the token is returned
 * but refused until a moderator approves the account.
 */
async function signUpThroughApp(db: Db, config: Config, req: Request, auth: AuthContext | undefined, input: RegistrationInput) {
  if (!auth) throw new ApiError(401, "The access token is invalid");
  // Mastodon's own wording, grammar included.
  if (auth.token.userId !== null) throw new ApiError(403, "This method requires an client credentials authentication");
  if (config.registrationsMode === "closed") throw new ApiError(403, "This action is not allowed");
  const { user } = await register(db, config, req, input);
  const issued = await issueAccessToken(db, config, {
    applicationId: auth.token.applicationId,
    userId: user.id,
    scopes: await applicationScopes(db, auth.token.applicationId),
  });
  return {
    access_token: issued.accessToken,
    token_type: "Bearer",
    scope: issued.scopes.join(" "),
    created_at: unixSeconds(issued.createdAt),
  };
}

// --- The signed-in user's own account ------------------------------------------------------------

accountsRoutes.get(
  "/api/v1/accounts/verify_credentials",
  tokenRequired,
  anyScopeRequired("read:accounts", "profile"),
  async (c) => {
    const { account, user } = currentUser(c);
    const emojis = (await accountEmojis(c.get("db"), c.get("config"), [account])).get(account.id);
    return c.json(serializeCredentialAccount(c.get("config"), account, user, { emojis }));
  },
);

async function updateCredentials(c: Context<AppEnv>) {
  const current = currentUser(c);
  const input = readProfileInput(await readParams(c));
  const updated = await updateProfile(c.get("db"), current, input);
  await sendActorUpdate(c.env, updated.account);
  const emojis = (await accountEmojis(c.get("db"), c.get("config"), [updated.account])).get(updated.account.id);
  return c.json(serializeCredentialAccount(c.get("config"), updated.account, updated.user, { emojis }));
}

accountsRoutes.on(
  ["PATCH", "PUT"],
  "/api/v1/accounts/update_credentials",
  tokenRequired,
  scopeRequired("write:accounts"),
  updateCredentials,
);

// --- Reading accounts -----------------------------------------------------------------------------

accountsRoutes.get("/api/v1/accounts/lookup", tokenOptional, readAccountsIfToken, async (c) => {
  const acct = c.req.query("acct") ?? "";
  const db = c.get("db");
  const config = c.get("config");
  let found = await findVisibleAccountByAcct(db, config, acct);
  const parsed = parseAcct(config, acct);
  // Unknown remote handles are looked up through WebFinger, for signed-in users only (a public
  // endpoint must not make this server fetch from anywhere on anyone's behalf).
  if (!found && parsed?.domain && c.get("auth")?.account) {
    const fetched = await remoteResolver(c.env, db, config).handle(parsed.username, parsed.domain);
    if (fetched) found = (await findVisibleAccounts(db, [fetched.id])).get(fetched.id);
  }
  if (!found) throw new ApiError(404, "Record not found");
  return c.json(await accountJson(db, config, found));
});

accountsRoutes.get("/api/v1/accounts", tokenOptional, readAccountsIfToken, async (c) => {
  // Mastodon de-duplicates, then refuses more than 40 ids with a 422.
  const requested = [...new Set((await readParams(c)).strings("id"))];
  if (requested.length > ACCOUNTS_BATCH_MAX) {
    throw new ApiError(422, `Validation failed: Id is too long (maximum is ${ACCOUNTS_BATCH_MAX} ids)`);
  }
  const ids = requested.map(parseId).filter((id): id is number => id !== undefined);
  const found = await findVisibleAccounts(c.get("db"), ids);
  // In the order asked for, skipping ids that are unknown or hidden.
  const ordered = ids.flatMap((id) => {
    const f = found.get(id);
    return f ? [f] : [];
  });
  return c.json(await accountsJson(c.get("db"), c.get("config"), ordered));
});

accountsRoutes.get("/api/v1/accounts/:id{[0-9]+}", tokenOptional, readAccountsIfToken, async (c) => {
  const found = await requireVisibleAccountWithRole(c.get("db"), parseId(c.req.param("id")));
  return c.json(await accountJson(c.get("db"), c.get("config"), found));
});
