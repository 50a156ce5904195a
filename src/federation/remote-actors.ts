/**
 * Remote actors and their keys. `resolveActor` fetches an actor (or reuses a fresh copy), checks
 * that the document comes from the actor's own origin, and upserts the account row; `getActorKey`
 * finds the key behind a signature's keyId, from the cache (accounts.public_key_id) or by fetching
 * the key document, whose owner must point back to the key (INTEROP §1.1 keyId resolution).
 */
import { and, eq, isNotNull, ne, sql } from "drizzle-orm";
import { type Account, accounts } from "../db/schema";
import { newId } from "../ids";
import { sanitizeRemoteAttributionDomains } from "../services/attribution-domains";
import { storeRemoteEmojis } from "../services/custom-emojis";
import { isSuspendedUrl, policyForHost } from "../services/domain-policy";
import { type FetchResult, fetchJson, type RemoteContext } from "./fetch";
import { sanitizeHtml, stripControlCharacters } from "./sanitize";
import { type Actor, parseActor, parsePublicKeys } from "./vocab/actor";

/** Actor documents are refetched when older than this (Mastodon refreshes daily). */
export const ACTOR_REFRESH_MS = 24 * 3_600_000;
/** A failed verification refetches the key at most this often per actor, so bad signatures cannot make us hammer a peer. */
export const KEY_REFETCH_MIN_MS = 60_000;

const DISPLAY_NAME_MAX = 2048;
const SUMMARY_MAX = 20_000;
const FIELDS_MAX = 50;
const FIELD_MAX = 2047;

export type ResolveResult = { ok: true; account: Account } | { ok: false; reason: string; gone: boolean };

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

function isLocal(ctx: RemoteContext, url: string): boolean {
  return originOf(url) === originOf(ctx.config.baseUrl);
}

async function findByUri(ctx: RemoteContext, uri: string): Promise<Account | undefined> {
  const rows = await ctx.db.select().from(accounts).where(eq(accounts.uri, uri)).limit(1);
  return rows[0];
}

/** Writes a parsed remote actor to its account row (inserting it the first time). */
export async function upsertRemoteActor(ctx: RemoteContext, actor: Actor, usedKeyId?: string): Promise<Account> {
  const now = Date.now();
  const domain = new URL(actor.id).host.toLowerCase();
  const key = actor.publicKeys.find((k) => k.id === usedKeyId) ?? actor.publicKey;
  const movedTo = actor.movedTo ? await findByUri(ctx, actor.movedTo) : undefined;
  const fields = [];
  for (const f of actor.fields.slice(0, FIELDS_MAX)) {
    fields.push({
      name: stripControlCharacters(f.name).slice(0, FIELD_MAX),
      value: await sanitizeHtml(f.value.slice(0, FIELD_MAX)),
      verified_at: null,
    });
  }
  const profile = {
    displayName: stripControlCharacters(actor.name ?? "").slice(0, DISPLAY_NAME_MAX),
    note: await sanitizeHtml((actor.summary ?? "").slice(0, SUMMARY_MAX)),
    fields,
    locked: actor.manuallyApprovesFollowers,
    bot: actor.bot,
    group: actor.group,
    discoverable: actor.discoverable,
    indexable: actor.indexable,
    memorial: actor.memorial,
    avatar: actor.icon?.url ?? null,
    header: actor.image?.url ?? null,
    url: actor.url ?? actor.id,
    inboxUrl: actor.inbox,
    sharedInboxUrl: actor.sharedInbox,
    outboxUrl: actor.outbox,
    followersUrl: actor.followers,
    // Add/Remove of pinned posts must target this collection (src/federation/inbox-consumer).
    featuredUrl: actor.featured,
    publicKeyPem: key?.publicKeyPem ?? null,
    publicKeyId: key?.id ?? null,
    alsoKnownAs: actor.alsoKnownAs,
    attributionDomains: sanitizeRemoteAttributionDomains(actor.attributionDomains),
    movedToAccountId: movedTo?.id ?? null,
    fetchedAt: now,
    updatedAt: now,
  };
  const username = actor.preferredUsername;
  const acctKey = `${username}@${domain}`.toLowerCase();
  const createdAt = actor.published ? Date.parse(actor.published) : now;
  // A new account on a blocked domain starts as the block left the others (marked with its time).
  const policy = await policyForHost(ctx.db, domain);
  const blocked = policy?.severity === "suspend";
  const marks = {
    suspendedAt: blocked ? policy.createdAt : actor.suspended ? now : null,
    suspensionOrigin: blocked ? null : actor.suspended ? ("remote" as const) : null,
    silencedAt: policy?.severity === "silence" ? policy.createdAt : null,
  };
  // Its own server's suspension (Mastodon's `suspended` on the actor) comes and goes with the
  // document; a suspension by this server's staff or a domain block is never lifted from there.
  const suspension = actor.suspended
    ? {
        suspendedAt: sql`coalesce(${accounts.suspendedAt}, ${now})`,
        suspensionOrigin: sql`CASE WHEN ${accounts.suspendedAt} IS NULL THEN 'remote' ELSE ${accounts.suspensionOrigin} END`,
      }
    : {
        suspendedAt: sql`CASE WHEN ${accounts.suspensionOrigin} = 'remote' THEN NULL ELSE ${accounts.suspendedAt} END`,
        suspensionOrigin: sql`CASE WHEN ${accounts.suspensionOrigin} = 'remote' THEN NULL ELSE ${accounts.suspensionOrigin} END`,
      };
  const insert = () =>
    ctx.db
      .insert(accounts)
      .values({ id: newId(now), username, acctKey, domain, uri: actor.id, createdAt, ...marks, ...profile })
      .onConflictDoUpdate({ target: accounts.uri, set: { ...profile, ...suspension } })
      .returning();
  let rows: Account[];
  try {
    rows = await insert();
  } catch (err) {
    if (!String(err).includes("acct_key")) throw err;
    // Another actor held this handle (the peer recreated the account under a new id): the
    // current document owns the handle now, the old row keeps its id under a retired key.
    await ctx.db
      .update(accounts)
      .set({ acctKey: `${acctKey}#retired-${now}` })
      .where(and(eq(accounts.acctKey, acctKey), ne(accounts.uri, actor.id), isNotNull(accounts.domain)));
    rows = await insert();
  }
  const row = rows[0];
  if (!row) throw new Error(`upsert of ${actor.id} returned no row`);
  // Emoji of the display name and bio, kept as references (src/services/custom-emojis.ts).
  await storeRemoteEmojis(ctx.db, domain, actor.emojis, now);
  return row;
}

