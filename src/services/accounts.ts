/**
 * Creating and finding local accounts. The API, the web sign-up page and the operator CLI all create
 * accounts through `createLocalAccount`, so the rules (Mastodon's) live in one place.
 */
import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import type { Config } from "../config";
import { hashPassword } from "../crypto/password";
import type { Db } from "../db/client";
import { type Account, type AccountRole, accounts, oauthApplications, type User, users } from "../db/schema";
import { ApiError, validationFailed } from "../errors";
import { newId } from "../ids";
import { INSTANCE_ACTOR_USERNAME } from "../urls";

export const USERNAME_MAX = 30;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 72;
export const EMAIL_MAX = 320;
export const REASON_MAX = 500;

/** Mastodon's reserved names, plus the paths Petrel serves at the top level. */
const RESERVED_USERNAMES = new Set([
  "admin",
  "support",
  "help",
  "root",
  "webmaster",
  "administrator",
  "mod",
  "moderator",
  "postmaster",
  "abuse",
  "security",
  "api",
  "oauth",
  "auth",
  "settings",
  "about",
  "users",
  "inbox",
  "actor",
  "instance",
  "nodeinfo",
  "health",
  "media",
  "avatars",
  "headers",
  "emoji",
  "tags",
  "explore",
  "public",
  "petrel",
  "system",
  INSTANCE_ACTOR_USERNAME,
]);

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface FieldError {
  field: string;
  message: string;
  code: string;
}

export function usernameErrors(username: string): FieldError[] {
  const errors: FieldError[] = [];
  if (!username) errors.push({ field: "username", message: "can't be blank", code: "ERR_BLANK" });
  else if (!/^[a-z0-9_]+$/i.test(username))
    errors.push({ field: "username", message: "must contain only letters, numbers and underscores", code: "ERR_INVALID" });
  else if (username.length > USERNAME_MAX)
    errors.push({ field: "username", message: `is too long (maximum is ${USERNAME_MAX} characters)`, code: "ERR_TOO_LONG" });
  else if (RESERVED_USERNAMES.has(username.toLowerCase()))
    errors.push({ field: "username", message: "is reserved", code: "ERR_RESERVED" });
  return errors;
}

export function passwordErrors(password: string): FieldError[] {
  if (!password) return [{ field: "password", message: "can't be blank", code: "ERR_BLANK" }];
  if (password.length < PASSWORD_MIN)
    return [{ field: "password", message: `is too short (minimum is ${PASSWORD_MIN} characters)`, code: "ERR_TOO_SHORT" }];
  if (password.length > PASSWORD_MAX)
    return [{ field: "password", message: `is too long (maximum is ${PASSWORD_MAX} characters)`, code: "ERR_TOO_LONG" }];
  return [];
}

export function emailErrors(email: string): FieldError[] {
  if (!email) return [{ field: "email", message: "can't be blank", code: "ERR_BLANK" }];
  if (email.length > EMAIL_MAX || !EMAIL_RE.test(email)) return [{ field: "email", message: "is invalid", code: "ERR_INVALID" }];
  return [];
}

export interface NewLocalAccount {
  username: string;
  email: string;
  password: string;
  role?: AccountRole;
  /** false keeps the account pending until a moderator approves it. */
  approved?: boolean;
  /** Operator-created accounts skip e-mail confirmation. */
  confirmed?: boolean;
  reason?: string | null;
  locale?: string;
  agreement?: boolean;
  signUpIp?: string | null;
  now?: number;
}

/** Validates and creates a local account and its user in one D1 batch. Throws a 422 ApiError. */
export async function createLocalAccount(db: Db, input: NewLocalAccount): Promise<{ account: Account; user: User }> {
  const username = input.username.trim();
  const email = input.email.trim().toLowerCase();
  const errors = [...usernameErrors(username), ...emailErrors(email), ...passwordErrors(input.password)];
  if (input.reason && input.reason.length > REASON_MAX) {
    errors.push({ field: "reason", message: `is too long (maximum is ${REASON_MAX} characters)`, code: "ERR_TOO_LONG" });
  }
  if (errors.length === 0) {
    const [taken] = await db.batch([
      db.select({ id: accounts.id }).from(accounts).where(eq(accounts.acctKey, username.toLowerCase())).limit(1),
    ]);
    if (taken.length > 0) errors.push({ field: "username", message: "has already been taken", code: "ERR_TAKEN" });
    const emailTaken = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (emailTaken.length > 0) errors.push({ field: "email", message: "has already been taken", code: "ERR_TAKEN" });
  }
  if (errors.length > 0) throw validationFailed(errors);

  const now = input.now ?? Date.now();
  const accountId = newId(now);
  const userId = newId(now);
  const passwordHash = await hashPassword(input.password);
  try {
    const [insertedAccounts, insertedUsers] = await db.batch([
      db
        .insert(accounts)
        .values({ id: accountId, username, acctKey: username.toLowerCase(), domain: null, createdAt: now, updatedAt: now })
        .returning(),
      db
        .insert(users)
        .values({
          id: userId,
          accountId,
          email,
          passwordHash,
          role: input.role ?? "user",
          approved: input.approved ?? true,
          confirmedAt: input.confirmed === false ? null : now,
          reason: input.reason ?? null,
          locale: input.locale ?? "en",
          agreedAt: input.agreement ? now : null,
          signUpIp: input.signUpIp ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning(),
    ]);
    const account = insertedAccounts[0];
    const user = insertedUsers[0];
    if (!account || !user) throw new Error("insert returned no row");
    return { account, user };
  } catch (err) {
    // Lost a race with a concurrent sign-up for the same name or address.
    if (String(err).includes("UNIQUE")) {
      throw validationFailed([{ field: "username", message: "has already been taken", code: "ERR_TAKEN" }]);
    }
    throw err;
  }
}

export async function findLocalAccountByUsername(db: Db, username: string): Promise<Account | undefined> {
  const rows = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.acctKey, username.toLowerCase()), isNull(accounts.domain)))
    .limit(1);
  return rows[0];
}

