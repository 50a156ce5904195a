/**
 * The authorization endpoint's logic, as Doorkeeper orders it: errors about the client or the redirect
 * URI are shown on a page (redirecting would hand an attacker an open redirect); every later error is
 * sent back to the registered redirect URI with `error`, `error_description` and `state`.
 */
import { randomToken, sha256Hex } from "../crypto/tokens";
import type { Db } from "../db/client";
import { type OauthApplication, oauthAccessGrants } from "../db/schema";
import { applicationRedirectUris, applicationScopes } from "../entities/application";
import type { Params } from "../util/params";
import { DEFAULT_SCOPES, findApplicationByClientId, OOB_REDIRECT_URI, scopeParam } from "./apps";
import { missingParam, OAUTH_DESCRIPTIONS } from "./errors";
import { CODE_CHALLENGE_MAX } from "./pkce";
import { isKnownScope, parseScopes, scopesWithin } from "./scopes";

export const GRANT_TTL_MS = 10 * 60 * 1000;
export const RESPONSE_MODES = ["query", "fragment", "form_post"] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

/** A request that passed every check: what the consent page shows and the grant records. */
export interface PreAuthorization {
  app: OauthApplication;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: string | undefined;
  responseMode: ResponseMode;
}

/** Where an error goes: onto a page, or back to the client. */
export type AuthorizationError =
  | { kind: "page"; error: string; description: string }
  | {
      kind: "redirect";
      redirectUri: string;
      responseMode: ResponseMode;
      state: string | undefined;
      error: string;
      description: string;
    };

export type PreAuthResult = { ok: true; pre: PreAuthorization } | { ok: false; failure: AuthorizationError };

/** The params a consent form carries through to its POST, in a stable order. */
export const CARRIED_PARAMS = [
  "client_id",
  "redirect_uri",
  "response_type",
  "response_mode",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
] as const;

export async function preAuthorize(db: Db, params: Params): Promise<PreAuthResult> {
  const page = (error: string, description: string): PreAuthResult => ({
    ok: false,
    failure: { kind: "page", error, description },
  });

  const clientId = params.string("client_id") ?? "";
  if (clientId === "") return page("invalid_request", missingParam("client_id"));
  const app = await findApplicationByClientId(db, clientId);
  if (!app) return page("invalid_client", OAUTH_DESCRIPTIONS.invalid_client);

  const redirectUri = params.string("redirect_uri") ?? "";
  if (redirectUri === "" || !applicationRedirectUris(app).includes(redirectUri)) {
    return page("invalid_redirect_uri", OAUTH_DESCRIPTIONS.invalid_redirect_uri);
  }

  // From here on the redirect URI is one the client registered, so errors may go back to it.
  const state = nonEmpty(params.string("state"));
  const modeParam = nonEmpty(params.string("response_mode"));
  const responseMode: ResponseMode = isResponseMode(modeParam) ? modeParam : "query";
  const back = (error: string, description: string): PreAuthResult => {
    if (redirectUri === OOB_REDIRECT_URI) return page(error, description);
    return { ok: false, failure: { kind: "redirect", redirectUri, responseMode, state, error, description } };
  };

  const responseType = nonEmpty(params.string("response_type"));
  if (responseType === undefined) return back("invalid_request", missingParam("response_type"));
  if (responseType !== "code") return back("unsupported_response_type", OAUTH_DESCRIPTIONS.unsupported_response_type);
  if (modeParam !== undefined && !isResponseMode(modeParam)) {
    return back("unsupported_response_mode", OAUTH_DESCRIPTIONS.unsupported_response_mode);
  }

  const requested = parseScopes(scopeParam(params, "scope"));
  const scopes = requested.length > 0 ? requested : DEFAULT_SCOPES;
  if (!scopes.every(isKnownScope) || !scopesWithin(scopes, applicationScopes(app))) {
    return back("invalid_scope", OAUTH_DESCRIPTIONS.invalid_scope);
  }

  const codeChallenge = nonEmpty(params.string("code_challenge"));
  const codeChallengeMethod = nonEmpty(params.string("code_challenge_method"));
  if (codeChallenge !== undefined) {
    if (codeChallengeMethod !== "S256") return back("invalid_request", OAUTH_DESCRIPTIONS.code_challenge_method);
    if (codeChallenge.length > CODE_CHALLENGE_MAX) return back("invalid_request", OAUTH_DESCRIPTIONS.invalid_request);
  }

  return {
    ok: true,
    pre: {
      app,
      redirectUri,
      scopes,
      state,
      codeChallenge,
      codeChallengeMethod: codeChallenge === undefined ? undefined : codeChallengeMethod,
      responseMode,
    },
  };
}

