/** The account settings overview and the password change page. Two-factor lives in settings-two-factor.tsx. */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { isStaff } from "../services/moderation";
import { changePassword, passwordCheckLimit } from "../services/passwords";
import { twoFactorState } from "../services/two-factor";
import { hitRateLimits } from "../util/rate-limit";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage, requireSession, SignOutForm, settingsForm } from "./pages";
import { endAllSessions, startSession } from "./session";

export const settingsRoutes = new Hono<AppEnv>();

settingsRoutes.get("/settings", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  const config = c.get("config");
  const state = twoFactorState(session.user);
  return renderPage(
    c,
    { title: "Settings" },
    <>
      <h1>Settings</h1>
      <Messages notice={noticeFor(c)} />
      <p>
        Signed in as{" "}
        <strong>
          @{session.account.username}@{config.localDomain}
        </strong>
      </p>
      <ul>
        <li>
          <a href="/settings/password">Change password</a>
        </li>
        <li>
          <a href="/settings/two_factor">Two-factor authentication</a> ({state === "enabled" ? "enabled" : "not enabled"})
        </li>
        <li>
          <a href="/settings/languages">Languages on public timelines</a>
        </li>
        <li>
          <a href="/settings/aliases">Moving from a different account</a>
        </li>
        <li>
          <a href="/settings/migration">Move to a different account</a>
        </li>
        <li>
          <a href="/settings/export">Data export</a>
        </li>
        <li>
          <a href="/settings/imports">Import</a>
        </li>
        {isStaff(session.user.role) ? (
          <li>
            <a href="/admin">Moderation</a>
          </li>
        ) : null}
      </ul>
      <SignOutForm csrf={await csrfToken(c)} />
    </>,
  );
});

settingsRoutes.get("/settings/password", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  return renderPasswordForm(c);
});

settingsRoutes.post("/settings/password", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  const db = c.get("db");
  await hitRateLimits(db, [passwordCheckLimit(session.user.id)]);
  const errors = await changePassword(db, session.user, {
    currentPassword: params.string("current_password") ?? "",
    password: params.string("password") ?? "",
    passwordConfirmation: params.string("password_confirmation") ?? "",
  });
  if (errors.length > 0) return renderPasswordForm(c, errors, 422);
  // Whoever knew the old password may hold a session; only this browser stays signed in.
  // App tokens are kept, as Mastodon keeps them: a password change is not a revocation of apps.
  await endAllSessions(c, session.user.id);
  await startSession(c, session.user.id, { pendingOtp: false });
  return redirect(c, "/settings?notice=password_changed");
});

async function renderPasswordForm(c: Context<AppEnv>, errors: string[] = [], status = 200) {
  return renderPage(
    c,
    { title: "Change password", status },
    <>
      <h1>Change password</h1>
      <Messages errors={errors} />
      <form method="post" action="/settings/password">
        <CsrfField token={await csrfToken(c)} />
        <label for="current_password">Current password</label>
        <input type="password" id="current_password" name="current_password" autocomplete="current-password" required />
        <label for="password">New password</label>
        <input type="password" id="password" name="password" autocomplete="new-password" required />
        <label for="password_confirmation">Confirm new password</label>
        <input type="password" id="password_confirmation" name="password_confirmation" autocomplete="new-password" required />
        <button type="submit">Change password</button>
      </form>
      <p>Changing your password signs out every other browser. Apps you have authorized keep their access.</p>
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>,
  );
}
