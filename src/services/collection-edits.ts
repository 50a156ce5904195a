/**
 * Collections (Mastodon 4.6) — writing: create, update, delete, add and remove items, and the
 * featured account's revoke. Who may be featured is Mastodon's `AccountPolicy#feature?`: a local
 * account that opted into discovery, with no block between it and the curator. Remote accounts would
 * need their FeatureAuthorization policy, which Petrel does not federate, so they are refused like
 * Mastodon refuses accounts without a policy. Local accounts are accepted at once, as in Mastodon.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { Account } from "../db/schema";
import { ApiError, humanize, notFound } from "../errors";
import { newId, parseId } from "../ids";
import type { Params } from "../util/params";
import { COLLECTION_MAX_ITEMS, notAllowed, requireOwner, type StoredCollection } from "./collections";
import { notify } from "./notifications";
import { batchSql, inIds, loadVisibleAccounts } from "./relationships/common";
import { findOrCreateTag, isValidTagName } from "./tags/names";

export const NAME_MAX = 40;
export const DESCRIPTION_MAX = 100;

/**
 * The collections controller renders validation errors nested, unlike the rest of the API:
 * `{"error": {"error": "Validation failed: ...", "details": {...}}}` (Mastodon's ValidationErrorFormatter).
 */
export class CollectionValidationError extends ApiError {
  override toJSON(): Record<string, unknown> {
    return { error: { error: this.message, details: this.details ?? {} } };
  }
}

interface FieldError {
  field: string;
  code: string;
  message: string;
}

function validationError(errors: FieldError[]): CollectionValidationError {
  const details: Record<string, Array<{ error: string; description: string }>> = {};
  for (const e of errors) {
    const list = details[e.field] ?? [];
    list.push({ error: e.code, description: e.message });
    details[e.field] = list;
  }
  const text = errors.map((e) => `${humanize(e.field)} ${e.message}`).join(", ");
  return new CollectionValidationError(422, `Validation failed: ${text}`, { details });
}

export interface CollectionInput {
  name?: string;
  description?: string;
  language?: string | null;
  sensitive?: boolean;
  discoverable?: boolean;
  /** undefined: unchanged; "" or an invalid name: no tag (Mastodon's find_or_create_by_names finds none). */
  tagName?: string;
}

export function readCollectionInput(params: Params): CollectionInput {
  const language = params.string("language");
  return {
    name: params.string("name"),
    description: params.string("description"),
    language: language === undefined ? undefined : language.trim() === "" ? null : language.trim(),
    sensitive: params.bool("sensitive"),
    discoverable: params.bool("discoverable"),
    tagName: params.string("tag_name"),
  };
}

/** Mastodon's Collection validations for a local collection, on the values it would save. */
function check(values: { name: string; description: string; language: string | null }): void {
  const errors: FieldError[] = [];
  const name = values.name.trim();
  if (name === "") errors.push({ field: "name", code: "ERR_BLANK", message: "can't be blank" });
  else if ([...values.name].length > NAME_MAX)
    errors.push({ field: "name", code: "ERR_TOO_LONG", message: `is too long (maximum is ${NAME_MAX} characters)` });
  if ([...values.description].length > DESCRIPTION_MAX)
    errors.push({
      field: "description",
      code: "ERR_TOO_LONG",
      message: `is too long (maximum is ${DESCRIPTION_MAX} characters)`,
    });
  if (values.language !== null && !/^[a-z]{2,3}(-[a-z0-9]{2,8})?$/i.test(values.language))
    errors.push({ field: "language", code: "ERR_INVALID", message: "is invalid" });
  if (errors.length > 0) throw validationError(errors);
}