/** Parses a fetched document as an actor that may speak for `fetchedUrl`'s origin. */
function actorFrom(
  ctx: RemoteContext,
  res: FetchResult & { ok: true },
): { ok: true; actor: Actor } | { ok: false; reason: string } {
  const parsed = parseActor(res.json);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const actor = parsed.value;
  // A server may only describe its own actors (a redirect to elsewhere must not smuggle one in).
  if (originOf(actor.id) !== originOf(res.url)) return { ok: false, reason: `actor ${actor.id} was served by ${res.url}` };
  if (isLocal(ctx, actor.id)) return { ok: false, reason: "a local actor cannot be resolved remotely" };
  return { ok: true, actor };
}

type FetchedActor = { ok: true; actor: Actor } | { ok: false; reason: string; gone: boolean };

async function fetchActor(ctx: RemoteContext, uri: string): Promise<FetchedActor> {
  const res = await fetchJson(ctx, uri);
  if (!res.ok) return { ok: false, reason: `fetching ${uri}: ${res.reason}`, gone: res.gone };
  const actor = actorFrom(ctx, res);
  return actor.ok ? actor : { ...actor, gone: false };
}

/** The account for a remote actor URI: cached when fresh, else fetched and stored. */
export async function resolveActor(ctx: RemoteContext, uri: string, options: { refresh?: boolean } = {}): Promise<ResolveResult> {
  if (isLocal(ctx, uri)) return { ok: false, reason: "a local actor cannot be resolved remotely", gone: false };
  const existing = await findByUri(ctx, uri);
  if (existing && !options.refresh && existing.fetchedAt !== null && existing.fetchedAt > Date.now() - ACTOR_REFRESH_MS) {
    return { ok: true, account: existing };
  }
  const fetched = await fetchActor(ctx, uri);
  if (!fetched.ok) {
    // A stale copy serves better than none while the peer is down; a 410 means it is gone.
    if (existing && !fetched.gone) return { ok: true, account: existing };
    return fetched;
  }
  return { ok: true, account: await upsertRemoteActor(ctx, fetched.actor) };
}

