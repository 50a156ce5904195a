/**
 * Remote handles (`user@domain`) to accounts, as Mastodon's ResolveAccountService: a stored account
 * while fresh, else WebFinger at the handle's host and the actor its `self` link names, through the
 * one remote-fetch module. Kept apart from ./resolve-remote.ts (which stores posts) so that status
 * rendering can use it without importing the inbox consumer.
 */
import { and, eq, isNotNull } from "drizzle-orm";
import { type Config, isLocalOnlyDomain } from "../config";
import type { Db } from "../db/client";
import { type Account, accounts } from "../db/schema";
import { type Fetcher, fetchJson, type RemoteContext, remoteContext } from "./fetch";
import { ACTOR_REFRESH_MS, resolveActor } from "./remote-actors";
import { parseWebfinger } from "./vocab/webfinger";

/** One lookup (WebFinger + actor, or one URL with its author) gives up after this long. */
export const RESOLVE_DEADLINE_MS = 8_000;
export const WEBFINGER_TIMEOUT_MS = 5_000;

/** `http` only where development allows plain http (loopback, `*.localhost`, `*.test`). */
function schemeFor(config: Config, domain: string): "http" | "https" {
  return config.development && isLocalOnlyDomain(domain) ? "http" : "https";
}

export async function withDeadline<T>(ms: number, work: Promise<T>): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function isBareHost(host: string): boolean {
  try {
    return new URL(`https://${host}`).host === host;
  } catch {
    return false;
  }
}

async function storedByAcct(db: Db, username: string, domain: string): Promise<Account | undefined> {
  const rows = await db
    .select()
    .from(accounts)
    .where(and(eq(accounts.acctKey, `${username}@${domain}`.toLowerCase()), isNotNull(accounts.domain)))
    .limit(1);
  return rows[0];
}

/** WebFinger at the handle's own host, then the actor its `self` link names. */
export async function resolveHandle(remote: RemoteContext, username: string, domain: string): Promise<Account | null> {
  const host = domain.toLowerCase();
  // Only a bare host[:port]: a handle typed as `user@evil.example/path?` must not steer the request.
  if (!isBareHost(host)) return null;
  const stored = await storedByAcct(remote.db, username, host);
  if (stored && stored.fetchedAt !== null && stored.fetchedAt > Date.now() - ACTOR_REFRESH_MS) return stored;
  const resource = `acct:${username}@${host}`;
  const url = `${schemeFor(remote.config, host)}://${host}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`;
  const res = await fetchJson(remote, url, { kind: "webfinger", timeoutMs: WEBFINGER_TIMEOUT_MS });
  if (!res.ok) return stored ?? null;
  const parsed = parseWebfinger(res.json);
  if (!parsed.ok) return stored ?? null;
  // The host answering for the handle speaks for its users (its subject may name the LOCAL_DOMAIN
  // of a split-domain peer), but not for a different user.
  const subjectUser = parsed.value.subject?.split("@")[0];
  if (subjectUser !== undefined && subjectUser.toLowerCase() !== username.toLowerCase()) return stored ?? null;
  const actor = await resolveActor(remote, parsed.value.self, { refresh: true });
  if (!actor.ok) return stored ?? null;
  if (actor.account.username.toLowerCase() !== username.toLowerCase()) return null;
  return actor.account;
}

/** For status rendering: `(username, domain) → account | null`, each call bounded by the deadline. */
export function mentionResolver(
  db: Db,
  config: Config,
  fetcher?: Fetcher,
  deadlineMs = RESOLVE_DEADLINE_MS,
): (username: string, domain: string) => Promise<Account | null> {
  const remote = remoteContext(db, config, fetcher);
  return async (username, domain) => {
    try {
      return await withDeadline(deadlineMs, resolveHandle(remote, username, domain));
    } catch (err) {
      console.warn(`resolve: @${username}@${domain} failed: ${(err as Error).message}`);
      return null;
    }
  };
}
