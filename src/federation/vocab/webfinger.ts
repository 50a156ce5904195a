/**
 * WebFinger (RFC 7033) responses as Mastodon reads them: the `subject` handle and the `self` link to
 * the ActivityPub actor (`application/activity+json`, or ld+json with the ActivityStreams profile).
 */
import { asArray, httpUrl, isObject, ok, type Parsed, reject, str } from "./json";

export interface Webfinger {
  /** `user@host`, without `acct:`. */
  subject: string | null;
  aliases: string[];
  /** The actor document's URL. */
  self: string;
}

function isActivityPubType(type: string): boolean {
  const t = type.toLowerCase().replace(/\s+/g, "");
  return t === "application/activity+json" || t === 'application/ld+json;profile="https://www.w3.org/ns/activitystreams"';
}

export function parseWebfinger(json: unknown): Parsed<Webfinger> {
  if (!isObject(json)) return reject("WebFinger response is not a JSON object");
  const rawSubject = str(json.subject)?.replace(/^acct:/i, "") ?? null;
  const subject = rawSubject && /^[^@\s]+@[^@\s]+$/.test(rawSubject) ? rawSubject : null;
  let self: string | null = null;
  for (const link of asArray(json.links)) {
    if (!isObject(link) || link.rel !== "self") continue;
    const type = str(link.type);
    const href = httpUrl(link.href);
    if (href && type && isActivityPubType(type)) {
      self = href;
      break;
    }
  }
  if (!self) return reject("WebFinger response has no ActivityPub self link");
  const aliases = asArray(json.aliases)
    .map((a) => httpUrl(a))
    .filter((a): a is string => a !== null);
  return ok({ subject, aliases, self });
}
