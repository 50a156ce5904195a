/** Account and CredentialAccount entities: the only place their JSON is built. */
import type { Config } from "../config";
import type { Account, AccountRole, User } from "../db/schema";
import { isRemoteUrl, type ProxyKind, proxyUrl } from "../media/remote/urls";
import { staticKey } from "../media/store";
import { escapeHtml, linkify } from "../text/html";
import { actorUri, defaultAvatarUrl, defaultHeaderUrl, mediaUrl, profileUrl } from "../urls";
import { dayDate, isoDate } from "../util/time";
import type { MastodonCustomEmoji } from "./instance";

export interface MastodonField {
  name: string;
  value: string;
  verified_at: string | null;
}

export interface MastodonRole {
  id: string;
  name: string;
  permissions: string;
  color: string;
  highlighted: boolean;
}

export interface MastodonAccount {
  id: string;
  username: string;
  acct: string;
  url: string;
  uri: string;
  display_name: string;
  note: string;
  avatar: string;
  avatar_static: string;
  header: string;
  header_static: string;
  locked: boolean;
  bot: boolean;
  group: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  hide_collections: boolean;
  noindex: boolean;
  memorial: boolean;
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
  emojis: MastodonCustomEmoji[];
  fields: MastodonField[];
  roles: Array<Pick<MastodonRole, "id" | "name" | "color">>;
  moved?: MastodonAccount | null;
}

export interface MastodonCredentialAccount extends MastodonAccount {
  source: {
    privacy: string;
    sensitive: boolean;
    language: string | null;
    note: string;
    fields: MastodonField[];
    follow_requests_count: number;
    hide_collections: boolean;
    discoverable: boolean | null;
    indexable: boolean;
    attribution_domains: string[];
    quote_policy: string;
  };
  role: MastodonRole;
}

/** Mastodon's built-in roles, as the `role` entity shows them. */
export const ROLES: Record<AccountRole, MastodonRole> = {
  user: { id: "-99", name: "", permissions: "65536", color: "", highlighted: false },
  moderator: { id: "1", name: "Moderator", permissions: "1308", color: "", highlighted: true },
  admin: { id: "2", name: "Admin", permissions: "983036", color: "", highlighted: true },
  owner: { id: "3", name: "Owner", permissions: "1048575", color: "", highlighted: true },
};

function imageUrl(config: Config, stored: string | null, fallback: string, remote: { kind: ProxyKind; id: number }): string {
  if (!stored) return fallback;
  // Remote avatars and headers go through our cache (src/media/remote/), never hot-linked.
  return isRemoteUrl(stored) ? proxyUrl(config, remote.kind, remote.id, stored) : mediaUrl(config, stored);
}

/** The still version: an animated GIF we stored has a PNG of its first frame beside it. */
function staticImageUrl(config: Config, stored: string | null, main: string): string {
  const still = stored && !isRemoteUrl(stored) ? staticKey(stored) : undefined;
  return still ? mediaUrl(config, still) : main;
}

export function accountAcct(account: Account): string {
  return account.domain ? `${account.username}@${account.domain}` : account.username;
}

export function serializeAccount(
  config: Config,
  account: Account,
  options: { role?: AccountRole; emojis?: MastodonCustomEmoji[]; moved?: MastodonAccount } = {},
): MastodonAccount {
  const local = account.domain === null;
  const avatar = imageUrl(config, account.avatar, defaultAvatarUrl(config), { kind: "avatars", id: account.id });
  const header = imageUrl(config, account.header, defaultHeaderUrl(config), { kind: "headers", id: account.id });
  // Mastodon shows accounts as created at midnight of their creation day.
  const created = new Date(account.createdAt);
  created.setUTCHours(0, 0, 0, 0);
  const role = options.role && options.role !== "user" ? ROLES[options.role] : undefined;
  return {
    id: String(account.id),
    username: account.username,
    acct: accountAcct(account),
    url: account.url ?? (local ? profileUrl(config, account.username) : (account.uri ?? "")),
    uri: account.uri ?? actorUri(config, account.username),
    display_name: account.displayName,
    note: account.note,
    avatar,
    avatar_static: staticImageUrl(config, account.avatar, avatar),
    header,
    header_static: staticImageUrl(config, account.header, header),
    locked: account.locked,
    bot: account.bot,
    group: account.group,
    discoverable: account.discoverable,
    indexable: account.indexable,
    hide_collections: account.hideCollections,
    noindex: !account.indexable,
    memorial: account.memorial,
    created_at: isoDate(created.getTime()),
    last_status_at: account.lastStatusAt === null ? null : dayDate(account.lastStatusAt),
    statuses_count: account.statusesCount,
    followers_count: account.followersCount,
    following_count: account.followingCount,
    // Custom emoji in the display name and bio (src/services/custom-emoji-hydrate.ts loads them).
    emojis: options.emojis ?? [],
    fields: account.fields.map((f) => ({
      name: escapeHtml(f.name),
      value: local ? linkify(f.value) : f.value,
      verified_at: f.verified_at,
    })),
    roles: role ? [{ id: role.id, name: role.name, color: role.color }] : [],
    // Mastodon's `moved` (the account it moved to), present only on an account that moved and only
    // where the caller loaded it: the account endpoints, not accounts nested in statuses.
    ...(options.moved ? { moved: options.moved } : {}),
  };
}

export function serializeCredentialAccount(
  config: Config,
  account: Account,
  user: User,
  extra: { followRequestsCount?: number; emojis?: MastodonCustomEmoji[] } = {},
): MastodonCredentialAccount {
  const base = serializeAccount(config, account, { role: user.role, emojis: extra.emojis });
  return {
    ...base,
    source: {
      privacy: user.settings.defaultPrivacy ?? "public",
      sensitive: user.settings.defaultSensitive ?? false,
      language: user.settings.defaultLanguage ?? null,
      note: account.noteSource,
      fields: account.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verified_at })),
      follow_requests_count: extra.followRequestsCount ?? 0,
      hide_collections: account.hideCollections,
      discoverable: account.discoverable,
      indexable: account.indexable,
      attribution_domains: account.attributionDomains,
      quote_policy: user.settings.defaultQuotePolicy ?? "public",
    },
    role: ROLES[user.role],
  };
}
