/**
 * Collections (Mastodon 4.6) — reading: one collection, an account's collections and the collections
 * an account is featured in, each as the viewer may see them. As Mastodon's `Collection#items_for`:
 * the owner sees pending and accepted items, everyone else accepted ones only, and a signed-in viewer
 * never sees the accounts they block. Writes are in collection-edits.ts.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { CollectionItemState } from "../db/schema-collections";
import type { CollectionItemView, CollectionView } from "../entities/collection";
import { ApiError, notFound } from "../errors";
import type { VisibleAccount } from "./accounts";
import { accountListable, inIds, loadVisibleAccounts } from "./relationships/common";

/** Pending and accepted items a collection may hold (Mastodon's Collection::MAX_ITEMS). */
export const COLLECTION_MAX_ITEMS = 25;
export const COLLECTIONS_DEFAULT_LIMIT = 40;
export const COLLECTIONS_MAX_LIMIT = 80;

export const NOT_ALLOWED = "This action is not allowed";
export const notAllowed = (): ApiError => new ApiError(403, NOT_ALLOWED);

interface CollectionRow {
  id: number;
  accountId: number;
  ownerUsername: string;
  name: string;
  description: string;
  language: string | null;
  sensitive: number;
  discoverable: number;
  tagName: string | null;
  tagDisplayName: string | null;
  createdAt: number;
  updatedAt: number;
}

const collectionColumns = sql`c.id AS id, c.account_id AS accountId, a.username AS ownerUsername, c.name AS name,
  c.description AS description, c.language AS language, c.sensitive AS sensitive, c.discoverable AS discoverable,
  t.name AS tagName, t.display_name AS tagDisplayName, c.created_at AS createdAt, c.updated_at AS updatedAt`;

const collectionFrom = sql`collections c JOIN accounts a ON a.id = c.account_id LEFT JOIN tags t ON t.id = c.tag_id`;

async function collectionRows(db: Db, where: SQL, tail: SQL = sql``): Promise<CollectionRow[]> {
  return db.all<CollectionRow>(sql`SELECT ${collectionColumns} FROM ${collectionFrom}
    WHERE ${where} AND ${accountListable("a")} ${tail}`);
}

interface ItemRow {
  id: number;
  collectionId: number;
  accountId: number;
  state: CollectionItemState;
  createdAt: number;
}

/**
 * The views of `rows` for `viewerId`: the items each viewer may see (bounded by the item cap per
 * collection) and every collection's item count, in two statements whatever the number of rows.
 */
async function toViews(db: Db, rows: CollectionRow[], viewerId: number | undefined): Promise<CollectionView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const notBlocked =
    viewerId === undefined
      ? sql``
      : sql`AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${viewerId} AND target_account_id = i.account_id)`;
  const [items, counts] = await Promise.all([
    db.all<ItemRow>(sql`
      SELECT i.id AS id, i.collection_id AS collectionId, i.account_id AS accountId, i.state AS state, i.created_at AS createdAt
      FROM collection_items i JOIN accounts a ON a.id = i.account_id
      WHERE ${inIds(sql`i.collection_id`, ids)} AND i.state IN ('pending', 'accepted') AND ${accountListable("a")} ${notBlocked}
      ORDER BY i.collection_id, i.position`),
    db.all<{ collectionId: number; n: number }>(sql`
      SELECT collection_id AS collectionId, count(*) AS n FROM collection_items
      WHERE ${inIds(sql`collection_id`, ids)} GROUP BY collection_id`),
  ]);
  const countOf = new Map(counts.map((c) => [c.collectionId, c.n]));
  const itemsOf = new Map<number, CollectionItemView[]>();
  const owners = new Map(rows.map((r) => [r.id, r.accountId]));
  for (const item of items) {
    if (item.state === "pending" && owners.get(item.collectionId) !== viewerId) continue;
    const list = itemsOf.get(item.collectionId) ?? [];
    list.push({ id: item.id, accountId: item.accountId, state: item.state, createdAt: item.createdAt });
    itemsOf.set(item.collectionId, list);
  }
  return rows.map((r) => ({
    id: r.id,
    accountId: r.accountId,
    ownerUsername: r.ownerUsername,
    name: r.name,
    description: r.description,
    language: r.language,
    sensitive: r.sensitive === 1,
    discoverable: r.discoverable === 1,
    itemCount: countOf.get(r.id) ?? 0,
    tag: r.tagName !== null ? { name: r.tagName, displayName: r.tagDisplayName ?? r.tagName } : null,
    items: itemsOf.get(r.id) ?? [],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  }));
}

export interface StoredCollection {
  id: number;
  accountId: number;
}

