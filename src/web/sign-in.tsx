/** Sign-in with e-mail or username and password, and sign-out. The second factor is in two-factor.tsx. */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { AUTHENTICATION_MESSAGES, authenticate, recordSignIn } from "../services/passwords";
import { clearRateLimits, hitRateLimits } from "../util/rate-limit";
import { clientIp, readParams } from "../util/request";
import { csrfToken, verifyCsrf } from "./csrf";
import { CsrfField, Messages, redirect, renderPage, replaceSession, SignOutForm } from "./pages";
import { DEFAULT_RETURN_TO, safeReturnTo } from "./return-to";
import { currentSession, endSession } from "./session";

export const signInRoutes = new Hono<AppEnv>();

/** Guessing is the threat: a few tries per account, a few more per address, in 5-minute windows. */
const SIGN_IN_WINDOW_SECONDS = 5 * 60;
const SIGN_IN_MAX_PER_IP = 10;
const SIGN_IN_MAX_PER_LOGIN = 5;
const LOGIN_MAX = 320;

signInRoutes.get("/auth/sign_in", async (c) => {
  const returnTo = safeReturnTo(c.req.query("return_to"));
  if (await currentSession(c)) return redirect(c, returnTo);
  return renderSignIn(c, { returnTo, login: "" });
});

signInRoutes.post("/auth/sign_in", async (c) => {
  const params = await readParams(c);
  await verifyCsrf(c, params);
  const user = params.object("user");
  const login = (params.string("login") ?? params.string("username") ?? user?.string("email") ?? "").trim().slice(0, LOGIN_MAX);
  const password = params.string("password") ?? user?.string("password") ?? "";
  const returnTo = safeReturnTo(params.string("return_to"));
  const db = c.get("db");
  const loginKey = `sign-in:login:${login.toLowerCase()}`;
  await hitRateLimits(db, [
    { key: `sign-in:ip:${clientIp(c.req.raw)}`, max: SIGN_IN_MAX_PER_IP, windowSeconds: SIGN_IN_WINDOW_SECONDS },
    { key: loginKey, max: SIGN_IN_MAX_PER_LOGIN, windowSeconds: SIGN_IN_WINDOW_SECONDS },
  ]);
  const result = await authenticate(db, login, password);
  if (!result.ok) return renderSignIn(c, { returnTo, login, error: AUTHENTICATION_MESSAGES[result.reason] }, 422);
  // The per-address counter stays: one known password must not buy more guesses at other accounts.
  await clearRateLimits(db, [loginKey]);
  await replaceSession(c, result.user.id, result.user.otpEnabled);
  if (result.user.otpEnabled) return redirect(c, `/auth/two_factor?return_to=${encodeURIComponent(returnTo)}`);
  await recordSignIn(db, result.user.id);
  return redirect(c, returnTo);
});

/** GET must not change state, so it only offers the button. */
signInRoutes.get("/auth/sign_out", async (c) => {
  const session = await currentSession(c, { allowPendingOtp: true });
  if (!session) return redirect(c, "/auth/sign_in");
  return renderPage(
    c,
    { title: "Sign out" },
    <>
      <h1>Sign out</h1>
      <p>
        Signed in as <strong>@{session.account.username}</strong>.
      </p>
      <SignOutForm csrf={await csrfToken(c)} />
    </>,
  );
});

signInRoutes.post("/auth/sign_out", async (c) => {
  await verifyCsrf(c, await readParams(c));
  await endSession(c);
  return redirect(c, "/auth/sign_in");
});

async function renderSignIn(
  c: Context<AppEnv>,
  state: { returnTo: string; login: string; error?: string },
  status = 200,
): Promise<Response> {
  const registrationsOpen = c.get("config").registrationsMode !== "closed";
  return renderPage(
    c,
    { title: "Sign in", status },
    <>
      <h1>Sign in</h1>
      <Messages errors={state.error ? [state.error] : undefined} />
      <form method="post" action="/auth/sign_in">
        <CsrfField token={await csrfToken(c)} />
        {state.returnTo !== DEFAULT_RETURN_TO ? <input type="hidden" name="return_to" value={state.returnTo} /> : null}
        <label for="login">E-mail address or username</label>
        <input
          type="text"
          id="login"
          name="login"
          value={state.login}
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          maxlength={LOGIN_MAX}
          required
          autofocus
        />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
      {registrationsOpen ? (
        <p>
          No account yet? <a href="/auth/sign_up">Sign up</a>
        </p>
      ) : null}
    </>,
  );
}
