/**
 * The staff pages under /admin (src/services/moderation.ts): reports, open and resolved, each with
 * the statuses it names, resolved or reopened; sign-ups waiting for review, approved or rejected.
 * Moderators, admins and owners only (others get 403); signed in as for /settings, so two-factor
 * applies, and docs/operating.md puts /admin behind Cloudflare Access as a second gate.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { parseId } from "../ids";
import {
  ADMIN_PAGE,
  approveSignUp,
  getReport,
  isStaff,
  listReports,
  pendingAccounts,
  type ReportRow,
  rejectSignUp,
  setReportResolved,
} from "../services/moderation";
import type { Params } from "../util/params";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage, requireSession, settingsForm } from "./pages";
import type { WebSessionContext } from "./session";

export const adminRoutes = new Hono<AppEnv>();

const NOT_STAFF = "This page is for the moderators and administrators of this server";

export async function staffSession(c: Context<AppEnv>): Promise<WebSessionContext | Response> {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  if (!isStaff(session.user.role)) throw new ApiError(403, NOT_STAFF);
  return session;
}

/** A staff form post: CSRF, session and role checked. */
export async function staffForm(c: Context<AppEnv>): Promise<{ params: Params; session: WebSessionContext } | Response> {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  if (!isStaff(form.session.user.role)) throw new ApiError(403, NOT_STAFF);
  return form;
}

export function acct(username: string, domain: string | null): string {
  return domain === null ? `@${username}` : `@${username}@${domain}`;
}

