/**
 * Two-factor settings: set up (password, then a code from the app), disable, and new recovery codes.
 * Turning 2FA on or off ends the account's other browser sessions, since they were opened under the
 * old rules. No QR code is drawn (that would need an image library); the otpauth link and the typed
 * secret work with every authenticator app.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { checkPassword, passwordCheckLimit } from "../services/passwords";
import {
  beginTwoFactorSetup,
  confirmTwoFactor,
  disableTwoFactor,
  pendingTwoFactorSetup,
  regenerateRecoveryCodes,
  type TwoFactorSetup,
  twoFactorState,
} from "../services/two-factor";
import { hitRateLimits } from "../util/rate-limit";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage, requireSession, settingsForm } from "./pages";
import { endAllSessions, startSession, type WebSessionContext } from "./session";
import { INVALID_CODE } from "./two-factor";

export const twoFactorSettingsRoutes = new Hono<AppEnv>();

const WRONG_PASSWORD = "Current password is invalid";

twoFactorSettingsRoutes.get("/settings/two_factor", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  return renderState(c, session, { notice: noticeFor(c) });
});

twoFactorSettingsRoutes.post("/settings/two_factor/setup", async (c) => {
  const guarded = await passwordGuard(c);
  if (guarded instanceof Response) return guarded;
  const setup = await beginTwoFactorSetup(c.get("db"), c.get("config"), guarded.user, guarded.account);
  if (!setup) return renderState(c, guarded, { errors: ["Two-factor authentication is already enabled."] }, 422);
  return renderSetup(c, setup);
});

twoFactorSettingsRoutes.post("/settings/two_factor/confirm", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  const config = c.get("config");
  const codes = await confirmTwoFactor(c.get("db"), config, session.user, params.string("code") ?? "");
  if (!codes) {
    const setup = await pendingTwoFactorSetup(config, session.user, session.account);
    if (!setup) return redirect(c, "/settings/two_factor");
    return renderSetup(c, setup, [INVALID_CODE], 422);
  }
  await restartSessions(c, session);
  return renderRecoveryCodes(c, codes, "Two-factor authentication is now enabled.");
});

twoFactorSettingsRoutes.post("/settings/two_factor/disable", async (c) => {
  const guarded = await passwordGuard(c);
  if (guarded instanceof Response) return guarded;
  await disableTwoFactor(c.get("db"), guarded.user.id);
  await restartSessions(c, guarded);
  return redirect(c, "/settings/two_factor?notice=two_factor_disabled");
});

twoFactorSettingsRoutes.post("/settings/two_factor/recovery_codes", async (c) => {
  const guarded = await passwordGuard(c);
  if (guarded instanceof Response) return guarded;
  const codes = await regenerateRecoveryCodes(c.get("db"), guarded.user);
  if (!codes) return renderState(c, guarded, { errors: ["Two-factor authentication is not enabled."] }, 422);
  return renderRecoveryCodes(c, codes, "New recovery codes were generated; the old ones no longer work.");
});

/**
 * CSRF, a signed-in session and the current password, in that order; on a wrong password the state
 * page with the error (422). Returns the session when all hold.
 */
async function passwordGuard(c: Context<AppEnv>): Promise<WebSessionContext | Response> {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  const db = c.get("db");
  await hitRateLimits(db, [passwordCheckLimit(session.user.id)]);
  if (!(await checkPassword(db, session.user, params.string("current_password") ?? ""))) {
    return renderState(c, session, { errors: [WRONG_PASSWORD] }, 422);
  }
  return session;
}

async function restartSessions(c: Context<AppEnv>, session: WebSessionContext): Promise<void> {
  await endAllSessions(c, session.user.id);
  await startSession(c, session.user.id, { pendingOtp: false });
}

function PasswordField() {
  return (
    <>
      <label for="current_password">Current password</label>
      <input type="password" id="current_password" name="current_password" autocomplete="current-password" required />
    </>
  );
}

async function renderState(
  c: Context<AppEnv>,
  session: WebSessionContext,
  messages: { errors?: string[]; notice?: string | undefined },
  status = 200,
) {
  const csrf = await csrfToken(c);
  const enabled = twoFactorState(session.user) === "enabled";
  return renderPage(
    c,
    { title: "Two-factor authentication", status },
    <>
      <h1>Two-factor authentication</h1>
      <Messages errors={messages.errors} notice={messages.notice} />
      {enabled ? (
        <>
          <p>
            Two-factor authentication is <strong>enabled</strong>. You have {session.user.otpRecoveryHashes.length} unused
            recovery codes.
          </p>
          <h2>Recovery codes</h2>
          <form method="post" action="/settings/two_factor/recovery_codes">
            <CsrfField token={csrf} />
            <PasswordField />
            <button type="submit" class="secondary">
              Generate new recovery codes
            </button>
          </form>
          <h2>Disable</h2>
          <form method="post" action="/settings/two_factor/disable">
            <CsrfField token={csrf} />
            <PasswordField />
            <button type="submit" class="secondary">
              Disable two-factor authentication
            </button>
          </form>
        </>
      ) : (
        <>
          <p>
            Two-factor authentication is <strong>not enabled</strong>. With it, signing in also needs a code from an authenticator
            app on your phone.
          </p>
          <form method="post" action="/settings/two_factor/setup">
            <CsrfField token={csrf} />
            <PasswordField />
            <button type="submit">Set up two-factor authentication</button>
          </form>
        </>
      )}
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>,
  );
}

async function renderSetup(c: Context<AppEnv>, setup: TwoFactorSetup, errors: string[] = [], status = 200) {
  return renderPage(
    c,
    { title: "Set up two-factor authentication", status },
    <>
      <h1>Set up two-factor authentication</h1>
      <Messages errors={errors} />
      <p>
        Add this account to your authenticator app. This page shows no QR code: open the link on the device that has the app, or
        type the secret key into the app by hand.
      </p>
      <p>
        Link: <a href={setup.uri}>{setup.uri}</a>
      </p>
      <p>
        Secret key: <code id="otp-secret">{setup.secretBase32}</code>
      </p>
      <p>Settings if your app asks: time-based, SHA1, 6 digits, 30 seconds.</p>
      <form method="post" action="/settings/two_factor/confirm">
        <CsrfField token={await csrfToken(c)} />
        <label for="code">Code from the app</label>
        <input
          type="text"
          id="code"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          pattern="[0-9 ]*"
          maxlength={8}
          required
          autofocus
        />
        <button type="submit">Enable</button>
      </form>
    </>,
  );
}

function renderRecoveryCodes(c: Context<AppEnv>, codes: string[], notice: string) {
  return renderPage(
    c,
    { title: "Recovery codes" },
    <>
      <h1>Recovery codes</h1>
      <Messages notice={notice} />
      <p>Keep these codes somewhere safe. Each one signs you in once if you lose your phone. They are shown only this once.</p>
      <ul class="recovery-codes">
        {codes.map((code) => (
          <li>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <p>
        <a href="/settings/two_factor">Done</a>
      </p>
    </>,
  );
}
