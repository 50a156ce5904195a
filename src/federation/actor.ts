/**
 * Actor documents for local accounts and the instance actor, with Mastodon's field set and JSON-LD
 * context (INTEROP §1.7; compare ../shared/fixtures/mastodon/actor-person*.json). Mastodon's
 * deliberately wrong `"schema": "http://schema.org#"` is kept: peers' processors expect exactly it.
 */
import type { Config } from "../config";
import type { Account } from "../db/schema";
import { linkify } from "../text/html";
import { actorUri, INSTANCE_ACTOR_USERNAME, mediaUrl, profileUrl } from "../urls";
import { instanceActorUri, type PublicKeyInfo } from "./keys";

export const ACTIVITY_JSON = "application/activity+json";

export const ACTOR_CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  "https://w3id.org/security/v1",
  {
    manuallyApprovesFollowers: "as:manuallyApprovesFollowers",
    toot: "http://joinmastodon.org/ns#",
    featured: { "@id": "toot:featured", "@type": "@id" },
    featuredTags: { "@id": "toot:featuredTags", "@type": "@id" },
    alsoKnownAs: { "@id": "as:alsoKnownAs", "@type": "@id" },
    movedTo: { "@id": "as:movedTo", "@type": "@id" },
    attributionDomains: { "@id": "toot:attributionDomains", "@type": "@id" },
    schema: "http://schema.org#",
    PropertyValue: "schema:PropertyValue",
    value: "schema:value",
    discoverable: "toot:discoverable",
    suspended: "toot:suspended",
    memorial: "toot:memorial",
    indexable: "toot:indexable",
    Hashtag: "as:Hashtag",
    Emoji: "toot:Emoji",
    focalPoint: { "@container": "@list", "@id": "toot:focalPoint" },
    webfinger: "https://purl.archive.org/socialweb/webfinger#webfinger",
  },
] as const;

const MEDIA_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
};

function image(config: Config, stored: string | null) {
  if (!stored) return undefined;
  const url = /^https?:\/\//.test(stored) ? stored : mediaUrl(config, stored);
  const ext = /\.([a-z0-9]+)(?:\?|$)/i.exec(url)?.[1]?.toLowerCase() ?? "";
  const mediaType = MEDIA_TYPES[ext];
  return mediaType ? { type: "Image", mediaType, url } : { type: "Image", url };
}