export function when(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A status's words for the moderator: the source text of local posts, the HTML's text otherwise. */
function plainText(text: string, content: string): string {
  if (text.trim() !== "") return text;
  return content
    .replace(/<br\s*\/?>|<\/p>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&#39;", "'")
    .replaceAll("&amp;", "&")
    .trim();
}

export function Nav() {
  return (
    <p>
      <a href="/admin/reports">Open reports</a> · <a href="/admin/reports?resolved=1">Resolved reports</a> ·{" "}
      <a href="/admin/accounts/pending">Sign-ups waiting for review</a> · <a href="/admin/domain_blocks">Blocked servers</a> ·{" "}
      <a href="/settings">Settings</a>
    </p>
  );
}

adminRoutes.get("/admin", async (c) => {
  const session = await staffSession(c);
  if (session instanceof Response) return session;
  return redirect(c, "/admin/reports");
});

adminRoutes.get("/admin/reports", async (c) => {
  const session = await staffSession(c);
  if (session instanceof Response) return session;
  const resolved = c.req.query("resolved") === "1";
  const before = parseId(c.req.query("before"));
  const rows = await listReports(c.get("db"), { resolved, before });
  const last = rows[rows.length - 1];
  const title = resolved ? "Resolved reports" : "Open reports";
  return renderPage(
    c,
    { title },
    <>
      <h1>{title}</h1>
      <Nav />
      {rows.length === 0 ? <p>None.</p> : <ReportTable rows={rows} />}
      {rows.length === ADMIN_PAGE && last ? (
        <p>
          <a href={`/admin/reports?${resolved ? "resolved=1&" : ""}before=${last.id}`}>Older reports</a>
        </p>
      ) : null}
    </>,
  );
});

function ReportTable(props: { rows: ReportRow[] }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Report</th>
          <th>Reported account</th>
          <th>By</th>
          <th>Category</th>
          <th>Statuses</th>
          <th>Comment</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr>
            <td>
              <a href={`/admin/reports/${r.id}`}>#{r.id}</a> {when(r.created_at)}
            </td>
            <td>{acct(r.target, r.target_domain)}</td>
            <td>{acct(r.reporter, r.reporter_domain)}</td>
            <td>{r.category}</td>
            <td>{(JSON.parse(r.status_ids) as number[]).length}</td>
            <td>{r.comment.slice(0, 120)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

adminRoutes.get("/admin/reports/:id{[0-9]+}", async (c) => {
  const session = await staffSession(c);
  if (session instanceof Response) return session;
  const found = await getReport(c.get("db"), Number(c.req.param("id")));
  if (!found) return c.notFound();
  const { report: r, statuses } = found;
  const csrf = await csrfToken(c);
  const rules = r.rule_ids ? (JSON.parse(r.rule_ids) as number[]) : [];
  return renderPage(
    c,
    { title: `Report #${r.id}` },
    <>
      <h1>Report #{r.id}</h1>
      <Nav />
      <Messages notice={noticeFor(c)} />
      <dl>
        <dt>Reported account</dt>
        <dd>
          <a href={`/admin/accounts/${r.target_id}`}>{acct(r.target, r.target_domain)}</a>
        </dd>
        <dt>Reported by</dt>
        <dd>{acct(r.reporter, r.reporter_domain)}</dd>
        <dt>Filed</dt>
        <dd>{when(r.created_at)}</dd>
        <dt>Category</dt>
        <dd>
          {r.category}
          {rules.length > 0 ? ` (rules ${rules.join(", ")})` : ""}
        </dd>
        <dt>Forwarded to the account's server</dt>
        <dd>{r.forwarded ? "yes" : "no"}</dd>
        <dt>State</dt>
        <dd>{r.action_taken_at === null ? "Open" : `Resolved ${when(r.action_taken_at)}`}</dd>
        <dt>Comment</dt>
        <dd>{r.comment === "" ? "(none)" : r.comment}</dd>
      </dl>
      <h2>Reported statuses</h2>
      {statuses.length === 0 ? (
        <p>None.</p>
      ) : (
        <ul>
          {statuses.map((s) =>
            s.deleted ? (
              <li>#{s.id}: deleted since</li>
            ) : (
              <li>
                #{s.id} ({s.visibility}, {when(s.created_at)}): {plainText(s.text, s.content)}
              </li>
            ),
          )}
        </ul>
      )}
      <form method="post" action={`/admin/reports/${r.id}/${r.action_taken_at === null ? "resolve" : "reopen"}`}>
        <CsrfField token={csrf} />
        <button type="submit">{r.action_taken_at === null ? "Mark as resolved" : "Reopen"}</button>
      </form>
    </>,
  );
});

/** Resolve or reopen: the report's state, then back to the report. */
function setResolved(resolved: boolean) {
  return async (c: Context<AppEnv>) => {
    const session = await staffForm(c);
    if (session instanceof Response) return session;
    const id = Number(c.req.param("id"));
    if (!(await setReportResolved(c.get("db"), id, resolved))) return c.notFound();
    return redirect(c, `/admin/reports/${id}?notice=report_${resolved ? "resolved" : "reopened"}`);
  };
}

adminRoutes.post("/admin/reports/:id{[0-9]+}/resolve", setResolved(true));
adminRoutes.post("/admin/reports/:id{[0-9]+}/reopen", setResolved(false));

adminRoutes.get("/admin/accounts/pending", async (c) => {
  const session = await staffSession(c);
  if (session instanceof Response) return session;
  const rows = await pendingAccounts(c.get("db"));
  const csrf = await csrfToken(c);
  return renderPage(
    c,
    { title: "Sign-ups waiting for review" },
    <>
      <h1>Sign-ups waiting for review</h1>
      <Nav />
      <Messages notice={noticeFor(c)} />
      {rows.length === 0 ? (
        <p>None.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Account</th>
              <th>E-mail</th>
              <th>Signed up</th>
              <th>Reason given</th>
              <th>Decision</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr>
                <td>@{p.username}</td>
                <td>{p.email}</td>
                <td>{when(p.created_at)}</td>
                <td>{p.reason ?? ""}</td>
                <td>
                  <form method="post" action={`/admin/accounts/${p.account_id}/approve`}>
                    <CsrfField token={csrf} />
                    <button type="submit">Approve</button>
                  </form>
                  <form method="post" action={`/admin/accounts/${p.account_id}/reject`}>
                    <CsrfField token={csrf} />
                    <button type="submit" class="secondary">
                      Reject
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>,
  );
});

adminRoutes.post("/admin/accounts/:id{[0-9]+}/approve", async (c) => {
  const session = await staffForm(c);
  if (session instanceof Response) return session;
  if (!(await approveSignUp(c.get("db"), Number(c.req.param("id"))))) return c.notFound();
  return redirect(c, "/admin/accounts/pending?notice=sign_up_approved");
});

adminRoutes.post("/admin/accounts/:id{[0-9]+}/reject", async (c) => {
  const session = await staffForm(c);
  if (session instanceof Response) return session;
  if (!(await rejectSignUp(c.get("db"), Number(c.req.param("id"))))) return c.notFound();
  return redirect(c, "/admin/accounts/pending?notice=sign_up_rejected");
});
