/**
 * The second step of signing in for accounts with two-factor authentication: the session exists but
 * is marked pending until a fresh TOTP code or an unused recovery code is given.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { recordSignIn } from "../services/passwords";
import { verifySecondFactor } from "../services/two-factor";
import { clearRateLimits, hitRateLimits } from "../util/rate-limit";
import { readParams } from "../util/request";
import { csrfToken, verifyCsrf } from "./csrf";
import { CsrfField, Messages, redirect, renderPage, SignOutForm } from "./pages";
import { DEFAULT_RETURN_TO, safeReturnTo, signInUrl } from "./return-to";
import { completeOtp, currentSession, type WebSessionContext } from "./session";

export const twoFactorRoutes = new Hono<AppEnv>();

export const INVALID_CODE = "Invalid two-factor authentication code.";
/** A million codes and a 90-second window: ten tries per ten minutes keeps guessing hopeless. */
const CODE_ATTEMPTS_MAX = 10;
const CODE_ATTEMPTS_WINDOW_SECONDS = 10 * 60;
const CODE_INPUT_MAX = 64;

/** The pending session, or where the browser should go instead. */
async function pendingSession(c: Context<AppEnv>, returnTo: string): Promise<WebSessionContext | Response> {
  const session = await currentSession(c, { allowPendingOtp: true });
  if (!session) return redirect(c, signInUrl(returnTo));
  if (!session.session.pendingOtp) return redirect(c, returnTo);
  return session;
}

twoFactorRoutes.get("/auth/two_factor", async (c) => {
  const returnTo = safeReturnTo(c.req.query("return_to"));
  const session = await pendingSession(c, returnTo);
  if (session instanceof Response) return session;
  return renderCodeForm(c, { returnTo });
});

twoFactorRoutes.post("/auth/two_factor", async (c) => {
  const params = await readParams(c);
  await verifyCsrf(c, params);
  const returnTo = safeReturnTo(params.string("return_to"));
  const session = await pendingSession(c, returnTo);
  if (session instanceof Response) return session;
  const db = c.get("db");
  const limitKey = `two-factor:user:${session.user.id}`;
  await hitRateLimits(db, [{ key: limitKey, max: CODE_ATTEMPTS_MAX, windowSeconds: CODE_ATTEMPTS_WINDOW_SECONDS }]);
  const code = (params.string("code") ?? "").slice(0, CODE_INPUT_MAX);
  if (!(await verifySecondFactor(db, c.get("config"), session.user, code))) {
    return renderCodeForm(c, { returnTo, error: INVALID_CODE }, 422);
  }
  await clearRateLimits(db, [limitKey]);
  await completeOtp(c);
  await recordSignIn(db, session.user.id);
  return redirect(c, returnTo);
});

async function renderCodeForm(c: Context<AppEnv>, state: { returnTo: string; error?: string }, status = 200) {
  const csrf = await csrfToken(c);
  return renderPage(
    c,
    { title: "Two-factor authentication", status },
    <>
      <h1>Two-factor authentication</h1>
      <Messages errors={state.error ? [state.error] : undefined} />
      <p>Enter the six-digit code from your authenticator app, or one of your recovery codes.</p>
      <form method="post" action="/auth/two_factor">
        <CsrfField token={csrf} />
        {state.returnTo !== DEFAULT_RETURN_TO ? <input type="hidden" name="return_to" value={state.returnTo} /> : null}
        <label for="code">Code</label>
        <input
          type="text"
          id="code"
          name="code"
          inputmode="text"
          autocomplete="one-time-code"
          autocapitalize="none"
          spellcheck={false}
          maxlength={CODE_INPUT_MAX}
          required
          autofocus
        />
        <button type="submit">Verify</button>
      </form>
      <p>Changed your mind?</p>
      <SignOutForm csrf={csrf} />
    </>,
  );
}