/** Mastodon publishes an account's creation day at midnight UTC. */
function publishedDay(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 10)}T00:00:00Z`;
}

function publicKey(actor: string, key: PublicKeyInfo) {
  return { id: key.keyId, owner: actor, publicKeyPem: key.publicKeyPem };
}

export interface ActorDocumentOptions {
  /** The URI of the account this one moved to, when it did. */
  movedTo?: string | null;
  /**
   * Only what verifying a signature needs: for unsigned fetches in authorized-fetch mode, so peers
   * that fetch keys without signing can still verify our deliveries (INTEROP §1.3).
   */
  barebones?: boolean;
}

export function localActorDocument(config: Config, account: Account, key: PublicKeyInfo, options: ActorDocumentOptions = {}) {
  if (account.suspendedAt !== null && !options.barebones) return suspendedActorDocument(config, account, key);
  const id = actorUri(config, account.username);
  const type = account.bot ? "Service" : account.group ? "Group" : "Person";
  const core = {
    "@context": ACTOR_CONTEXT,
    id,
    type,
    preferredUsername: account.username,
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    url: profileUrl(config, account.username),
    publicKey: publicKey(id, key),
    endpoints: { sharedInbox: `${config.baseUrl}/inbox` },
  };
  if (options.barebones) return core;
  const icon = image(config, account.avatar);
  const header = image(config, account.header);
  return {
    ...core,
    following: `${id}/following`,
    followers: `${id}/followers`,
    featured: `${id}/collections/featured`,
    featuredTags: `${id}/collections/tags`,
    name: account.displayName,
    summary: account.note,
    manuallyApprovesFollowers: account.locked,
    discoverable: account.discoverable ?? false,
    indexable: account.indexable,
    published: publishedDay(account.createdAt),
    memorial: account.memorial,
    webfinger: `${account.username}@${config.localDomain}`,
    tag: [],
    attachment: account.fields.map((f) => ({ type: "PropertyValue", name: f.name, value: linkify(f.value) })),
    ...(account.alsoKnownAs.length > 0 ? { alsoKnownAs: account.alsoKnownAs } : {}),
    // Mastodon always publishes the list, empty or not.
    attributionDomains: account.attributionDomains,
    ...(options.movedTo ? { movedTo: options.movedTo } : {}),
    ...(icon ? { icon } : {}),
    ...(header ? { image: header } : {}),
  };
}

/**
 * A local account suspended by staff, as Mastodon's ActorSerializer shows one: still an actor (the
 * suspension can be lifted, and a 410 would make peers delete the account and its posts), with its
 * key, an empty profile and `suspended: true`, which Mastodon reads as a suspension by the origin.
 */
function suspendedActorDocument(config: Config, account: Account, key: PublicKeyInfo) {
  const id = actorUri(config, account.username);
  return {
    "@context": ACTOR_CONTEXT,
    id,
    type: account.bot ? "Service" : account.group ? "Group" : "Person",
    preferredUsername: account.username,
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    following: `${id}/following`,
    followers: `${id}/followers`,
    url: profileUrl(config, account.username),
    publicKey: publicKey(id, key),
    endpoints: { sharedInbox: `${config.baseUrl}/inbox` },
    name: "",
    summary: "",
    manuallyApprovesFollowers: account.locked,
    discoverable: false,
    indexable: false,
    published: publishedDay(account.createdAt),
    memorial: account.memorial,
    webfinger: `${account.username}@${config.localDomain}`,
    tag: [],
    attachment: [],
    suspended: true,
  };
}

/**
 * The instance actor, as Mastodon serves it at `/actor`: an Application whose preferredUsername is
 * the domain, locked, fetchable without a signature so that key fetches never deadlock (INTEROP §1.3).
 */
export function instanceActorDocument(config: Config, key: PublicKeyInfo) {
  const id = instanceActorUri(config);
  return {
    "@context": ACTOR_CONTEXT,
    id,
    type: "Application",
    preferredUsername: config.localDomain,
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    url: `${config.baseUrl}/about/more?instance_actor=true`,
    manuallyApprovesFollowers: true,
    publicKey: publicKey(id, key),
    endpoints: { sharedInbox: `${config.baseUrl}/inbox` },
  };
}

/**
 * The WebFinger answer for the instance actor, when `resource` names it: Mastodon's spelling
 * `acct:<domain>@<domain>` (what a peer builds from preferredUsername and host for its reverse
 * check, INTEROP §1.5), `acct:instance.actor@<domain>`, or the actor URI. undefined otherwise.
 */
export function instanceActorWebfinger(config: Config, resource: string) {
  const id = instanceActorUri(config);
  const value = resource
    .trim()
    .replace(/^acct:/i, "")
    .replace(/^@/, "")
    .toLowerCase();
  const hosts = [config.localDomain, config.webDomain];
  const at = value.lastIndexOf("@");
  const user = at > 0 ? value.slice(0, at) : "";
  const host = at > 0 ? value.slice(at + 1) : "";
  const named =
    value === id.toLowerCase() || (hosts.includes(host) && (hosts.includes(user) || user === INSTANCE_ACTOR_USERNAME));
  if (!named) return undefined;
  return {
    subject: `acct:${config.localDomain}@${config.localDomain}`,
    aliases: [id],
    links: [
      {
        rel: "http://webfinger.net/rel/profile-page",
        type: "text/html",
        href: `${config.baseUrl}/about/more?instance_actor=true`,
      },
      { rel: "self", type: "application/activity+json", href: id },
    ],
  };
}
