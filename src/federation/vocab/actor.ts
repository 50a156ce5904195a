/**
 * Actors (Person, Service, Application, Group, Organization) and their public keys, read the way
 * Mastodon reads them (INTEROP §1.7). `parseActor` is what remote actor resolution stores;
 * `parsePublicKeys` also reads the separate key documents GoToSocial and Fedify serve at a keyId.
 */
import {
  asArray,
  bool,
  date,
  httpUrl,
  idOf,
  ids,
  isObject,
  type JsonObject,
  knownType,
  ok,
  type Parsed,
  reject,
  str,
  term,
  text,
  typesOf,
  urlOf,
} from "./json";
import { type Emoji, type ImageRef, type PropertyValue, parseImage, parsePropertyValues, parseTags } from "./tags";

export const ACTOR_TYPES = ["Person", "Service", "Application", "Group", "Organization"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface PublicKey {
  id: string;
  /** The actor the key belongs to; defaults to the document that embeds it. */
  owner: string;
  publicKeyPem: string;
}

export interface Actor {
  id: string;
  type: ActorType;
  preferredUsername: string;
  name: string | null;
  /** HTML as sent; sanitize before storing. */
  summary: string | null;
  url: string | null;
  inbox: string;
  outbox: string | null;
  followers: string | null;
  following: string | null;
  featured: string | null;
  featuredTags: string | null;
  sharedInbox: string | null;
  /** The first key, which is the one Mastodon uses (fedify#121: publish only one). */
  publicKey: PublicKey | null;
  /** Every embedded key, so a keyId naming a later one still resolves. */
  publicKeys: PublicKey[];
  icon: ImageRef | null;
  image: ImageRef | null;
  fields: PropertyValue[];
  emojis: Emoji[];
  manuallyApprovesFollowers: boolean;
  /** null when the actor does not say (Mastodon shows it as unknown). */
  discoverable: boolean | null;
  indexable: boolean;
  memorial: boolean;
  suspended: boolean;
  /** Application and Service actors are bots (spec/activitypub.md). */
  bot: boolean;
  group: boolean;
  published: string | null;
  alsoKnownAs: string[];
  /** Mastodon 4.4 `toot:attributionDomains`: bare domain names, unchecked here. */
  attributionDomains: string[];
  movedTo: string | null;
  /** FEP-2c59 `webfinger` (`acct:` less), when the actor names its own handle. */
  webfinger: string | null;
}

/** Mastodon's limits (FEDERATION.md, INTEROP §1.7): longer values are truncated, not rejected. */
const USERNAME_MAX = 2048;

function looksLikePem(value: string): boolean {
  return /-----BEGIN [A-Z ]*PUBLIC KEY-----/.test(value);
}

/** Keys embedded in `doc.publicKey`, or `doc` itself when it is a key document (`{id, owner, publicKeyPem}`). */
export function parsePublicKeys(doc: unknown): PublicKey[] {
  if (!isObject(doc)) return [];
  const docId = idOf(doc);
  const candidates: Array<{ key: JsonObject; defaultOwner: string | null }> = [];
  if (typeof term(doc, "publicKeyPem", "sec") === "string") candidates.push({ key: doc, defaultOwner: null });
  for (const item of asArray(term(doc, "publicKey", "sec"))) {
    if (isObject(item)) candidates.push({ key: item, defaultOwner: docId });
  }
  const out: PublicKey[] = [];
  for (const { key, defaultOwner } of candidates) {
    const id = httpUrl(key.id);
    const owner = idOf(term(key, "owner", "sec")) ?? idOf(term(key, "controller", "sec")) ?? defaultOwner;
    const pem = term(key, "publicKeyPem", "sec");
    if (!id || !owner || typeof pem !== "string" || !looksLikePem(pem)) continue;
    out.push({ id, owner, publicKeyPem: pem });
  }
  return out;
}

function sharedInboxOf(obj: JsonObject): string | null {
  const endpoints = obj.endpoints;
  if (isObject(endpoints)) {
    const shared = httpUrl(endpoints.sharedInbox) ?? httpUrl(endpoints["as:sharedInbox"]);
    if (shared) return shared;
  }
  // Some older peers put it at the top level.
  return httpUrl(obj.sharedInbox);
}

export function parseActor(json: unknown): Parsed<Actor> {
  if (!isObject(json)) return reject("actor is not a JSON object");
  const type = knownType(json, ACTOR_TYPES);
  if (!type) return reject(`not an actor type: ${JSON.stringify(typesOf(json))}`);
  const id = httpUrl(json.id);
  if (!id) return reject("actor has no http(s) id");
  const inbox = httpUrl(json.inbox);
  if (!inbox) return reject("actor has no inbox");
  const preferredUsername = text(json.preferredUsername)?.trim();
  if (!preferredUsername) return reject("actor has no preferredUsername");
  const publicKeys = parsePublicKeys(json).filter((k) => k.owner === id);
  const webfinger = str(json.webfinger)?.replace(/^acct:/i, "") ?? null;
  return ok({
    id,
    type,
    preferredUsername: preferredUsername.slice(0, USERNAME_MAX),
    name: text(json.name),
    summary: text(json.summary),
    url: urlOf(json.url),
    inbox,
    outbox: idOf(json.outbox),
    followers: idOf(json.followers),
    following: idOf(json.following),
    featured: idOf(term(json, "featured", "toot")),
    featuredTags: idOf(term(json, "featuredTags", "toot")),
    sharedInbox: sharedInboxOf(json),
    publicKey: publicKeys[0] ?? null,
    publicKeys,
    icon: parseImage(json.icon),
    image: parseImage(json.image),
    fields: parsePropertyValues(json.attachment),
    emojis: parseTags(json.tag).filter((t): t is Emoji => t.type === "Emoji"),
    manuallyApprovesFollowers: bool(term(json, "manuallyApprovesFollowers")) ?? false,
    discoverable: bool(term(json, "discoverable", "toot")),
    indexable: bool(term(json, "indexable", "toot")) ?? false,
    memorial: bool(term(json, "memorial", "toot")) ?? false,
    suspended: bool(term(json, "suspended", "toot")) ?? false,
    bot: type === "Service" || type === "Application",
    group: type === "Group",
    published: date(json.published),
    // Only URLs: some peers put handles here (microblog.pub), which name no actor we could verify.
    alsoKnownAs: ids(term(json, "alsoKnownAs")),
    attributionDomains: asArray(term(json, "attributionDomains", "toot")).filter((d): d is string => typeof d === "string"),
    movedTo: idOf(term(json, "movedTo")),
    webfinger: webfinger && /^[^@\s]+@[^@\s]+$/.test(webfinger) ? webfinger : null,
  });
}
