/**
 * Settings → Moving from a different account (src/services/account-aliases.ts): the aliases an
 * account moving here needs before its old server sends the Move. Each change sends the actor's
 * Update to followers' servers, as a profile change does.
 */
import { type Context, Hono } from "hono";
import type { Account } from "../db/schema";
import type { AppEnv } from "../env";
import { sendActorUpdate } from "../federation/outbound/actions";
import { addAlias, removeAlias } from "../services/account-aliases";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage, requireSession, settingsForm } from "./pages";

export const aliasSettingsRoutes = new Hono<AppEnv>();

aliasSettingsRoutes.get("/settings/aliases", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  return renderAliases(c, session.account);
});

aliasSettingsRoutes.post("/settings/aliases", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  const acct = params.string("acct") ?? "";
  const result = await addAlias(c.get("db"), c.get("config"), session.account, acct);
  if (!result.ok) return renderAliases(c, session.account, { error: result.error, acct, status: 422 });
  await announce(c, result.account);
  return redirect(c, "/settings/aliases?notice=alias_added");
});

aliasSettingsRoutes.post("/settings/aliases/remove", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  const updated = await removeAlias(c.get("db"), session.account, params.string("uri") ?? "");
  if (updated !== session.account) await announce(c, updated);
  return redirect(c, "/settings/aliases?notice=alias_removed");
});

/**
 * The actor's Update to followers. Best effort: a server verifying a Move fetches the actor afresh
 * (Mastodon and Petrel both do), so a lost Update only delays what its followers' servers show.
 */
async function announce(c: Context<AppEnv>, account: Account): Promise<void> {
  try {
    await sendActorUpdate(c.env, account);
  } catch (err) {
    console.error(`aliases: Update of account ${account.id} not sent`, err);
  }
}

async function renderAliases(
  c: Context<AppEnv>,
  account: Account,
  form: { error?: string; acct?: string; status?: 200 | 422 } = {},
) {
  const csrf = await csrfToken(c);
  const config = c.get("config");
  return renderPage(
    c,
    { title: "Moving from a different account", status: form.status ?? 200 },
    <>
      <h1>Moving from a different account</h1>
      <Messages errors={form.error ? [form.error] : undefined} notice={noticeFor(c)} />
      <p>
        To move from another account to this one (@{account.username}@{config.localDomain}), add the old account here first, then
        start the move on the old account's server. Its followers' servers then follow this account instead. Aliases do nothing
        harmful on their own and can be removed at any time.
      </p>
      <form method="post" action="/settings/aliases">
        <CsrfField token={csrf} />
        <label for="acct">Handle of the old account</label>
        <input type="text" id="acct" name="acct" value={form.acct ?? ""} placeholder="username@domain" required />
        <button type="submit">Create alias</button>
      </form>
      {account.alsoKnownAs.length > 0 ? (
        <ul>
          {account.alsoKnownAs.map((uri) => (
            <li>
              <form method="post" action="/settings/aliases/remove">
                <CsrfField token={csrf} />
                <input type="hidden" name="uri" value={uri} />
                {uri}{" "}
                <button type="submit" class="secondary">
                  Remove
                </button>
              </form>
            </li>
          ))}
        </ul>
      ) : (
        <p>No aliases.</p>
      )}
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>,
  );
}
