/**
 * Account aliases (Mastodon's Settings → Account → Moving from a different account): the actor ids a
 * local account lists in `alsoKnownAs`. An account moving here from another server names this one as
 * its new home (Move); the servers of its followers follow the move only if this account's actor lists
 * the old one, so the alias must exist before the move. Validations and wording as Mastodon's
 * AccountAlias (`acct` resolved with WebFinger; not the account itself; not twice).
 */
import { eq } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type Account, accounts } from "../db/schema";
import { type Fetcher, remoteContext } from "../federation/fetch";
import { accountUri } from "../federation/outbound/note";
import { resolveActor } from "../federation/remote-actors";
import { RESOLVE_DEADLINE_MS, resolveHandle, withDeadline } from "../federation/resolve-handle";
import { findVisibleAccountByAcct, parseAcct } from "./accounts";

/** A bound on the actor document's size; Mastodon sets none, and nobody moves in from ten servers. */
export const MAX_ALIASES = 10;

export type AliasResult = { ok: true; account: Account } | { ok: false; error: string };

/**
 * The account a handle names: a local one (bare username, or with this server's domain) that is
 * visible, else a remote one through WebFinger (a stored actor while fresh; `fresh`: its actor
 * document fetched again, so an alias added a moment ago on its server is seen). Null when it cannot
 * be found.
 */
export async function findAccountByHandle(
  db: Db,
  config: Config,
  raw: string,
  options: { fetcher?: Fetcher | undefined; fresh?: boolean } = {},
): Promise<Account | null> {
  const parsed = parseAcct(config, raw);
  if (!parsed) return null;
  if (parsed.domain === null) return (await findVisibleAccountByAcct(db, config, raw))?.account ?? null;
  const remote = remoteContext(db, config, options.fetcher);
  const { username, domain } = parsed;
  return withDeadline(
    RESOLVE_DEADLINE_MS,
    (async () => {
      const found = await resolveHandle(remote, username, domain);
      if (!found || !options.fresh || !found.uri) return found;
      const again = await resolveActor(remote, found.uri, { refresh: true });
      return again.ok ? again.account : null;
    })(),
  );
}

/** Adds the actor of handle `acct` (`user@domain`, or a local username) to the account's aliases. */
export async function addAlias(
  db: Db,
  config: Config,
  account: Account,
  acct: string,
  options: { fetcher?: Fetcher; now?: number } = {},
): Promise<AliasResult> {
  if (acct.trim() === "") return { ok: false, error: "Handle of the old account can't be blank" };
  if (account.alsoKnownAs.length >= MAX_ALIASES) {
    return { ok: false, error: `You can have at most ${MAX_ALIASES} aliases; remove one first` };
  }
  const target = await findAccountByHandle(db, config, acct, { fetcher: options.fetcher });
  if (!target) return { ok: false, error: "Handle of the old account could not be found" };
  if (target.id === account.id) return { ok: false, error: "Handle of the old account can't be the current account" };
  const uri = accountUri(config, target);
  if (account.alsoKnownAs.includes(uri)) return { ok: false, error: "Handle of the old account has already been taken" };
  return { ok: true, account: await store(db, account, [...account.alsoKnownAs, uri], options.now) };
}

/** Removes an alias by actor id; removing one that is not there changes nothing. */
export async function removeAlias(db: Db, account: Account, uri: string, now?: number): Promise<Account> {
  if (!account.alsoKnownAs.includes(uri)) return account;
  return store(
    db,
    account,
    account.alsoKnownAs.filter((u) => u !== uri),
    now,
  );
}

async function store(db: Db, account: Account, aliases: string[], now = Date.now()): Promise<Account> {
  const [updated] = await db
    .update(accounts)
    .set({ alsoKnownAs: aliases, updatedAt: now })
    .where(eq(accounts.id, account.id))
    .returning();
  if (!updated) throw new Error(`account ${account.id} vanished while its aliases changed`);
  return updated;
}
