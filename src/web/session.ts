/**
 * Browser sessions for the server-rendered pages. The cookie holds a random id; D1 holds its SHA-256.
 * Cookies are HttpOnly, SameSite=Lax (the OAuth flow arrives by top-level navigation from the
 * client's site) and Secure whenever the instance is served over https.
 * Admin and moderator sessions end after an hour without activity; others after 30 days.
 */
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { randomToken, sha256Hex } from "../crypto/tokens";
import { type Account, accounts, type User, users, type WebSession, webSessions } from "../db/schema";
import type { AppEnv } from "../env";
import { clientIp } from "../util/request";

export const SESSION_COOKIE = "petrel_session";
const STAFF_IDLE_MS = 60 * 60 * 1000;
const USER_IDLE_MS = 30 * 24 * 60 * 60 * 1000;
/** Don't write last_active_at on every page view; a minute of slack is plenty. */
const TOUCH_INTERVAL_MS = 60 * 1000;

export interface WebSessionContext {
  session: WebSession;
  user: User;
  account: Account;
}

export function idleLimitMs(user: User): number {
  return user.role === "user" ? USER_IDLE_MS : STAFF_IDLE_MS;
}

export async function startSession(
  c: Context<AppEnv>,
  userId: number,
  options: { pendingOtp: boolean; now?: number },
): Promise<void> {
  const now = options.now ?? Date.now();
  const raw = randomToken(32);
  await c
    .get("db")
    .insert(webSessions)
    .values({
      idHash: await sha256Hex(raw),
      userId,
      pendingOtp: options.pendingOtp,
      ip: clientIp(c.req.raw),
      userAgent: (c.req.header("user-agent") ?? "").slice(0, 255),
      lastActiveAt: now,
      createdAt: now,
    });
  setCookie(c, SESSION_COOKIE, raw, {
    path: "/",
    httpOnly: true,
    secure: c.get("config").scheme === "https",
    sameSite: "Lax",
  });
}

/**
 * The session behind the request's cookie, if it is live. `allowPendingOtp` is for the two-factor
 * step itself; everywhere else a session still owing its second factor counts as signed out.
 */
export async function currentSession(
  c: Context<AppEnv>,
  options: { allowPendingOtp?: boolean; now?: number } = {},
): Promise<WebSessionContext | undefined> {
  const raw = getCookie(c, SESSION_COOKIE);
  if (!raw) return undefined;
  const db = c.get("db");
  const idHash = await sha256Hex(raw);
  const rows = await db
    .select({ session: webSessions, user: users, account: accounts })
    .from(webSessions)
    .innerJoin(users, eq(users.id, webSessions.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(webSessions.idHash, idHash))
    .limit(1);
  const row = rows[0];
  if (!row) return undefined;
  const now = options.now ?? Date.now();
  if (now - row.session.lastActiveAt > idleLimitMs(row.user) || row.user.disabled || row.account.suspendedAt !== null) {
    await db.delete(webSessions).where(eq(webSessions.idHash, idHash));
    return undefined;
  }
  if (row.session.pendingOtp && !options.allowPendingOtp) return undefined;
  if (now - row.session.lastActiveAt > TOUCH_INTERVAL_MS) {
    await db.update(webSessions).set({ lastActiveAt: now }).where(eq(webSessions.idHash, idHash));
  }
  return row;
}

/** Marks the current session as having passed its second factor. */
export async function completeOtp(c: Context<AppEnv>): Promise<void> {
  const raw = getCookie(c, SESSION_COOKIE);
  if (!raw) return;
  await c
    .get("db")
    .update(webSessions)
    .set({ pendingOtp: false, lastActiveAt: Date.now() })
    .where(eq(webSessions.idHash, await sha256Hex(raw)));
}

export async function endSession(c: Context<AppEnv>): Promise<void> {
  const raw = getCookie(c, SESSION_COOKIE);
  if (raw)
    await c
      .get("db")
      .delete(webSessions)
      .where(eq(webSessions.idHash, await sha256Hex(raw)));
  deleteCookie(c, SESSION_COOKIE, { path: "/" });
}

/** Ends every session of a user (password change, two-factor change). */
export async function endAllSessions(c: Context<AppEnv>, userId: number): Promise<void> {
  await c.get("db").delete(webSessions).where(eq(webSessions.userId, userId));
}
