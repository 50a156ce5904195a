/**
 * Resolving what a local user names that this server does not know yet (Mastodon's
 * ResolveAccountService and ResolveURLService): a handle through WebFinger (./resolve-handle.ts), a URL through a signed
 * GET of the document it names (an actor, or a post stored with its ancestors, bounded). Everything
 * goes through the one remote-fetch module; each lookup is bounded by a deadline so an API request
 * never waits on a slow peer for long. A miss is `null`, never an exception.
 */
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Account, Status } from "../db/schema";
import type { Bindings } from "../env";
import { type Fetcher, fetchJson, type RemoteContext, remoteContext } from "./fetch";
import {
  findAccountByUri,
  findStatusByUri,
  type InboxContext,
  isLocalUri,
  PARENT_RETRY_ATTEMPTS,
  resolveAccount,
} from "./inbox-consumer/context";
import { checkAuthorship, objectFromFetched, storeRemoteStatus } from "./inbox-consumer/store-status";
import { upsertRemoteActor } from "./remote-actors";
import { RESOLVE_DEADLINE_MS, resolveHandle, withDeadline } from "./resolve-handle";
import { parseActor } from "./vocab/actor";

export type ResolvedRemote = { kind: "account"; account: Account } | { kind: "status"; status: Status };

export interface RemoteResolver {
  /** The account `username@domain` names (stored, or found through WebFinger), or null. */
  handle(username: string, domain: string): Promise<Account | null>;
  /** The account or post a URL names (stored, or fetched and stored), or null. */
  url(url: string): Promise<ResolvedRemote | null>;
}

export interface ResolverDeps {
  fetcher?: Fetcher;
  deadlineMs?: number;
}

/** An INBOX-handler context for work started by a local request: parents that cannot be had are skipped. */
function requestInboxContext(env: Bindings, db: Db, config: Config, remote: RemoteContext): InboxContext {
  return {
    env,
    db,
    config,
    remote,
    fanout: env.FANOUT,
    inbox: env.INBOX,
    delivery: env.DELIVERY,
    message: { type: "inbox.activity", v: 1, activity: {}, actorUri: config.baseUrl, receivedAt: Date.now() },
    attempt: PARENT_RETRY_ATTEMPTS,
  };
}

/** A remote URL: a stored account or post by its id, else the fetched document (actor or post). */
export async function resolveRemoteUrl(ctx: InboxContext, url: string): Promise<ResolvedRemote | null> {
  if (isLocalUri(ctx, url)) return null;
  const knownStatus = await findStatusByUri(ctx, url);
  if (knownStatus) return { kind: "status", status: knownStatus };
  const knownAccount = await findAccountByUri(ctx, url);
  if (knownAccount) return { kind: "account", account: knownAccount };
  const res = await fetchJson(ctx.remote, url);
  if (!res.ok) return null;
  const actor = parseActor(res.json);
  if (actor.ok) {
    // A profile URL answers with the actor under its canonical id, which must be on the same origin.
    if (new URL(actor.value.id).origin !== new URL(res.url).origin || isLocalUri(ctx, actor.value.id)) return null;
    return { kind: "account", account: await upsertRemoteActor(ctx.remote, actor.value) };
  }
  try {
    const object = objectFromFetched({ json: res.json, url: res.url }, url);
    const existing = await findStatusByUri(ctx, object.id);
    if (existing) return { kind: "status", status: existing };
    const author = await resolveAccount(ctx, checkAuthorship(object, null));
    if (author.domain === null) return null;
    const stored = await storeRemoteStatus(ctx, object, author);
    return stored ? { kind: "status", status: stored } : null;
  } catch (err) {
    console.warn(`resolve: ${url} not stored: ${(err as Error).message}`);
    return null;
  }
}

/** The resolver for one API request; each lookup ends by its deadline (null then). */
export function remoteResolver(env: Bindings, db: Db, config: Config, deps: ResolverDeps = {}): RemoteResolver {
  const remote = remoteContext(db, config, deps.fetcher);
  const deadline = deps.deadlineMs ?? RESOLVE_DEADLINE_MS;
  const guard = async <T>(what: string, work: () => Promise<T | null>): Promise<T | null> => {
    try {
      return await withDeadline(deadline, work());
    } catch (err) {
      console.warn(`resolve: ${what} failed: ${(err as Error).message}`);
      return null;
    }
  };
  return {
    handle: (username, domain) => guard(`${username}@${domain}`, () => resolveHandle(remote, username, domain)),
    url: (url) => guard(url, () => resolveRemoteUrl(requestInboxContext(env, db, config, remote), url)),
  };
}
