/**
 * Shared pieces of the account pages: rendering inside the Layout with PAGE_HEADERS, the CSRF field,
 * message boxes, and the session helpers the handlers share.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { sha256Hex } from "../crypto/tokens";
import { webSessions } from "../db/schema";
import type { AppEnv } from "../env";
import type { Params } from "../util/params";
import { readParams } from "../util/request";
import { CSRF_FIELD, verifyCsrf } from "./csrf";
import { Layout, PAGE_HEADERS } from "./layout";
import { signInUrl } from "./return-to";
import { currentSession, SESSION_COOKIE, startSession, type WebSessionContext } from "./session";

export async function renderPage(
  c: Context<AppEnv>,
  options: { title: string; status?: number; headers?: Record<string, string> },
  body: Child,
): Promise<Response> {
  const html = await (
    <Layout title={options.title} instanceTitle={c.get("config").title}>
      {body}
    </Layout>
  );
  return c.html(`<!DOCTYPE html>${html}`, (options.status ?? 200) as ContentfulStatusCode, {
    ...PAGE_HEADERS,
    ...(options.headers ?? {}),
  });
}

/** Redirects carry no-store too: a cached redirect after sign-in would outlive the session. */
export function redirect(c: Context<AppEnv>, location: string): Response {
  c.header("Cache-Control", "no-store");
  return c.redirect(location, 302);
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

export function Messages(props: { errors?: string[] | undefined; notice?: string | undefined }) {
  return (
    <>
      {props.errors && props.errors.length > 0 ? (
        <div class="error" role="alert">
          {props.errors.length === 1 ? (
            <p>{props.errors[0]}</p>
          ) : (
            <ul>
              {props.errors.map((e) => (
                <li>{e}</li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      {props.notice ? (
        <p class="notice" role="status">
          {props.notice}
        </p>
      ) : null}
    </>
  );
}

export function SignOutForm(props: { csrf: string }) {
  return (
    <form method="post" action="/auth/sign_out">
      <CsrfField token={props.csrf} />
      <button type="submit" class="secondary">
        Sign out
      </button>
    </form>
  );
}

/** Fixed notices shown after a redirect; the query names one, so no text is reflected from the URL. */
const NOTICES: Record<string, string> = {
  password_changed: "Your password has been changed. Other browsers have been signed out.",
  two_factor_disabled: "Two-factor authentication has been disabled.",
  languages_saved: "Your languages have been saved.",
  alias_added: "Alias created. You can now start the move from the old account.",
  alias_removed: "Alias removed.",
  moved: "Your followers are being moved to the new account.",
  move_cancelled: "The redirect has been cancelled.",
  import_started: "Your import has started. It runs in the background; this page shows its progress.",
  import_cancelled: "The import has been cancelled.",
  report_resolved: "The report has been marked as resolved.",
  report_reopened: "The report has been reopened.",
  sign_up_approved: "The account has been approved. It can sign in now.",
  sign_up_rejected: "The sign-up has been rejected and the account deleted.",
  domain_blocked: "The server has been blocked. Its accounts are being changed in the background.",
  domain_unblocked: "The block has been lifted.",
  account_suspend: "The account has been suspended.",
  account_unsuspend: "The suspension has been lifted.",
  account_silence: "The account has been limited.",
  account_unsilence: "The limit has been lifted.",
};

export function noticeFor(c: Context<AppEnv>): string | undefined {
  const key = c.req.query("notice");
  return key ? NOTICES[key] : undefined;
}

/** The signed-in session, or a redirect to sign-in that comes back to this page. */
export async function requireSession(c: Context<AppEnv>): Promise<WebSessionContext | Response> {
  const session = await currentSession(c);
  if (session) return session;
  const url = new URL(c.req.url);
  // After a POST the form's data is gone; coming back to the settings overview is the useful place.
  const back = c.req.method === "GET" ? `${url.pathname}${url.search}` : "/settings";
  return redirect(c, signInUrl(back));
}

/**
 * A settings form's POST: its params once the CSRF token checked out, and the signed-in session (or
 * the redirect to sign-in, which the handler returns as it is).
 */
export async function settingsForm(c: Context<AppEnv>): Promise<{ params: Params; session: WebSessionContext } | Response> {
  const params = await readParams(c);
  await verifyCsrf(c, params);
  const session = await requireSession(c);
  return session instanceof Response ? session : { params, session };
}

/**
 * Starts a new session for this browser, first deleting the one its cookie points at, so a
 * browser never holds two live sessions and a sign-in always gets a fresh id.
 */
export async function replaceSession(c: Context<AppEnv>, userId: number, pendingOtp: boolean): Promise<void> {
  const raw = getCookie(c, SESSION_COOKIE);
  if (raw) {
    await c
      .get("db")
      .delete(webSessions)
      .where(eq(webSessions.idHash, await sha256Hex(raw)));
  }
  await startSession(c, userId, { pendingOtp });
}
