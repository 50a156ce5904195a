/**
 * Turns the authorization endpoint's outcomes into HTTP: pages, redirects back to the client, and the
 * trip to the sign-in page. Kept apart from the routes so each handler stays a few lines.
 */
import type { Context } from "hono";
import { randomToken } from "../crypto/tokens";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import type { Params } from "../util/params";
import { csrfToken, verifyCsrf } from "../web/csrf";
import type { WebSessionContext } from "../web/session";
import { OOB_REDIRECT_URI } from "./apps";
import {
  type AuthorizationError,
  CARRIED_PARAMS,
  carriedValues,
  errorValues,
  formActionSource,
  type PreAuthorization,
  redirectWith,
  responseValues,
} from "./authorize";
import { CodePage, ConsentPage, ErrorPage, FormPostPage, pageHeaders } from "./consent-page";
import { OAUTH_DESCRIPTIONS } from "./errors";

type Ctx = Context<AppEnv>;

function formActions(redirectUri: string): string[] {
  const source = formActionSource(redirectUri);
  return source ? [source] : [];
}

export function renderError(c: Ctx, status: 400 | 403 | 422, error: string, description: string): Response | Promise<Response> {
  return c.html(
    <ErrorPage instanceTitle={c.get("config").title} error={error} description={description} />,
    status,
    pageHeaders([]),
  );
}

/** Sends the result (a code or an error) back to the client the way its response_mode asks. */
function deliver(
  c: Ctx,
  target: { redirectUri: string; responseMode: PreAuthorization["responseMode"] },
  values: Array<[string, string]>,
): Response | Promise<Response> {
  if (target.responseMode === "form_post") {
    const nonce = randomToken(16);
    return c.html(
      <FormPostPage instanceTitle={c.get("config").title} action={target.redirectUri} fields={values} nonce={nonce} />,
      200,
      pageHeaders(formActions(target.redirectUri), nonce),
    );
  }
  c.header("Cache-Control", "no-store");
  return c.redirect(redirectWith(target.redirectUri, target.responseMode, values), 302);
}

export function respondWithFailure(c: Ctx, failure: AuthorizationError): Response | Promise<Response> {
  if (failure.kind === "page") return renderError(c, 400, failure.error, failure.description);
  return deliver(c, failure, errorValues(failure));
}

/**
 * The sign-in page sends the browser back to `returnTo` afterwards. force_login is dropped from it,
 * or the user would be signed out again on the way back, for ever.
 */
export function redirectToSignIn(c: Ctx, returnTo: string): Response {
  c.header("Cache-Control", "no-store");
  return c.redirect(`/auth/sign_in?return_to=${encodeURIComponent(returnTo)}`, 302);
}

export function authorizeReturnPath(requestUrl: string): string {
  const url = new URL(requestUrl);
  if (url.searchParams.has("force_login")) url.searchParams.delete("force_login");
  return `${url.pathname}${url.search}`;
}

/** A GET authorize URL rebuilt from a form's carried fields, for a POST whose session has ended. */
export function authorizePathFromForm(params: Params): string {
  const query = new URLSearchParams();
  for (const name of CARRIED_PARAMS) {
    const v = params.string(name);
    if (v !== undefined && v !== "") query.set(name, v);
  }
  return `/oauth/authorize?${query.toString()}`;
}

export async function renderConsent(
  c: Ctx,
  pre: PreAuthorization,
  session: WebSessionContext,
  params: Params,
): Promise<Response> {
  const csrf = await csrfToken(c);
  const redirectHost = pre.redirectUri === OOB_REDIRECT_URI ? undefined : hostOf(pre.redirectUri);
  return c.html(
    <ConsentPage
      instanceTitle={c.get("config").title}
      appName={pre.app.name}
      website={pre.app.website}
      username={session.account.username}
      scopes={pre.scopes}
      redirectHost={redirectHost}
      csrf={csrf}
      fields={carriedValues(pre, params)}
    />,
    200,
    pageHeaders(formActions(pre.redirectUri)),
  );
}

/** Checks the form's CSRF token; `undefined` when it is good, else the 422 page to answer with. */
export async function csrfFailure(c: Ctx, params: Params): Promise<Response | undefined> {
  try {
    await verifyCsrf(c, params);
    return undefined;
  } catch (err) {
    if (err instanceof ApiError) return renderError(c, 422, "invalid_request", err.message);
    throw err;
  }
}

export function respondDenied(c: Ctx, pre: PreAuthorization): Response | Promise<Response> {
  const failure = {
    error: "access_denied",
    description: OAUTH_DESCRIPTIONS.access_denied,
    state: pre.state,
  };
  if (pre.redirectUri === OOB_REDIRECT_URI) return renderError(c, 403, failure.error, failure.description);
  return deliver(c, pre, errorValues(failure));
}

export function respondWithCode(c: Ctx, pre: PreAuthorization, code: string): Response | Promise<Response> {
  if (pre.redirectUri === OOB_REDIRECT_URI) {
    return c.html(<CodePage instanceTitle={c.get("config").title} appName={pre.app.name} code={code} />, 200, pageHeaders([]));
  }
  return deliver(c, pre, responseValues(pre, [["code", code]]));
}

function hostOf(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    return url.host !== "" ? url.host : url.protocol;
  } catch {
    return undefined;
  }
}
