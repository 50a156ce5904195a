/**
 * Builders for every activity Petrel sends, shaped and identified as Mastodon's serializers do
 * (INTEROP §1.9): ids hang off the status URI (`…/activity`, `#delete`, `#updates/<t>`) or the actor
 * (`#follows/<id>`, `#likes/<id>`, `#blocks/<id>`, `…/undo`), so they are stable across retries and
 * an Undo can embed exactly what it undoes. Pure functions: no I/O.
 */
import { isoDate } from "../../util/time";
import { PUBLIC_COLLECTION } from "../vocab/json";
import { type JsonObject, NOTE_CONTEXT } from "./note";

export const AS_CONTEXT = "https://www.w3.org/ns/activitystreams";

/** `Create` of a status object: id `<status uri>/activity`, addressed like the object. */
export function createActivity(note: JsonObject): JsonObject {
  return {
    "@context": NOTE_CONTEXT,
    id: `${String(note.id)}/activity`,
    type: "Create",
    actor: note.attributedTo,
    published: note.published,
    to: note.to,
    cc: note.cc,
    object: note,
  };
}

/** `Update` of an edited status; the id changes per edit so peers do not drop it as a replay. */
export function updateActivity(note: JsonObject, editedAt: number): JsonObject {
  return {
    "@context": NOTE_CONTEXT,
    id: `${String(note.id)}#updates/${Math.floor(editedAt / 1000)}`,
    type: "Update",
    actor: note.attributedTo,
    published: isoDate(editedAt),
    to: note.to,
    cc: note.cc,
    object: note,
  };
}

/** `Delete` of a status, with a Tombstone as Mastodon sends it. */
export function deleteActivity(actor: string, statusUri: string): JsonObject {
  return {
    "@context": [AS_CONTEXT, { ostatus: "http://ostatus.org#", atomUri: "ostatus:atomUri" }],
    id: `${statusUri}#delete`,
    type: "Delete",
    actor,
    to: [PUBLIC_COLLECTION],
    object: { id: statusUri, type: "Tombstone", atomUri: statusUri },
  };
}

export interface AnnounceInput {
  /** The boost's own id (`<boost status uri>` = `…/statuses/<id>/activity`). */
  id: string;
  actor: string;
  object: string;
  published: number;
  to: string[];
  cc: string[];
}

export function announceActivity(a: AnnounceInput, withContext = true): JsonObject {
  return {
    ...(withContext ? { "@context": AS_CONTEXT } : {}),
    id: a.id,
    type: "Announce",
    actor: a.actor,
    published: isoDate(a.published),
    to: a.to,
    cc: a.cc,
    object: a.object,
  };
}

export function undoAnnounceActivity(a: AnnounceInput, boostId: number): JsonObject {
  return {
    "@context": AS_CONTEXT,
    id: `${a.actor}#announces/${boostId}/undo`,
    type: "Undo",
    actor: a.actor,
    to: [PUBLIC_COLLECTION],
    object: announceActivity(a, false),
  };
}

/** Follow, Like and Block share one shape: `<actor>#<kind>/<row id>` with an IRI object. */
type SimpleKind = "Follow" | "Like" | "Block";
const FRAGMENT: Record<SimpleKind, string> = { Follow: "follows", Like: "likes", Block: "blocks" };

export function simpleActivity(kind: SimpleKind, actor: string, rowId: number | string, object: string, id?: string): JsonObject {
  return { "@context": AS_CONTEXT, id: id ?? `${actor}#${FRAGMENT[kind]}/${rowId}`, type: kind, actor, object };
}

/** Undo of a Follow, Like or Block: embeds the original (Threads refuses an Undo whose object has no id). */
export function undoActivity(original: JsonObject): JsonObject {
  const { "@context": _ignored, ...object } = original;
  return { "@context": AS_CONTEXT, id: `${String(original.id)}/undo`, type: "Undo", actor: original.actor, object };
}

/** Accept or Reject of a remote Follow, embedding it (Mastodon handles IRI or embedded; embedding saves a fetch). */
export function followResponseActivity(
  kind: "Accept" | "Reject",
  localActor: string,
  follow: { id: string; actor: string },
  localRowId: number | string,
): JsonObject {
  return {
    "@context": AS_CONTEXT,
    id: `${localActor}#${kind === "Accept" ? "accepts" : "rejects"}/follows/${localRowId}`,
    type: kind,
    actor: localActor,
    object: { id: follow.id, type: "Follow", actor: follow.actor, object: localActor },
  };
}

/** Update of an actor document (profile change). */
export function updateActorActivity(actorDocument: JsonObject, updatedAt: number): JsonObject {
  const { "@context": context, ...object } = actorDocument;
  const actor = String(object.id);
  return {
    "@context": context ?? AS_CONTEXT,
    id: `${actor}#updates/${updatedAt}`,
    type: "Update",
    actor,
    to: [PUBLIC_COLLECTION],
    object,
  };
}

/** Add/Remove of a status to/from the featured collection (pins). */
export function featuredActivity(kind: "Add" | "Remove", actor: string, statusUri: string, at: number): JsonObject {
  return {
    "@context": AS_CONTEXT,
    id: `${actor}#featured/${kind === "Add" ? "add" : "remove"}/${at}`,
    type: kind,
    actor,
    target: `${actor}/collections/featured`,
    object: statusUri,
  };
}

/** A vote on a remote poll: Create(Note{name: option, inReplyTo: poll}) addressed to the poll's author only. */
export function voteActivity(actor: string, voteId: number, pollUri: string, pollAuthor: string, option: string): JsonObject {
  const id = `${actor}#votes/${voteId}`;
  return {
    "@context": AS_CONTEXT,
    id: `${id}/activity`,
    type: "Create",
    actor,
    to: [pollAuthor],
    object: { id, type: "Note", name: option, attributedTo: actor, to: [pollAuthor], inReplyTo: pollUri },
  };
}
