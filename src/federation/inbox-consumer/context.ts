/**
 * What every INBOX handler shares: the per-message context, the two error kinds that decide between
 * ack and retry, and lookups of accounts and statuses by their ActivityPub ids (local ones by our
 * own URL shapes, remote ones by the stored `uri`). Nothing here fetches except `fetchObject` and
 * `resolveAccount`, which go through the one remote-fetch module.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type Account, accounts, type Status, statuses } from "../../db/schema";
import type { Bindings } from "../../env";
import type { InboxMessage } from "../../queue/messages";
import { type Fetcher, type FetchResult, fetchJson, type RemoteContext } from "../fetch";
import { resolveActor } from "../remote-actors";

/** The activity can never be applied (invalid, spoofed, someone else's object): acked, logged, recorded. */
export class PermanentError extends Error {
  override name = "PermanentError";
}

/** The activity may apply later (a peer timed out or answered 5xx, D1 hiccup): retried with backoff. */
export class TransientError extends Error {
  override name = "TransientError";
}

/** Test seams: the network, and the queues the consumer sends to. */
export interface InboxDeps {
  fetcher?: Fetcher;
  fanout?: Queue;
  inbox?: Queue;
  delivery?: Queue;
}

export interface InboxContext {
  env: Bindings;
  db: Db;
  config: Config;
  remote: RemoteContext;
  fanout: Queue;
  inbox: Queue;
  delivery: Queue | undefined;
  message: InboxMessage;
  /** The queue's delivery count for this message (1 on the first try). */
  attempt: number;
}

/** Parents are fetched this many levels up a thread at most (Mastodon's thread resolution is bounded too). */
export const MAX_THREAD_DEPTH = 5;
/** From this attempt on, a parent that still cannot be fetched no longer holds back the reply itself. */
export const PARENT_RETRY_ATTEMPTS = 4;

export function originOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function sameOrigin(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = originOf(a);
  return x !== null && x === originOf(b);
}

export function isLocalUri(ctx: Pick<InboxContext, "config">, uri: string): boolean {
  return sameOrigin(uri, ctx.config.baseUrl);
}

/** `…/users/alice` (actor) or `…/@alice` (profile page) on our origin → `alice`. */
export function localUsernameOf(ctx: Pick<InboxContext, "config">, uri: string): string | null {
  if (!isLocalUri(ctx, uri)) return null;
  const path = new URL(uri).pathname;
  const m = /^\/(?:users\/|@)([A-Za-z0-9_.-]+)\/?$/.exec(path);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export async function findLocalAccount(ctx: Pick<InboxContext, "config" | "db">, uri: string): Promise<Account | undefined> {
  const username = localUsernameOf(ctx, uri);
  if (!username) return undefined;
  const rows = await ctx.db
    .select()
    .from(accounts)
    .where(and(eq(accounts.acctKey, username.toLowerCase()), isNull(accounts.domain)))
    .limit(1);
  return rows[0];
}

/** A known account (local or already stored remote) by its ActivityPub id; never fetches. */
export async function findAccountByUri(ctx: Pick<InboxContext, "config" | "db">, uri: string): Promise<Account | undefined> {
  if (isLocalUri(ctx, uri)) return findLocalAccount(ctx, uri);
  const rows = await ctx.db.select().from(accounts).where(eq(accounts.uri, uri)).limit(1);
  return rows[0];
}

/** A stored status by ActivityPub id: ours by `/users/:name/statuses/:id[/activity]`, remote ones by `uri`. */
export async function findStatusByUri(ctx: Pick<InboxContext, "config" | "db">, uri: string): Promise<Status | undefined> {
  if (!isLocalUri(ctx, uri)) {
    const rows = await ctx.db.select().from(statuses).where(eq(statuses.uri, uri)).limit(1);
    return rows[0];
  }
  const m = /^\/users\/([A-Za-z0-9_.-]+)\/statuses\/(\d{1,16})(\/activity)?\/?$/.exec(new URL(uri).pathname);
  if (!m?.[1] || !m[2]) return undefined;
  const rows = await ctx.db
    .select({ status: statuses, acctKey: accounts.acctKey, domain: accounts.domain })
    .from(statuses)
    .innerJoin(accounts, eq(accounts.id, statuses.accountId))
    .where(eq(statuses.id, Number(m[2])))
    .limit(1);
  const row = rows[0];
  if (!row || row.domain !== null || row.acctKey !== m[1].toLowerCase()) return undefined;
  // `/activity` names the boost, the bare path the original.
  if ((row.status.reblogOfId !== null) !== (m[3] !== undefined)) return undefined;
  return row.status;
}

/** Whether a failed fetch may succeed later: timeouts, network errors, 5xx and 429. */
export function isTransientFailure(res: FetchResult & { ok: false }): boolean {
  if (res.status === null) return res.reason === "timed out" || res.reason.startsWith("network error");
  return res.status >= 500 || res.status === 429 || res.status === 408;
}

/** GETs a remote document through the fetch module; failures become Transient or Permanent errors. */
export async function fetchObject(ctx: InboxContext, uri: string): Promise<{ json: unknown; url: string }> {
  if (isLocalUri(ctx, uri)) throw new PermanentError(`${uri} is local but unknown`);
  const res = await fetchJson(ctx.remote, uri);
  if (res.ok) return { json: res.json, url: res.url };
  const reason = `fetching ${uri}: ${res.reason}`;
  throw isTransientFailure(res) ? new TransientError(reason) : new PermanentError(reason);
}

/** The account of a remote actor, fetched when unknown or stale. */
export async function resolveAccount(ctx: InboxContext, uri: string): Promise<Account> {
  if (isLocalUri(ctx, uri)) {
    const local = await findLocalAccount(ctx, uri);
    if (!local) throw new PermanentError(`no local account ${uri}`);
    return local;
  }
  const result = await resolveActor(ctx.remote, uri);
  if (result.ok) return result.account;
  // resolveActor reports the fetch module's reason in its text.
  if (!result.gone && /timed out|network error|HTTP (5\d\d|429|408)/.test(result.reason)) throw new TransientError(result.reason);
  throw new PermanentError(result.reason);
}

/** The activity's actor: the inbox stored it while verifying the signature; fetched again only if gone from D1. */
export async function actorAccount(ctx: InboxContext): Promise<Account> {
  const stored = await findAccountByUri(ctx, ctx.message.actorUri);
  if (stored && stored.domain !== null) return stored;
  if (isLocalUri(ctx, ctx.message.actorUri)) throw new PermanentError("activity claims a local actor");
  if (ctx.message.actorGone) throw new PermanentError(`actor ${ctx.message.actorUri} is gone and unknown`);
  return resolveAccount(ctx, ctx.message.actorUri);
}