async function tagIdFor(db: Db, raw: string, now: number): Promise<number | null> {
  const name = raw.trim().replace(/^#/, "");
  if (!isValidTagName(name)) return null;
  return (await findOrCreateTag(db, name, now)).id;
}

/**
 * Mastodon's `AccountPolicy#feature?` for each of `targets` in `owner`'s collection (one statement for
 * the blocks); 403 "This action is not allowed" when any is refused.
 */
async function requireFeatureable(db: Db, owner: Account, targets: readonly Account[]): Promise<void> {
  if (targets.length === 0) return;
  if (targets.some((t) => t.domain !== null || t.discoverable !== true)) throw notAllowed();
  const ids = targets.map((t) => t.id);
  const blocked = await db.all<{ n: number }>(sql`
    SELECT 1 AS n FROM blocks
    WHERE (account_id = ${owner.id} AND ${inIds(sql`target_account_id`, ids)})
       OR (${inIds(sql`account_id`, ids)} AND target_account_id = ${owner.id})
    LIMIT 1`);
  if (blocked.length > 0) throw notAllowed();
}

/** Accounts by id for `account_ids`; any unknown id is 404, as `Account.find(ids)`. */
async function accountsToFeature(db: Db, rawIds: string[]): Promise<Account[]> {
  const ids: number[] = [];
  for (const raw of rawIds) {
    const id = parseId(raw.trim());
    if (id === undefined) throw notFound();
    if (!ids.includes(id)) ids.push(id);
  }
  if (ids.length > COLLECTION_MAX_ITEMS) throw tooManyItems();
  const found = await loadVisibleAccounts(db, ids);
  return ids.map((id) => {
    const account = found.get(id)?.account;
    if (!account) throw notFound();
    return account;
  });
}

function tooManyItems(): CollectionValidationError {
  return validationError([
    { field: "collection_items", code: "ERR_TOO_MANY", message: `are too many (maximum is ${COLLECTION_MAX_ITEMS})` },
  ]);
}

/** Mastodon tells a local account it was featured (`added_to_collection`, from the curator). */
async function notifyAdded(db: Db, ownerId: number, targetId: number, collectionId: number, now: number): Promise<void> {
  await notify(db, { recipientId: targetId, fromAccountId: ownerId, type: "added_to_collection", collectionId, now });
}

/** `POST /api/v1/collections`: the collection and its first items, in one batch. Returns its id. */
export async function createCollection(
  db: Db,
  owner: Account,
  input: CollectionInput,
  accountIds: string[],
  now = Date.now(),
): Promise<number> {
  const targets = await accountsToFeature(db, accountIds);
  await requireFeatureable(db, owner, targets);
  const values = { name: input.name ?? "", description: input.description ?? "", language: input.language ?? null };
  check(values);
  const tagId = input.tagName ? await tagIdFor(db, input.tagName, now) : null;
  const id = newId(now);
  await batchSql(db, [
    sql`INSERT INTO collections (id, account_id, name, description, language, sensitive, discoverable, tag_id, created_at, updated_at)
      VALUES (${id}, ${owner.id}, ${values.name}, ${values.description}, ${values.language}, ${input.sensitive ? 1 : 0},
        ${input.discoverable === false ? 0 : 1}, ${tagId}, ${now}, ${now})`,
    ...targets.map(
      (target, index) => sql`INSERT INTO collection_items (id, collection_id, account_id, state, position, created_at, updated_at)
        VALUES (${newId(now)}, ${id}, ${target.id}, 'accepted', ${index + 1}, ${now}, ${now})`,
    ),
  ]);
  for (const target of targets) await notifyAdded(db, owner.id, target.id, id, now);
  return id;
}

interface EditableRow {
  name: string;
  description: string;
  language: string | null;
}

/** `PATCH /api/v1/collections/:id`: only the fields sent change. */
export async function updateCollection(db: Db, collection: StoredCollection, input: CollectionInput, now = Date.now()) {
  const rows = await db.all<EditableRow>(sql`SELECT name, description, language FROM collections WHERE id = ${collection.id}`);
  const current = rows[0];
  if (!current) throw notFound();
  const values = {
    name: input.name ?? current.name,
    description: input.description ?? current.description,
    language: input.language === undefined ? current.language : input.language,
  };
  check(values);
  const sets = [sql`name = ${values.name}`, sql`description = ${values.description}`, sql`language = ${values.language}`];
  if (input.sensitive !== undefined) sets.push(sql`sensitive = ${input.sensitive ? 1 : 0}`);
  if (input.discoverable !== undefined) sets.push(sql`discoverable = ${input.discoverable ? 1 : 0}`);
  if (input.tagName !== undefined) sets.push(sql`tag_id = ${input.tagName ? await tagIdFor(db, input.tagName, now) : null}`);
  sets.push(sql`updated_at = ${now}`);
  await db.run(sql`UPDATE collections SET ${sql.join(sets, sql`, `)} WHERE id = ${collection.id}`);
  // Mastodon tells the accepted local accounts when the name or description changed (`collection_update`).
  if (values.name === current.name && values.description === current.description) return;
  const featured = await db.all<{ accountId: number }>(sql`
    SELECT i.account_id AS accountId FROM collection_items i JOIN accounts a ON a.id = i.account_id
    WHERE i.collection_id = ${collection.id} AND i.state = 'accepted' AND a.domain IS NULL`);
  for (const { accountId } of featured) {
    await notify(db, {
      recipientId: accountId,
      fromAccountId: collection.accountId,
      type: "collection_update",
      collectionId: collection.id,
      now,
    });
  }
}

/** `DELETE /api/v1/collections/:id`: the collection and all its items. */
export async function deleteCollection(db: Db, collection: StoredCollection): Promise<void> {
  await batchSql(db, [
    sql`DELETE FROM collection_items WHERE collection_id = ${collection.id}`,
    sql`DELETE FROM notifications WHERE collection_id = ${collection.id}`,
    sql`DELETE FROM collections WHERE id = ${collection.id}`,
  ]);
}

export interface AddedItem {
  id: number;
  accountId: number;
  state: "accepted";
  createdAt: number;
}

/**
 * `POST /api/v1/collections/:id/items`: one statement that holds the item cap and the one-item-per-
 * account rule even under concurrent requests; 422 as Mastodon's `create!` when either fails.
 */
export async function addCollectionItem(
  db: Db,
  collection: StoredCollection,
  owner: Account,
  target: Account,
  now = Date.now(),
): Promise<AddedItem> {
  await requireFeatureable(db, owner, [target]);
  const id = newId(now);
  const rows = await db.all<{ id: number }>(sql`
    INSERT INTO collection_items (id, collection_id, account_id, state, position, created_at, updated_at)
    SELECT ${id}, ${collection.id}, ${target.id}, 'accepted',
      (SELECT coalesce(max(position), 0) + 1 FROM collection_items WHERE collection_id = ${collection.id}), ${now}, ${now}
    WHERE (SELECT count(*) FROM collection_items WHERE collection_id = ${collection.id} AND state IN ('pending', 'accepted'))
      < ${COLLECTION_MAX_ITEMS}
    ON CONFLICT (collection_id, account_id) DO NOTHING
    RETURNING id`);
  if (rows.length > 0) {
    await notifyAdded(db, owner.id, target.id, collection.id, now);
    return { id, accountId: target.id, state: "accepted", createdAt: now };
  }
  const existing = await db.all<{ n: number }>(
    sql`SELECT 1 AS n FROM collection_items WHERE collection_id = ${collection.id} AND account_id = ${target.id}`,
  );
  // The items controller renders Mastodon's flat `{"error": "Validation failed: ..."}`.
  if (existing.length > 0) throw new ApiError(422, "Validation failed: Account has already been taken");
  throw new ApiError(422, `Validation failed: Collection items are too many (maximum is ${COLLECTION_MAX_ITEMS})`);
}

interface ItemRow {
  id: number;
  accountId: number;
}

async function requireItem(db: Db, collection: StoredCollection, rawId: string | undefined): Promise<ItemRow> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const rows = await db.all<ItemRow>(
    sql`SELECT id, account_id AS accountId FROM collection_items WHERE id = ${id} AND collection_id = ${collection.id}`,
  );
  const item = rows[0];
  if (!item) throw notFound();
  return item;
}

/** `DELETE /api/v1/collections/:id/items/:item_id`: an unknown item is 404 before someone else's collection is 403. */
export async function removeCollectionItem(
  db: Db,
  collection: StoredCollection,
  rawItemId: string | undefined,
  viewerId: number,
): Promise<void> {
  const item = await requireItem(db, collection, rawItemId);
  requireOwner(collection, viewerId);
  await db.run(sql`DELETE FROM collection_items WHERE id = ${item.id}`);
}

/** `POST /api/v1/collections/:id/items/:item_id/revoke`: only the featured account may; the item stays, revoked. */
export async function revokeCollectionItem(
  db: Db,
  collection: StoredCollection,
  rawItemId: string | undefined,
  viewerId: number,
  now = Date.now(),
): Promise<void> {
  const item = await requireItem(db, collection, rawItemId);
  if (item.accountId !== viewerId) throw notAllowed();
  await db.run(sql`UPDATE collection_items SET state = 'revoked', updated_at = ${now} WHERE id = ${item.id}`);
}
