/**
 * Activities Petrel acts on (Mastodon's inbound set, INTEROP §1.9, plus EmojiReact). The parser
 * checks the shape each type needs (a Move has a target, a Flag names what it reports, a Create
 * carries or names a post) and reads the object as a typed reference. Embedded things of types we
 * do not model (Lemmy's Lock inside an Announce, GoToSocial's LikeRequest inside an Accept) become
 * `other` references, so the outer activity still parses and its handler can ignore them.
 */
import { ACTOR_TYPES, type Actor, parseActor } from "./actor";
import {
  asArray,
  audience,
  date,
  hasType,
  httpUrl,
  idOf,
  ids,
  isObject,
  knownType,
  ok,
  type Parsed,
  reject,
  str,
  text,
  typesOf,
} from "./json";
import { type ApObject, OBJECT_TYPES, parseObject, type Tombstone } from "./object";
import { parseTags, type Tag } from "./tags";

export const ACTIVITY_TYPES = [
  "Create",
  "Update",
  "Delete",
  "Follow",
  "Accept",
  "Reject",
  "Undo",
  "Like",
  "EmojiReact",
  "Announce",
  "Block",
  "Flag",
  "Move",
  "Add",
  "Remove",
  "QuoteRequest",
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

export type Reference =
  | { kind: "link"; id: string }
  | { kind: "object"; id: string; object: ApObject }
  | { kind: "tombstone"; id: string; object: Tombstone }
  /** `actor` is null when only `{type, id}` was embedded: handlers fetch the full document. */
  | { kind: "actor"; id: string; actor: Actor | null }
  | { kind: "activity"; id: string | null; activity: Activity }
  /** Embedded, of a type we do not model; `id` when it has one. */
  | { kind: "other"; id: string | null; types: string[] };

export type ReferenceKind = Reference["kind"];

export interface Activity {
  /** GoToSocial sends Deletes without an id; the inbox dedupes those by body digest. */
  id: string | null;
  type: ActivityType;
  actor: string;
  object: Reference;
  /** Flag: every reported actor and post. Others: the object's id when it has one. */
  objects: string[];
  /** Move: the new account. Add/Remove: the collection. */
  target: string | null;
  to: string[];
  cc: string[];
  published: string | null;
  /** Flag: the report comment. EmojiReact: the emoji. */
  content: string | null;
  /** EmojiReact and Misskey reactions: the custom emoji used. */
  tags: Tag[];
  /** Misskey sends reactions as `Like` with `_misskey_reaction` (INTEROP §1.9). */
  misskeyReaction: string | null;
  /** Lemmy's Group announces name the community here; quote requests name the quoting post. */
  instrument: string | null;
  result: string | null;
}

/** Which references each type accepts. Create of a Tombstone or a Person means nothing. */
const ALLOWED: Record<ActivityType, readonly ReferenceKind[]> = {
  Create: ["link", "object"],
  Update: ["link", "object", "actor"],
  Delete: ["link", "object", "tombstone", "actor", "other"],
  Follow: ["link", "actor"],
  Accept: ["link", "activity", "other"],
  Reject: ["link", "activity", "other"],
  Undo: ["link", "activity", "other"],
  Like: ["link", "object", "other"],
  EmojiReact: ["link", "object"],
  Announce: ["link", "object", "activity", "other"],
  Block: ["link", "actor"],
  Flag: ["link", "object", "actor", "other"],
  Move: ["link", "actor"],
  Add: ["link", "object", "actor", "other"],
  Remove: ["link", "object", "actor", "other"],
  // FEP-044f: the quoted post, by id (Mastodon sends it so) or embedded.
  QuoteRequest: ["link", "object"],
};

/** Announce(Create(Note)) is as deep as real peers nest; anything deeper is refused, not recursed into. */
const MAX_DEPTH = 4;

function reference(value: unknown, depth: number): Parsed<Reference> {
  // Mastodon reads the first of an array (`first_of_value`).
  const item = Array.isArray(value) ? value[0] : value;
  if (typeof item === "string") {
    const id = httpUrl(item);
    return id ? ok({ kind: "link", id }) : reject(`object is not an http(s) URL: ${JSON.stringify(item).slice(0, 100)}`);
  }
  if (!isObject(item)) return reject("activity has no object");
  const id = idOf(item);
  const types = typesOf(item);
  if (types.length === 0) return id ? ok({ kind: "link", id }) : reject("embedded object has neither type nor id");
  if (hasType(item, "Tombstone") || knownType(item, OBJECT_TYPES)) {
    const parsed = parseObject(item);
    if (!parsed.ok) return reject(`object: ${parsed.reason}`);
    const doc = parsed.value;
    return ok(
      doc.kind === "tombstone" ? { kind: "tombstone", id: doc.id, object: doc } : { kind: "object", id: doc.id, object: doc },
    );
  }
  if (knownType(item, ACTOR_TYPES)) {
    const parsed = parseActor(item);
    if (parsed.ok) return ok({ kind: "actor", id: parsed.value.id, actor: parsed.value });
    // A partial actor ({type, id}, as in Mastodon's actor Deletes) still names one.
    return id ? ok({ kind: "actor", id, actor: null }) : reject(`object: ${parsed.reason}`);
  }
  if (knownType(item, ACTIVITY_TYPES)) {
    if (depth >= MAX_DEPTH) return reject("activities nested too deeply");
    const parsed = parseActivityAt(item, depth + 1);
    if (!parsed.ok) return reject(`object: ${parsed.reason}`);
    return ok({ kind: "activity", id: parsed.value.id, activity: parsed.value });
  }
  return ok({ kind: "other", id, types });
}

function parseActivityAt(json: unknown, depth: number): Parsed<Activity> {
  if (!isObject(json)) return reject("activity is not a JSON object");
  const type = knownType(json, ACTIVITY_TYPES);
  if (!type) return reject(`unsupported activity type ${JSON.stringify(typesOf(json))}`);
  if (json.id !== undefined && json.id !== null && !httpUrl(json.id)) return reject(`${type} id is not an http(s) URL`);
  const actor = idOf(Array.isArray(json.actor) ? json.actor[0] : json.actor);
  if (!actor) return reject(`${type} has no actor`);

  const object = reference(json.object, depth);
  if (!object.ok) return reject(`${type}: ${object.reason}`);
  const ref = object.value;
  if (!ALLOWED[type].includes(ref.kind)) {
    const what = ref.kind === "other" ? JSON.stringify(ref.types) : ref.kind;
    return reject(`${type} of ${what} is not supported`);
  }

  let objects = ref.kind === "activity" || ref.kind === "other" ? (ref.id ? [ref.id] : []) : [ref.id];
  if (type === "Flag") {
    objects = ids(json.object);
    if (objects.length === 0) return reject("Flag names nothing it reports");
  }
  if (type === "Delete" && ref.id === null) return reject("Delete object has no id");

  const target = idOf(json.target);
  if ((type === "Move" || type === "Add" || type === "Remove") && !target) return reject(`${type} has no target`);

  const content = text(json.content);
  if (type === "EmojiReact" && !content) return reject("EmojiReact has no emoji content");

  return ok({
    id: httpUrl(json.id),
    type,
    actor,
    object: ref,
    objects,
    target,
    to: audience(json.to),
    cc: audience(json.cc),
    published: date(json.published),
    content,
    tags: parseTags(json.tag),
    misskeyReaction: str(json._misskey_reaction),
    instrument: idOf(asArray(json.instrument)[0]),
    result: idOf(json.result),
  });
}

export function parseActivity(json: unknown): Parsed<Activity> {
  return parseActivityAt(json, 0);
}
