/** `petrel accounts ...`: the operations behind the CLI, over either SQL executor (local or remote D1). */
import { CliError } from "./cli-error";
import {
  ACCOUNT_ROLES,
  type AccountRole,
  loadAccountsModule,
  loadErrorsModule,
  loadEventOutboxModule,
  loadIdsModule,
  loadPasswordModule,
} from "./petrel-src";
import type { SqlExecutor, SqlStatement } from "./sql";

export { CliError };

export function parseRole(raw: string | undefined): AccountRole {
  const role = (raw ?? "user").trim().toLowerCase();
  if (!(ACCOUNT_ROLES as readonly string[]).includes(role)) {
    throw new CliError(`Unknown role "${raw}": use one of ${ACCOUNT_ROLES.join(", ")}`, 2);
  }
  return role as AccountRole;
}

/**
 * The checks that need no database, run before opening one (which takes seconds): Mastodon's rules and
 * wording for the username, e-mail address and password given. The services check them again.
 */
export async function precheck(input: { username?: string; email?: string; password?: string }): Promise<void> {
  const [{ usernameErrors, emailErrors, passwordErrors }, { validationFailed }] = await Promise.all([
    loadAccountsModule(),
    loadErrorsModule(),
  ]);
  const errors = [
    ...(input.username === undefined ? [] : usernameErrors(input.username.trim())),
    ...(input.email === undefined ? [] : emailErrors(input.email.trim().toLowerCase())),
    ...(input.password === undefined ? [] : passwordErrors(input.password)),
  ];
  if (errors.length > 0) throw validationFailed(errors);
}

interface LocalUserRow {
  account_id: number;
  user_id: number;
  username: string;
  role: string;
}

export async function findLocalUser(db: SqlExecutor, username: string): Promise<LocalUserRow> {
  const rows = await db.all<LocalUserRow>(
    "SELECT a.id AS account_id, u.id AS user_id, a.username AS username, u.role AS role " +
      "FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.acct_key = ? AND a.domain IS NULL LIMIT 1",
    [username.trim().toLowerCase()],
  );
  const row = rows[0];
  if (!row) throw new CliError(`No local account named "${username}" in ${db.description}`);
  return row;
}

/** Sets a new password (generated when none is given) and ends the user's web sessions. */
export async function setPassword(
  db: SqlExecutor,
  username: string,
  password: string | undefined,
): Promise<{ username: string; password: string; generated: boolean; sessionsEnded: number }> {
  const [{ passwordErrors }, { validationFailed }, { hashPassword, generatePassword }] = await Promise.all([
    loadAccountsModule(),
    loadErrorsModule(),
    loadPasswordModule(),
  ]);
  const user = await findLocalUser(db, username);
  const generated = password === undefined;
  const newPassword = password ?? generatePassword();
  const errors = passwordErrors(newPassword);
  if (errors.length > 0) throw validationFailed(errors);
  const passwordHash = await hashPassword(newPassword);
  const sessions = await db.all<{ n: number }>("SELECT count(*) AS n FROM web_sessions WHERE user_id = ?", [user.user_id]);
  await db.batch([
    { sql: "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", params: [passwordHash, Date.now(), user.user_id] },
    { sql: "DELETE FROM web_sessions WHERE user_id = ?", params: [user.user_id] },
  ]);
  return { username: user.username, password: newPassword, generated, sessionsEnded: sessions[0]?.n ?? 0 };
}

export async function setRole(
  db: SqlExecutor,
  username: string,
  role: AccountRole,
): Promise<{ username: string; previous: string; role: AccountRole }> {
  const user = await findLocalUser(db, username);
  await db.batch([{ sql: "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", params: [role, Date.now(), user.user_id] }]);
  return { username: user.username, previous: user.role, role };
}

/** Staff told about one sign-up at most, as the Worker's own bound (src/services/staff-notifications.ts). */
const STAFF_MAX = 100;
const HOUR_MS = 3600_000;