/** The values to carry in the consent form's hidden fields, normalised (scope space-separated). */
export function carriedValues(pre: PreAuthorization, params: Params): Array<[string, string]> {
  const values: Record<(typeof CARRIED_PARAMS)[number], string | undefined> = {
    client_id: pre.app.clientId,
    redirect_uri: pre.redirectUri,
    response_type: "code",
    response_mode: nonEmpty(params.string("response_mode")),
    scope: pre.scopes.join(" "),
    state: pre.state,
    code_challenge: pre.codeChallenge,
    code_challenge_method: pre.codeChallengeMethod,
  };
  return CARRIED_PARAMS.flatMap((k) => {
    const v = values[k];
    return v === undefined ? [] : [[k, v] as [string, string]];
  });
}

/** Records an approved request; the raw code goes to the client once, D1 keeps only its SHA-256. */
export async function createGrant(db: Db, pre: PreAuthorization, userId: number, now: number = Date.now()): Promise<string> {
  const code = randomToken(32);
  await db.insert(oauthAccessGrants).values({
    codeHash: await sha256Hex(code),
    applicationId: pre.app.id,
    userId,
    redirectUri: pre.redirectUri,
    scopes: pre.scopes.join(" "),
    codeChallenge: pre.codeChallenge ?? null,
    codeChallengeMethod: pre.codeChallengeMethod ?? null,
    expiresAt: now + GRANT_TTL_MS,
    createdAt: now,
  });
  return code;
}

/**
 * The registered URI with `values` added. The URI is kept byte for byte (URL() would lower-case a
 * scheme like Ivory's `com.tapbots.Ivory.10217:`), and a query it already has is extended with `&`
 * (Elk's `…/oauth?origin=…` lost its code on servers that appended a second `?`).
 */
export function redirectWith(redirectUri: string, mode: ResponseMode, values: Array<[string, string]>): string {
  const encoded = new URLSearchParams(values).toString();
  if (mode === "fragment") return `${redirectUri}#${encoded}`;
  if (!redirectUri.includes("?")) return `${redirectUri}?${encoded}`;
  const sep = redirectUri.endsWith("?") || redirectUri.endsWith("&") ? "" : "&";
  return `${redirectUri}${sep}${encoded}`;
}

export function responseValues(pre: { state: string | undefined }, values: Array<[string, string]>): Array<[string, string]> {
  return pre.state === undefined ? values : [...values, ["state", pre.state]];
}

export function errorValues(failure: { error: string; description: string; state: string | undefined }): Array<[string, string]> {
  return responseValues(failure, [
    ["error", failure.error],
    ["error_description", failure.description],
  ]);
}

/**
 * CSP `form-action` sources for the registered redirect URI: Chrome applies form-action to the
 * redirect that follows a form POST, so the consent page must allow where the 302 goes.
 */
export function formActionSource(redirectUri: string): string | undefined {
  if (redirectUri === OOB_REDIRECT_URI) return undefined;
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return undefined;
  }
  if (url.protocol === "http:" || url.protocol === "https:") return url.origin;
  return /^[a-z][a-z0-9+.-]*:$/.test(url.protocol) ? url.protocol : undefined;
}

function isResponseMode(v: string | undefined): v is ResponseMode {
  return v !== undefined && (RESPONSE_MODES as readonly string[]).includes(v);
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}