export async function findAccountById(db: Db, id: number): Promise<Account | undefined> {
  const rows = await db.select().from(accounts).where(eq(accounts.id, id)).limit(1);
  return rows[0];
}

/**
 * An account clients may see: not suspended, and not a local sign-up still pending approval or
 * confirmation (see `findVisibleAccounts`). 404 "Record not found" otherwise.
 */
export async function requireVisibleAccount(db: Db, id: number | undefined): Promise<Account> {
  return (await requireVisibleAccountWithRole(db, id)).account;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const rows = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).limit(1);
  return rows[0];
}

/** Finds a user by e-mail or by local username: the sign-in form accepts either. */
export async function findUserByLogin(db: Db, login: string): Promise<{ user: User; account: Account } | undefined> {
  const value = login.trim().toLowerCase();
  const rows = await db
    .select({ user: users, account: accounts })
    .from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(value.includes("@") ? eq(users.email, value) : eq(accounts.acctKey, value))
    .limit(1);
  return rows[0];
}

export async function countLocalUsers(db: Db): Promise<number> {
  const rows = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM users WHERE approved = 1 AND disabled = 0`);
  return rows[0]?.n ?? 0;
}

/** An account as clients may see it, with the role its badge shows (local users only). */
export interface VisibleAccount {
  account: Account;
  role: AccountRole | undefined;
}

/** Upper bound of `GET /api/v1/accounts?id[]=`: Mastodon's DEFAULT_ACCOUNTS_LIMIT. */
export const ACCOUNTS_BATCH_MAX = 40;

const visibleColumns = {
  account: accounts,
  role: users.role,
  approved: users.approved,
  confirmedAt: users.confirmedAt,
  userId: users.id,
};

/**
 * Mastodon hides suspended accounts and, for local ones, users still pending approval or e-mail
 * confirmation (`check_account_approval`, `check_account_confirmation`): a sign-up that a moderator
 * has not let in yet must not be discoverable by id or handle.
 */
function visible(row: {
  account: Account;
  role: AccountRole | null;
  approved: boolean | null;
  confirmedAt: number | null;
  userId: number | null;
}): VisibleAccount | undefined {
  if (row.account.suspendedAt !== null) return undefined;
  if (row.userId !== null && (!row.approved || row.confirmedAt === null)) return undefined;
  return { account: row.account, role: row.role ?? undefined };
}

/** Visible accounts for `ids`, keyed by id; unknown and hidden ids are simply absent. */
export async function findVisibleAccounts(db: Db, ids: readonly number[]): Promise<Map<number, VisibleAccount>> {
  const found = new Map<number, VisibleAccount>();
  if (ids.length === 0) return found;
  const rows = await db
    .select(visibleColumns)
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(inArray(accounts.id, [...new Set(ids)]));
  for (const row of rows) {
    const v = visible(row);
    if (v) found.set(v.account.id, v);
  }
  return found;
}

/** One visible account by id, or 404 "Record not found". */
export async function requireVisibleAccountWithRole(db: Db, id: number | undefined): Promise<VisibleAccount> {
  const found = id === undefined ? undefined : (await findVisibleAccounts(db, [id])).get(id);
  if (!found) throw new ApiError(404, "Record not found");
  return found;
}

/**
 * Splits a handle as clients type it — `user`, `@user`, `user@domain`, `acct:user@domain` — into
 * username and domain; the domain is null when it names this server (LOCAL_DOMAIN or WEB_DOMAIN).
 */
export function parseAcct(config: Config, raw: string): { username: string; domain: string | null } | undefined {
  const text = raw
    .trim()
    .replace(/^acct:/i, "")
    .replace(/^@/, "");
  const parts = text.split("@");
  const username = parts[0] ?? "";
  if (!username || parts.length > 2) return undefined;
  const domain = parts[1]?.toLowerCase() ?? null;
  if (domain === "") return undefined;
  if (domain === null || domain === config.localDomain || domain === config.webDomain) return { username, domain: null };
  return { username, domain };
}

/** `accounts.acct_key` of a parsed handle: the lowercased username, with `@domain` for a remote one. */
export function acctKeyOf(parsed: { username: string; domain: string | null }): string {
  return (parsed.domain === null ? parsed.username : `${parsed.username}@${parsed.domain}`).toLowerCase();
}

/**
 * The account a handle names, from the database only (Mastodon's `skip_webfinger`): local accounts,
 * and remote ones this server already knows. Resolving unknown remote handles is federation's job.
 */
export async function findVisibleAccountByAcct(db: Db, config: Config, acct: string): Promise<VisibleAccount | undefined> {
  const parsed = parseAcct(config, acct);
  if (!parsed) return undefined;
  const key = acctKeyOf(parsed);
  const rows = await db
    .select(visibleColumns)
    .from(accounts)
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(accounts.acctKey, key), parsed.domain === null ? isNull(accounts.domain) : isNotNull(accounts.domain)))
    .limit(1);
  const row = rows[0];
  return row ? visible(row) : undefined;
}

/** The scopes an OAuth application registered, which Mastodon grants to accounts it signs up. */
export async function applicationScopes(db: Db, applicationId: number): Promise<string[]> {
  const rows = await db
    .select({ scopes: oauthApplications.scopes })
    .from(oauthApplications)
    .where(eq(oauthApplications.id, applicationId))
    .limit(1);
  return (rows[0]?.scopes ?? "").split(/\s+/).filter(Boolean);
}