/** A collection whose owner clients may see, or 404 "Record not found". */
export async function requireCollection(db: Db, id: number | undefined): Promise<StoredCollection> {
  if (id === undefined) throw notFound();
  const rows = await db.all<StoredCollection>(sql`
    SELECT c.id AS id, c.account_id AS accountId FROM collections c JOIN accounts a ON a.id = c.account_id
    WHERE c.id = ${id} AND ${accountListable("a")}`);
  const found = rows[0];
  if (!found) throw notFound();
  return found;
}

/** Owner-only actions answer 403 on someone else's collection, as Mastodon's CollectionPolicy. */
export function requireOwner(collection: StoredCollection, accountId: number): void {
  if (collection.accountId !== accountId) throw notAllowed();
}

export async function collectionView(db: Db, id: number, viewerId: number | undefined): Promise<CollectionView> {
  const [view] = await toViews(db, await collectionRows(db, sql`c.id = ${id}`), viewerId);
  if (!view) throw notFound();
  return view;
}

async function ownerBlocks(db: Db, ownerId: number, viewerId: number | undefined): Promise<boolean> {
  if (viewerId === undefined || viewerId === ownerId) return false;
  const rows = await db.all<{ n: number }>(
    sql`SELECT 1 AS n FROM blocks WHERE account_id = ${ownerId} AND target_account_id = ${viewerId} LIMIT 1`,
  );
  return rows.length > 0;
}

/**
 * `GET /api/v1/collections/:id`: the collection and the accounts it shows (owner first). An owner who
 * blocks the viewer gets 403 (Mastodon's `CollectionPolicy#show?`).
 */
export async function showCollection(
  db: Db,
  id: number | undefined,
  viewerId: number | undefined,
): Promise<{ view: CollectionView; accounts: VisibleAccount[] }> {
  const stored = await requireCollection(db, id);
  if (await ownerBlocks(db, stored.accountId, viewerId)) throw notAllowed();
  const view = await collectionView(db, stored.id, viewerId);
  const ids = [view.accountId, ...view.items.map((i) => i.accountId)];
  const found = await loadVisibleAccounts(db, ids);
  const accounts = ids.flatMap((accountId) => {
    const account = found.get(accountId);
    return account ? [account] : [];
  });
  return { view, accounts };
}

export interface OffsetPage {
  offset: number;
  limit: number;
}

export interface CollectionPage {
  items: CollectionView[];
  /** Whether rows follow this page (a `next` link). */
  more: boolean;
}

/**
 * `GET /api/v1/accounts/:id/collections`: newest first; others see only discoverable ones, and an
 * owner who blocks the viewer shows none (Mastodon answers `{"collections": []}`).
 */
export async function listAccountCollections(
  db: Db,
  ownerId: number,
  viewerId: number | undefined,
  page: OffsetPage,
): Promise<CollectionPage> {
  if (await ownerBlocks(db, ownerId, viewerId)) return { items: [], more: false };
  const discoverable = viewerId === ownerId ? sql`` : sql`AND c.discoverable = 1`;
  // One row past the page tells whether a next page exists without counting.
  const rows = await collectionRows(
    db,
    sql`c.account_id = ${ownerId} ${discoverable}`,
    sql`ORDER BY c.id DESC LIMIT ${page.limit + 1} OFFSET ${page.offset}`,
  );
  return { items: await toViews(db, rows.slice(0, page.limit), viewerId), more: rows.length > page.limit };
}

/** `GET /api/v1/accounts/:id/in_collections`: the collections that feature `accountId` (accepted items), newest first. */
export async function listInCollections(db: Db, accountId: number, page: OffsetPage): Promise<CollectionPage> {
  const ids = await db.all<{ id: number }>(sql`
    SELECT i.collection_id AS id FROM collection_items i
    WHERE i.account_id = ${accountId} AND i.state = 'accepted'
    ORDER BY i.collection_id DESC LIMIT ${page.limit + 1} OFFSET ${page.offset}`);
  const pageIds = ids.slice(0, page.limit).map((r) => r.id);
  if (pageIds.length === 0) return { items: [], more: false };
  const rows = await collectionRows(db, inIds(sql`c.id`, pageIds), sql`ORDER BY c.id DESC`);
  return { items: await toViews(db, rows, accountId), more: ids.length > page.limit };
}

/** Collections by id as `viewerId` sees them (notifications carry them); missing or hidden ones are absent. */
export async function collectionViewsByIds(
  db: Db,
  ids: readonly number[],
  viewerId: number,
): Promise<Map<number, CollectionView>> {
  if (ids.length === 0) return new Map();
  const rows = await collectionRows(db, inIds(sql`c.id`, [...new Set(ids)]));
  return new Map((await toViews(db, rows, viewerId)).map((v) => [v.id, v]));
}
