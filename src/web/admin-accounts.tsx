/**
 * The staff page for one account (src/services/account-actions.ts): who it is, its state and open
 * reports, and the actions Mastodon's moderators use most: limit (silence) and suspend, and their
 * undoing. Reached from a report. The same gates as the other staff pages (admin.tsx).
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { type AccountAction, applyAccountAction, moderatedAccount } from "../services/account-actions";
import { acct, Nav, staffForm, staffSession, when } from "./admin";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage } from "./pages";

export const adminAccountRoutes = new Hono<AppEnv>();

function ActionButton(props: { id: number; action: AccountAction; label: string; csrf: string }) {
  return (
    <form method="post" action={`/admin/accounts/${props.id}/${props.action}`}>
      <CsrfField token={props.csrf} />
      <button type="submit" class={props.action.startsWith("un") ? "secondary" : undefined}>
        {props.label}
      </button>
    </form>
  );
}

adminAccountRoutes.get("/admin/accounts/:id{[0-9]+}", async (c) => {
  const session = await staffSession(c);
  if (session instanceof Response) return session;
  const a = await moderatedAccount(c.get("db"), Number(c.req.param("id")));
  if (!a) return c.notFound();
  const csrf = await csrfToken(c);
  const handle = acct(a.username, a.domain);
  return renderPage(
    c,
    { title: handle },
    <>
      <h1>{handle}</h1>
      <Nav />
      <Messages notice={noticeFor(c)} />
      <dl>
        <dt>Display name</dt>
        <dd>{a.display_name === "" ? "(none)" : a.display_name}</dd>
        <dt>Server</dt>
        <dd>{a.domain ?? "this server"}</dd>
        {a.role !== null ? (
          <>
            <dt>Role</dt>
            <dd>{a.role}</dd>
            <dt>E-mail</dt>
            <dd>{a.email ?? ""}</dd>
          </>
        ) : null}
        <dt>Joined</dt>
        <dd>{when(a.created_at)}</dd>
        <dt>Posts, followers, following</dt>
        <dd>
          {a.statuses_count}, {a.followers_count}, {a.following_count}
        </dd>
        <dt>Open reports about it</dt>
        <dd>{a.open_reports}</dd>
        <dt>State</dt>
        <dd>
          {[
            a.suspended_at === null ? "" : `Suspended ${when(a.suspended_at)}`,
            a.silenced_at === null ? "" : `Limited ${when(a.silenced_at)}`,
          ]
            .filter(Boolean)
            .join("; ") || "Active"}
        </dd>
      </dl>
      {a.silenced_at === null ? (
        <ActionButton id={a.id} action="silence" label="Limit" csrf={csrf} />
      ) : (
        <ActionButton id={a.id} action="unsilence" label="Undo limit" csrf={csrf} />
      )}
      {a.suspended_at === null ? (
        <ActionButton id={a.id} action="suspend" label="Suspend (ends its follows)" csrf={csrf} />
      ) : (
        <ActionButton id={a.id} action="unsuspend" label="Undo suspension" csrf={csrf} />
      )}
    </>,
  );
});

/** An action: checked (CSRF, staff, the target's role), applied, then back to the account. */
function act(action: AccountAction) {
  return async (c: Context<AppEnv>) => {
    const form = await staffForm(c);
    if (form instanceof Response) return form;
    const id = Number(c.req.param("id"));
    const { account, user } = form.session;
    const result = await applyAccountAction(c.env, { accountId: account.id, role: user.role }, id, action);
    if (!result.ok) throw new ApiError(result.status, result.error);
    return redirect(c, `/admin/accounts/${id}?notice=account_${action}`);
  };
}

adminAccountRoutes.post("/admin/accounts/:id{[0-9]+}/suspend", act("suspend"));
adminAccountRoutes.post("/admin/accounts/:id{[0-9]+}/unsuspend", act("unsuspend"));
adminAccountRoutes.post("/admin/accounts/:id{[0-9]+}/silence", act("silence"));
adminAccountRoutes.post("/admin/accounts/:id{[0-9]+}/unsilence", act("unsilence"));