export interface ActorKey {
  keyId: string;
  publicKeyPem: string;
  /** The actor the key speaks for. */
  owner: string;
  accountId: number;
}

export type KeyResult =
  | { status: "ok"; key: ActorKey; fromCache: boolean }
  /** The key document answered 410: the actor deleted itself (its Delete may still arrive). */
  | { status: "gone" }
  | { status: "error"; reason: string };

function keyFromAccount(account: Pick<Account, "id" | "uri" | "publicKeyPem" | "publicKeyId">): ActorKey | null {
  if (!account.publicKeyPem || !account.publicKeyId || !account.uri) return null;
  return { keyId: account.publicKeyId, publicKeyPem: account.publicKeyPem, owner: account.uri, accountId: account.id };
}

type KeyRow = Pick<Account, "id" | "uri" | "domain" | "publicKeyPem" | "publicKeyId" | "fetchedAt">;

/**
 * The stored account behind a keyId: one statement on the public_key_id index, reading only the key
 * columns (this runs for every inbound activity). Any actor document may claim any key id, so when
 * several rows name it, the actor the key id points into (`actor#main-key`) wins.
 */
async function cachedKeyAccount(ctx: RemoteContext, keyId: string): Promise<KeyRow | undefined> {
  const actorUri = keyId.split("#")[0] ?? keyId;
  const rows = await ctx.db
    .select({
      id: accounts.id,
      uri: accounts.uri,
      domain: accounts.domain,
      publicKeyPem: accounts.publicKeyPem,
      publicKeyId: accounts.publicKeyId,
      fetchedAt: accounts.fetchedAt,
    })
    .from(accounts)
    .where(eq(accounts.publicKeyId, keyId))
    .orderBy(sql`${accounts.uri} = ${actorUri} DESC`)
    .limit(1);
  return rows[0];
}

/**
 * The key a signature names. `refresh` (after a verification failure with the cached key) refetches
 * once, unless the actor was fetched in the last minute.
 */
export async function getActorKey(ctx: RemoteContext, keyId: string, options: { refresh?: boolean } = {}): Promise<KeyResult> {
  if (isLocal(ctx, keyId)) return { status: "error", reason: "signed with a local key" };
  // The owner's origin must be the key's (below), so this refuses the whole blocked server.
  if (await isSuspendedUrl(ctx.db, keyId)) return { status: "error", reason: "the key's server is blocked" };
  const cached = await cachedKeyAccount(ctx, keyId);
  const cachedKey = cached && cached.domain !== null ? keyFromAccount(cached) : null;
  if (cachedKey && !options.refresh) return { status: "ok", key: cachedKey, fromCache: true };
  if (cached && options.refresh && cached.fetchedAt !== null && cached.fetchedAt > Date.now() - KEY_REFETCH_MIN_MS) {
    return { status: "error", reason: "key was refetched less than a minute ago" };
  }

  const res = await fetchJson(ctx, keyId);
  if (!res.ok) return res.gone ? { status: "gone" } : { status: "error", reason: `fetching key ${keyId}: ${res.reason}` };
  const key = parsePublicKeys(res.json).find((k) => k.id === keyId);
  if (!key) return { status: "error", reason: `${res.url} does not publish key ${keyId}` };
  if (originOf(key.owner) !== originOf(keyId) || originOf(res.url) !== originOf(keyId)) {
    return { status: "error", reason: `key ${keyId} claims owner ${key.owner} on another origin` };
  }

  let actor: Actor;
  const embedded = actorFrom(ctx, res);
  if (embedded.ok && embedded.actor.id === key.owner) {
    actor = embedded.actor;
  } else {
    // A separate key document (GoToSocial's stub at /main-key): the owner must list this key.
    const fetched = await fetchActor(ctx, key.owner);
    if (!fetched.ok) return fetched.gone ? { status: "gone" } : { status: "error", reason: fetched.reason };
    actor = fetched.actor;
  }
  if (actor.id !== key.owner || !actor.publicKeys.some((k) => k.id === keyId)) {
    return { status: "error", reason: `actor ${key.owner} does not list key ${keyId}` };
  }
  const account = await upsertRemoteActor(ctx, actor, keyId);
  const stored = keyFromAccount(account);
  if (!stored || stored.keyId !== keyId) return { status: "error", reason: `actor ${key.owner} does not list key ${keyId}` };
  return { status: "ok", key: stored, fromCache: false };
}
