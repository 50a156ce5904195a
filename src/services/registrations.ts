/**
 * Who may sign up, and in what state the new account starts. Shared by `POST /api/v1/accounts` and
 * the web sign-up page so both follow REGISTRATIONS_MODE the same way.
 */
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Account, User } from "../db/schema";
import { ApiError, validationFailed } from "../errors";
import { hitRateLimits } from "../util/rate-limit";
import { clientIp } from "../util/request";
import { createLocalAccount, emailErrors, type FieldError, passwordErrors, REASON_MAX, usernameErrors } from "./accounts";
import { notifyStaffOfSignUp } from "./staff-notifications";

export interface RegistrationInput {
  username: string;
  email: string;
  password: string;
  agreement: boolean;
  locale: string;
  reason?: string | null;
}

export async function register(
  db: Db,
  config: Config,
  req: Request,
  input: RegistrationInput,
): Promise<{ account: Account; user: User }> {
  if (config.registrationsMode === "closed") throw new ApiError(403, "Registrations are closed on this server");
  await hitRateLimits(db, [{ key: `sign-up:ip:${clientIp(req)}`, max: 5, windowSeconds: 30 * 60 }]);
  // Every problem in one answer, as Mastodon reports them; createLocalAccount re-checks and adds uniqueness.
  const errors: FieldError[] = [
    ...usernameErrors(input.username.trim()),
    ...emailErrors(input.email.trim().toLowerCase()),
    ...passwordErrors(input.password),
  ];
  if (!input.agreement) errors.push({ field: "agreement", message: "must be accepted", code: "ERR_ACCEPTED" });
  if (!/^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/.test(input.locale)) {
    errors.push({ field: "locale", message: "is not included in the list", code: "ERR_INCLUSION" });
  }
  const reason = input.reason?.trim() || null;
  if (reason && reason.length > REASON_MAX) {
    errors.push({ field: "reason", message: `is too long (maximum is ${REASON_MAX} characters)`, code: "ERR_TOO_LONG" });
  }
  if (errors.length > 0) throw validationFailed(errors);
  const created = await createLocalAccount(db, {
    username: input.username,
    email: input.email,
    password: input.password,
    approved: config.registrationsMode === "open",
    // No mail is sent yet: addresses are taken as given. Named in the closing note.
    confirmed: true,
    reason,
    locale: input.locale,
    agreement: input.agreement,
    signUpIp: clientIp(req),
  });
  // In approval mode staff hear of the account when it is approved, as Mastodon does.
  if (created.user.approved) await notifyStaffOfSignUp(db, created.account.id);
  return created;
}
