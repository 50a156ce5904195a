/**
 * Settings → Move to a different account (src/services/account-migration.ts): the form (handle of
 * the new account, current password), then the actor's Update with `movedTo`, the Move to followers'
 * servers and the local followers' move; and "cancel redirect".
 */
import { type Context, Hono } from "hono";
import type { Account } from "../db/schema";
import type { AppEnv } from "../env";
import { sendActorUpdate } from "../federation/outbound/actions";
import { drainEventOutbox } from "../queue/event-outbox";
import { cancelMove, moveAccount, moveCooldownUntil } from "../services/account-migration";
import { findAccountById } from "../services/accounts";
import { passwordCheckLimit } from "../services/passwords";
import { hitRateLimits } from "../util/rate-limit";
import { csrfToken } from "./csrf";
import { CsrfField, Messages, noticeFor, redirect, renderPage, requireSession, settingsForm } from "./pages";

export const migrationSettingsRoutes = new Hono<AppEnv>();

migrationSettingsRoutes.get("/settings/migration", async (c) => {
  const session = await requireSession(c);
  if (session instanceof Response) return session;
  return renderMigration(c, session.account);
});

migrationSettingsRoutes.post("/settings/migration", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { params, session } = form;
  const db = c.get("db");
  await hitRateLimits(db, [passwordCheckLimit(session.user.id)]);
  const acct = params.string("acct") ?? "";
  const result = await moveAccount(db, c.get("config"), session, {
    acct,
    currentPassword: params.string("current_password") ?? "",
  });
  if (!result.ok) return renderMigration(c, session.account, { errors: result.errors, acct, status: 422 });
  // The sends are committed with the move (an outbox row): queued now, or by the cron within a minute.
  try {
    await drainEventOutbox(c.env, 1, [result.outboxId]);
  } catch (err) {
    console.error(`migration: the move of account ${session.account.id} is left to the cron`, err);
  }
  return redirect(c, "/settings/migration?notice=moved");
});

migrationSettingsRoutes.post("/settings/migration/cancel", async (c) => {
  const form = await settingsForm(c);
  if (form instanceof Response) return form;
  const { session } = form;
  const updated = await cancelMove(c.get("db"), session.account);
  if (updated !== session.account) await sendActorUpdate(c.env, updated);
  return redirect(c, "/settings/migration?notice=move_cancelled");
});

async function renderMigration(
  c: Context<AppEnv>,
  account: Account,
  form: { errors?: string[]; acct?: string; status?: 200 | 422 } = {},
) {
  const db = c.get("db");
  const config = c.get("config");
  const csrf = await csrfToken(c);
  const [movedTo, cooldown] = await Promise.all([
    account.movedToAccountId === null ? undefined : findAccountById(db, account.movedToAccountId),
    moveCooldownUntil(db, account.id),
  ]);
  return renderPage(
    c,
    { title: "Move to a different account", status: form.status ?? 200 },
    <>
      <h1>Move to a different account</h1>
      <Messages errors={form.errors} notice={noticeFor(c)} />
      {movedTo ? (
        <form method="post" action="/settings/migration/cancel">
          <CsrfField token={csrf} />
          <p>
            This account has moved to{" "}
            <strong>
              @{movedTo.username}@{movedTo.domain ?? config.localDomain}
            </strong>
            .{" "}
            <button type="submit" class="secondary">
              Cancel redirect
            </button>
          </p>
        </form>
      ) : null}
      <p>
        Moving tells everyone who follows @{account.username}@{config.localDomain} to follow the new account instead, and shows
        this account as moved. First, on the new account's server, add this account as an alias (in Mastodon: Settings → Account →
        Moving from a different account). Posts, bookmarks and other data do not move; export them from{" "}
        <a href="/settings/export">Data export</a>. After a move you cannot move again for 30 days.
      </p>
      {cooldown === undefined ? (
        <form method="post" action="/settings/migration">
          <CsrfField token={csrf} />
          <label for="acct">Handle of the new account</label>
          <input type="text" id="acct" name="acct" value={form.acct ?? ""} placeholder="username@domain" required />
          <label for="current_password">Current password</label>
          <input type="password" id="current_password" name="current_password" autocomplete="current-password" required />
          <button type="submit">Move followers</button>
        </form>
      ) : (
        <p>You can move again after {new Date(cooldown).toISOString().slice(0, 10)}.</p>
      )}
      <p>
        <a href="/settings">Back to settings</a>
      </p>
    </>,
  );
}
