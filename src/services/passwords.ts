/**
 * Checking and changing passwords for the browser pages. Sign-in answers one generic failure for an
 * unknown login and a wrong password, and spends the same PBKDF2 work on both, so neither the message
 * nor the timing tells whether an account exists. Account state is revealed only to someone who
 * already proved the password.
 */
import { eq } from "drizzle-orm";
import { DUMMY_PASSWORD_HASH, hashPassword, PBKDF2_ITERATIONS, verifyPassword } from "../crypto/password";
import type { Db } from "../db/client";
import { type Account, type User, users } from "../db/schema";
import type { Limit } from "../util/rate-limit";
import { type FieldError, findUserByLogin, passwordErrors } from "./accounts";

export const SIGN_IN_FAILED = "Invalid e-mail address or password.";
export const PASSWORD_CONFIRMATION_MISMATCH = "Password confirmation doesn't match Password";

/** Nobody types more than this; longer input counts as a wrong password. */
const PASSWORD_INPUT_MAX = 1024;

export type AuthenticationResult =
  | { ok: true; user: User; account: Account }
  | { ok: false; reason: "invalid" | "pending" | "disabled" | "suspended" };

export const AUTHENTICATION_MESSAGES: Record<Exclude<AuthenticationResult, { ok: true }>["reason"], string> = {
  invalid: SIGN_IN_FAILED,
  pending: "Your account is awaiting approval.",
  disabled: "Your account has been disabled.",
  suspended: "Your account has been suspended.",
};

export async function authenticate(db: Db, login: string, password: string): Promise<AuthenticationResult> {
  const trimmed = login.trim();
  if (!trimmed || !password || password.length > PASSWORD_INPUT_MAX) {
    await verifyPassword(password.slice(0, PASSWORD_INPUT_MAX), DUMMY_PASSWORD_HASH);
    return { ok: false, reason: "invalid" };
  }
  const found = await findUserByLogin(db, trimmed);
  if (!found) {
    await verifyPassword(password, DUMMY_PASSWORD_HASH);
    return { ok: false, reason: "invalid" };
  }
  if (!(await checkPassword(db, found.user, password))) return { ok: false, reason: "invalid" };
  if (found.user.disabled) return { ok: false, reason: "disabled" };
  if (found.account.suspendedAt !== null) return { ok: false, reason: "suspended" };
  if (!found.user.approved) return { ok: false, reason: "pending" };
  return { ok: true, user: found.user, account: found.account };
}

/** Verifies a user's password, re-hashing it if it was stored at an older PBKDF2 cost. */
export async function checkPassword(db: Db, user: User, password: string): Promise<boolean> {
  if (!password || password.length > PASSWORD_INPUT_MAX) return false;
  if (!(await verifyPassword(password, user.passwordHash))) return false;
  if (user.passwordHash.split("$")[1] !== String(PBKDF2_ITERATIONS)) {
    await db
      .update(users)
      .set({ passwordHash: await hashPassword(password), updatedAt: Date.now() })
      .where(eq(users.id, user.id));
  }
  return true;
}

/**
 * Settings forms that take the password are another place to guess it, with a stolen session; they
 * share one per-user budget.
 */
export function passwordCheckLimit(userId: number): Limit {
  return { key: `password-check:user:${userId}`, max: 10, windowSeconds: 10 * 60 };
}

export async function recordSignIn(db: Db, userId: number, now: number = Date.now()): Promise<void> {
  await db.update(users).set({ lastSignInAt: now }).where(eq(users.id, userId));
}

export interface PasswordChange {
  currentPassword: string;
  password: string;
  passwordConfirmation: string;
}

/** Changes the password if the current one is right and the new one valid; returns the errors otherwise. */
export async function changePassword(db: Db, user: User, change: PasswordChange): Promise<string[]> {
  if (!(await checkPassword(db, user, change.currentPassword))) return ["Current password is invalid"];
  const errors = newPasswordErrors(change.password, change.passwordConfirmation);
  if (errors.length > 0) return errors;
  await db
    .update(users)
    .set({ passwordHash: await hashPassword(change.password), updatedAt: Date.now() })
    .where(eq(users.id, user.id));
  return [];
}

/** Mastodon's wording for a new password and its confirmation. */
export function newPasswordErrors(password: string, confirmation: string): string[] {
  const errors = passwordErrors(password).map(describe);
  if (password !== confirmation) errors.push(PASSWORD_CONFIRMATION_MISMATCH);
  return errors;
}

export function describe(error: FieldError): string {
  const field = error.field.replace(/[._]/g, " ");
  return `${field.charAt(0).toUpperCase()}${field.slice(1)} ${error.message}`;
}
