/**
 * Collection, OrderedCollection and their pages: followers/following counts, outboxes, `featured`
 * (pinned posts) and reply threads. Items stay raw (IRIs or embedded documents) for the caller to
 * parse with the parser it expects; `itemIds` lists the ids they name.
 */
import { asArray, httpUrl, idOf, ids, isObject, knownType, nonNegativeInt, ok, type Parsed, reject, typesOf } from "./json";

export const COLLECTION_TYPES = ["Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"] as const;
export type CollectionType = (typeof COLLECTION_TYPES)[number];

export interface Collection {
  /** Embedded first pages sometimes have no id. */
  id: string | null;
  type: CollectionType;
  totalItems: number | null;
  /** The first page: its IRI, or the page itself when embedded (Mastodon embeds it for replies). */
  first: string | Collection | null;
  next: string | null;
  prev: string | null;
  partOf: string | null;
  items: unknown[];
  itemIds: string[];
}

function parseCollectionAt(json: unknown, depth: number): Parsed<Collection> {
  if (!isObject(json)) return reject("collection is not a JSON object");
  const type = knownType(json, COLLECTION_TYPES);
  if (!type) return reject(`unsupported collection type ${JSON.stringify(typesOf(json))}`);
  const id = httpUrl(json.id);
  if (json.id !== undefined && json.id !== null && !id) return reject(`${type} id is not an http(s) URL`);
  const ordered = type.startsWith("Ordered");
  // Peers mix the two property names; Mastodon reads whichever is present.
  const items = asArray(ordered ? (json.orderedItems ?? json.items) : (json.items ?? json.orderedItems));
  let first: string | Collection | null = null;
  if (isObject(json.first) && depth === 0) {
    const page = parseCollectionAt(json.first, depth + 1);
    if (!page.ok) return reject(`first: ${page.reason}`);
    first = page.value;
  } else {
    first = idOf(json.first);
  }
  return ok({
    id,
    type,
    totalItems: nonNegativeInt(json.totalItems),
    first,
    next: idOf(json.next),
    prev: idOf(json.prev),
    partOf: idOf(json.partOf),
    items,
    itemIds: ids(items),
  });
}

export function parseCollection(json: unknown): Parsed<Collection> {
  const parsed = parseCollectionAt(json, 0);
  if (parsed.ok && parsed.value.id === null) return reject("collection has no http(s) id");
  return parsed;
}