/**
 * The statements that give every moderator, admin and owner (but the account itself) an
 * `admin.sign_up` notification about `accountId`, as Mastodon's BootstrapTimelineService#notify_staff!
 * does when a user becomes active. Its group key follows src/services/notification-group-key.ts: the
 * recipient's newest `admin.sign_up` group of the last 12 hours, else this hour's. The CLI writes D1
 * from outside the Worker, so each notification also gets an `event_outbox` row: the Worker's cron
 * streams and pushes it within a minute (src/queue/event-outbox.ts).
 */
async function staffSignUpStatements(
  db: SqlExecutor,
  accountId: number,
  now: number,
): Promise<{ statements: SqlStatement[]; staff: number }> {
  const [{ newId }, { outboxNotificationCreated }] = await Promise.all([loadIdsModule(), loadEventOutboxModule()]);
  const staff = await db.all<{ id: number }>(
    "SELECT u.account_id AS id FROM users u JOIN accounts a ON a.id = u.account_id " +
      "WHERE u.role IN ('moderator', 'admin', 'owner') AND u.disabled = 0 AND a.suspended_at IS NULL AND u.account_id <> ? " +
      "ORDER BY u.id LIMIT ?",
    [accountId, STAFF_MAX],
  );
  const bucket = Math.floor(now / HOUR_MS);
  const statements = staff.flatMap((s): SqlStatement[] => {
    const id = newId(now);
    return [
      {
        sql:
          "INSERT OR IGNORE INTO notifications (id, account_id, from_account_id, type, created_at, filtered, group_key) " +
          "SELECT ?, ?, ?, 'admin.sign_up', ?, 0, coalesce((SELECT group_key FROM notifications WHERE account_id = ? " +
          "AND group_key > 'admin.sign_up-' AND group_key < 'admin.sign_up-:' AND CAST(substr(group_key, 15) AS INTEGER) > ? " +
          "ORDER BY group_key DESC LIMIT 1), ?)",
        params: [id, s.id, accountId, now, s.id, bucket - 12, `admin.sign_up-${bucket}`],
      },
      outboxNotificationCreated(id, s.id, now),
    ];
  });
  return { statements, staff: staff.length };
}

/**
 * After `accounts create`: the new account is confirmed and approved, so staff hear of it as they
 * would of an open sign-up (tootctl's confirmed accounts run the same BootstrapTimelineService).
 */
export async function notifyStaffOfNewAccount(db: SqlExecutor, accountId: number): Promise<number> {
  const { statements, staff } = await staffSignUpStatements(db, accountId, Date.now());
  await db.batch(statements);
  return staff;
}

/**
 * Approves a sign-up waiting for review (REGISTRATIONS_MODE=approval): the account can sign in and is
 * shown from now on, and every moderator, admin and owner gets an `admin.sign_up` notification, as
 * Mastodon sends when an approved user becomes active.
 */
export async function approveAccount(
  db: SqlExecutor,
  username: string,
): Promise<{ username: string; alreadyApproved: boolean; staffTold: number }> {
  const user = await findLocalUser(db, username);
  const [state] = await db.all<{ approved: number }>("SELECT approved FROM users WHERE id = ?", [user.user_id]);
  if (state?.approved === 1) return { username: user.username, alreadyApproved: true, staffTold: 0 };
  const now = Date.now();
  const { statements, staff } = await staffSignUpStatements(db, user.account_id, now);
  await db.batch([
    { sql: "UPDATE users SET approved = 1, updated_at = ? WHERE id = ?", params: [now, user.user_id] },
    ...statements,
  ]);
  return { username: user.username, alreadyApproved: false, staffTold: staff };
}

export interface AccountListRow {
  id: number;
  username: string;
  email: string;
  role: string;
  approved: number;
  created_at: number;
}

export function listAccounts(db: SqlExecutor): Promise<AccountListRow[]> {
  return db.all<AccountListRow>(
    "SELECT a.id AS id, a.username AS username, u.email AS email, u.role AS role, u.approved AS approved, " +
      "u.created_at AS created_at FROM users u JOIN accounts a ON a.id = u.account_id ORDER BY a.id",
  );
}

/** A plain text table with a header row, columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
