/**
 * Web sign-up. The rules are the API's (register() in services/registrations.ts); this page adds
 * only what a browser form needs: the password confirmation and the re-rendered form on errors.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env";
import { ApiError, humanize } from "../errors";
import { emailErrors, PASSWORD_MAX, USERNAME_MAX, usernameErrors } from "../services/accounts";
import { describe, newPasswordErrors, recordSignIn } from "../services/passwords";
import { register } from "../services/registrations";
import { readParams } from "../util/request";
import { csrfToken, verifyCsrf } from "./csrf";
import { CsrfField, Messages, redirect, renderPage, replaceSession } from "./pages";
import { currentSession } from "./session";

export const signUpRoutes = new Hono<AppEnv>();

interface SignUpForm {
  username: string;
  email: string;
  reason: string;
  agreement: boolean;
}

const EMPTY_FORM: SignUpForm = { username: "", email: "", reason: "", agreement: false };
const INPUT_MAX = 1000;

signUpRoutes.get("/auth/sign_up", async (c) => {
  if (c.get("config").registrationsMode === "closed") return renderClosed(c);
  if (await currentSession(c)) return redirect(c, "/settings");
  return renderForm(c, EMPTY_FORM);
});

signUpRoutes.post("/auth/sign_up", async (c) => {
  const params = await readParams(c);
  await verifyCsrf(c, params);
  const config = c.get("config");
  if (config.registrationsMode === "closed") return renderClosed(c);
  const form: SignUpForm = {
    username: (params.string("username") ?? "").trim().slice(0, INPUT_MAX),
    email: (params.string("email") ?? "").trim().slice(0, INPUT_MAX),
    reason: (params.string("reason") ?? "").slice(0, INPUT_MAX),
    agreement: params.bool("agreement") ?? false,
  };
  const password = params.string("password") ?? "";
  const confirmation = params.string("password_confirmation") ?? "";
  if (password !== confirmation) {
    // register() would create the account; report what can be known without it.
    const errors = [...usernameErrors(form.username), ...emailErrors(form.email)].map(describe);
    return renderForm(c, form, [...errors, ...newPasswordErrors(password, confirmation)], 422);
  }
  let created: Awaited<ReturnType<typeof register>>;
  try {
    created = await register(c.get("db"), config, c.req.raw, {
      username: form.username,
      email: form.email,
      password,
      agreement: form.agreement,
      locale: preferredLocale(c.req.header("accept-language")),
      reason: config.registrationsMode === "approval" ? form.reason : null,
    });
  } catch (err) {
    if (err instanceof ApiError && err.status === 422) return renderForm(c, form, validationMessages(err), 422);
    throw err;
  }
  if (!created.user.approved) return renderPending(c);
  await replaceSession(c, created.user.id, false);
  await recordSignIn(c.get("db"), created.user.id);
  return redirect(c, "/settings");
});

/** The first language the browser asks for, if register() would accept it; English otherwise. */
function preferredLocale(header: string | undefined): string {
  const first = (header ?? "").split(",")[0]?.split(";")[0]?.trim() ?? "";
  return /^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/.test(first) ? first : "en";
}

/** The per-field sentences of a validationFailed() error, in the order they were found. */
function validationMessages(err: ApiError): string[] {
  const messages: string[] = [];
  for (const [field, list] of Object.entries(err.details ?? {})) {
    if (!Array.isArray(list)) continue;
    for (const item of list as unknown[]) {
      if (typeof item === "object" && item !== null && "description" in item && typeof item.description === "string") {
        messages.push(`${humanize(field)} ${item.description}`);
      }
    }
  }
  return messages.length > 0 ? messages : [err.message];
}

async function renderForm(c: Context<AppEnv>, form: SignUpForm, errors: string[] = [], status = 200) {
  const config = c.get("config");
  return renderPage(
    c,
    { title: "Sign up", status },
    <>
      <h1>Create an account</h1>
      {config.registrationsMode === "approval" ? (
        <p class="notice">New accounts on this server are reviewed by a moderator before they can be used.</p>
      ) : null}
      <Messages errors={errors} />
      <form method="post" action="/auth/sign_up">
        <CsrfField token={await csrfToken(c)} />
        <label for="username">Username</label>
        <input
          type="text"
          id="username"
          name="username"
          value={form.username}
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          maxlength={USERNAME_MAX}
          pattern="[A-Za-z0-9_]+"
          required
        />
        <p>
          Your address will be{" "}
          <code>
            @{form.username || "username"}@{config.localDomain}
          </code>
          . Letters, numbers and underscores only.
        </p>
        <label for="email">E-mail address</label>
        <input type="email" id="email" name="email" value={form.email} autocomplete="email" required />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="new-password" maxlength={PASSWORD_MAX} required />
        <label for="password_confirmation">Confirm password</label>
        <input
          type="password"
          id="password_confirmation"
          name="password_confirmation"
          autocomplete="new-password"
          maxlength={PASSWORD_MAX}
          required
        />
        {config.registrationsMode === "approval" ? (
          <>
            <label for="reason">Why do you want to join?</label>
            <input type="text" id="reason" name="reason" value={form.reason} maxlength={500} />
          </>
        ) : null}
        {config.rules.length > 0 ? (
          <>
            <h2>Server rules</h2>
            <ol>
              {config.rules.map((rule) => (
                <li>{rule}</li>
              ))}
            </ol>
          </>
        ) : null}
        <label>
          <input type="checkbox" name="agreement" value="1" checked={form.agreement} required />{" "}
          {config.rules.length > 0 ? "I agree to the server rules." : "I agree to use this server responsibly."}
        </label>
        <button type="submit">Sign up</button>
      </form>
      <p>
        Already have an account? <a href="/auth/sign_in">Sign in</a>
      </p>
    </>,
  );
}

function renderClosed(c: Context<AppEnv>) {
  return renderPage(
    c,
    { title: "Registrations closed", status: 403 },
    <>
      <h1>Registrations are closed</h1>
      <p>This server is not accepting new accounts at the moment.</p>
      <p>
        <a href="/auth/sign_in">Sign in</a>
      </p>
    </>,
  );
}

function renderPending(c: Context<AppEnv>) {
  return renderPage(
    c,
    { title: "Application received" },
    <>
      <h1>Your application is pending review</h1>
      <p>A moderator will look at your application. You can sign in once it has been approved.</p>
    </>,
  );
}
