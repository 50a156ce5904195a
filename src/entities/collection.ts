/**
 * Collection, CollectionItem and CollectionWithAccounts (Mastodon 4.6): the only place their JSON is
 * built. Mastodon's CollectionItemSerializer shows `account_id` only for pending and accepted items.
 */
import type { Config } from "../config";
import type { CollectionItemState } from "../db/schema-collections";
import { tagUrl } from "../text/status-text";
import { actorUri } from "../urls";
import type { MastodonAccount } from "./account";

export interface MastodonCollectionItem {
  id: string;
  account_id?: string;
  state: CollectionItemState;
  created_at: string;
}

export interface MastodonCollection {
  id: string;
  uri: string;
  url: string | null;
  name: string;
  description: string;
  language: string | null;
  account_id: string;
  local: boolean;
  sensitive: boolean;
  discoverable: boolean;
  item_count: number;
  tag: { name: string; url: string } | null;
  items: MastodonCollectionItem[];
  created_at: string;
  updated_at: string;
}

export interface CollectionItemView {
  id: number;
  accountId: number;
  state: CollectionItemState;
  createdAt: number;
}

export interface CollectionView {
  id: number;
  accountId: number;
  ownerUsername: string;
  name: string;
  description: string;
  language: string | null;
  sensitive: boolean;
  discoverable: boolean;
  /** Every item row, whatever its state (Mastodon's counter cache). */
  itemCount: number;
  tag: { name: string; displayName: string } | null;
  /** The items this viewer may see, in position order. */
  items: CollectionItemView[];
  createdAt: number;
  updatedAt: number;
}

export function serializeCollectionItem(item: CollectionItemView): MastodonCollectionItem {
  const out: MastodonCollectionItem = {
    id: String(item.id),
    state: item.state,
    created_at: new Date(item.createdAt).toISOString(),
  };
  if (item.state === "pending" || item.state === "accepted") out.account_id = String(item.accountId);
  return out;
}

/** The collection's ActivityPub id, under its owner's actor as Mastodon mints it. */
export function collectionUri(config: Config, ownerUsername: string, id: number): string {
  return `${actorUri(config, ownerUsername)}/collections/${id}`;
}

export function serializeCollection(config: Config, c: CollectionView): MastodonCollection {
  return {
    id: String(c.id),
    uri: collectionUri(config, c.ownerUsername, c.id),
    // Petrel's web interface has no collection page to link to.
    url: null,
    name: c.name,
    description: c.description,
    language: c.language,
    account_id: String(c.accountId),
    local: true,
    sensitive: c.sensitive,
    discoverable: c.discoverable,
    item_count: c.itemCount,
    tag: c.tag ? { name: c.tag.displayName, url: tagUrl(config, c.tag.name) } : null,
    items: c.items.map(serializeCollectionItem),
    created_at: new Date(c.createdAt).toISOString(),
    updated_at: new Date(c.updatedAt).toISOString(),
  };
}

export function serializeCollectionWithAccounts(
  config: Config,
  c: CollectionView,
  accounts: MastodonAccount[],
): { accounts: MastodonAccount[]; collection: MastodonCollection } {
  return { accounts, collection: serializeCollection(config, c) };
}
