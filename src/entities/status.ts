/**
 * Status, StatusEdit and StatusSource entities: the only place their JSON is built. Input is a
 * `StatusBundle` (src/services/hydrate.ts loads them in bulk; posting builds one in memory).
 */
import type { Config } from "../config";
import type { Account, AccountRole, MediaAttachment, Poll, Status } from "../db/schema";
import type { PreviewCard } from "../db/schema-surface";
import { tagUrl } from "../text/status-text";
import { profileUrl } from "../urls";
import { isoDate } from "../util/time";
import { accountAcct, type MastodonAccount, serializeAccount } from "./account";
import type { MastodonCustomEmoji } from "./instance";
import type { MastodonMediaAttachment } from "./media-attachment";
import { type MastodonPoll, serializePoll } from "./poll";
import { type MastodonPreviewCard, serializePreviewCard } from "./preview-card";
import {
  type MastodonQuote,
  type MastodonQuoteApproval,
  type MastodonShallowQuote,
  type QuoteView,
  serializeQuote,
  serializeQuoteApproval,
} from "./quote";

export interface ViewerFlags {
  favourited: boolean;
  reblogged: boolean;
  bookmarked: boolean;
  pinned: boolean;
  muted: boolean;
}

export interface StatusBundle {
  status: Status;
  account: Account;
  role: AccountRole | undefined;
  /** Accounts mentioned (not silently), in a stable order. */
  mentions: Account[];
  /** Normalized tag names. */
  tags: string[];
  poll: Poll | null;
  /** The viewer's choices in `poll`. */
  ownVotes: number[];
  application: { name: string; website: string | null } | null;
  /** null for anonymous requests. */
  flags: ViewerFlags | null;
  reblog: StatusBundle | null;
  /** Attachment rows in position order, loaded with the bundle; absent means none. */
  mediaRows?: MediaAttachment[];
  /** Attachments in position order; absent means none. */
  media?: MastodonMediaAttachment[];
  /** The link preview (src/services/preview-cards.ts); absent means none. */
  card?: PreviewCard;
  /** Custom emoji in the text and in the author's name and bio (src/services/custom-emoji-hydrate.ts). */
  emojis?: MastodonCustomEmoji[];
  accountEmojis?: MastodonCustomEmoji[];
  /** The status's quote as the viewer may see it (src/services/quotes/hydrate-quotes.ts); absent: none. */
  quote?: QuoteView<StatusBundle> | undefined;
  /** Whether the viewer follows the author, where the quote policy asks (QuoteApproval.current_user). */
  viewerFollowsAuthor?: boolean;
}

export interface MastodonStatusMention {
  id: string;
  username: string;
  url: string;
  acct: string;
}

export interface MastodonStatus {
  id: string;
  uri: string;
  url: string | null;
  created_at: string;
  edited_at: string | null;
  account: MastodonAccount;
  content: string;
  visibility: Status["visibility"];
  sensitive: boolean;
  spoiler_text: string;
  media_attachments: MastodonMediaAttachment[];
  mentions: MastodonStatusMention[];
  tags: Array<{ name: string; url: string }>;
  emojis: MastodonCustomEmoji[];
  reblogs_count: number;
  favourites_count: number;
  replies_count: number;
  reblog: MastodonStatus | null;
  poll: MastodonPoll | null;
  card: MastodonPreviewCard | null;
  application: { name: string; website: string | null } | null;
  language: string | null;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  /** Always set by serializeStatus; optional so hand-built entities (tests, streams) stay valid. */
  quote?: MastodonQuote<MastodonStatus> | MastodonShallowQuote | null;
  quote_approval?: MastodonQuoteApproval;
  quotes_count?: number;
  text?: string;
  filtered?: unknown[];
  favourited?: boolean;
  reblogged?: boolean;
  muted?: boolean;
  bookmarked?: boolean;
  pinned?: boolean;
}

/** ActivityPub id of a local status; boosts are `…/activity` like Mastodon's Announce ids. */
export function localStatusUri(config: Config, username: string, status: Pick<Status, "id" | "reblogOfId">): string {
  const base = `${config.baseUrl}/users/${username}/statuses/${status.id}`;
  return status.reblogOfId === null ? base : `${base}/activity`;
}

export function localStatusUrl(config: Config, username: string, statusId: number): string {
  return `${profileUrl(config, username)}/${statusId}`;
}

export function mentionJson(config: Config, account: Account): MastodonStatusMention {
  return {
    id: String(account.id),
    username: account.username,
    url: account.url ?? (account.domain === null ? profileUrl(config, account.username) : (account.uri ?? "")),
    acct: accountAcct(account),
  };
}

export interface SerializeOptions {
  viewerId: number | null;
  now?: number;
  /** Include `text` (the source), as the delete response does for delete-and-redraft. */
  source?: boolean;
}

export function serializeStatus(config: Config, bundle: StatusBundle, options: SerializeOptions): MastodonStatus {
  const { status, account } = bundle;
  const now = options.now ?? Date.now();
  const local = account.domain === null;
  const json: MastodonStatus = {
    id: String(status.id),
    uri: status.uri ?? localStatusUri(config, account.username, status),
    url: status.url ?? (local ? localStatusUrl(config, account.username, status.id) : status.uri),
    created_at: isoDate(status.createdAt),
    edited_at: status.editedAt === null ? null : isoDate(status.editedAt),
    account: serializeAccount(config, account, { role: bundle.role, emojis: bundle.accountEmojis }),
    content: status.content,
    visibility: status.visibility,
    sensitive: status.sensitive,
    spoiler_text: status.spoilerText,
    media_attachments: bundle.media ?? [],
    mentions: bundle.mentions.map((a) => mentionJson(config, a)),
    tags: bundle.tags.map((name) => ({ name, url: tagUrl(config, name) })),
    emojis: bundle.emojis ?? [],
    reblogs_count: status.reblogsCount,
    favourites_count: status.favouritesCount,
    replies_count: status.repliesCount,
    reblog: bundle.reblog ? serializeStatus(config, bundle.reblog, { ...options, source: false }) : null,
    poll: bundle.poll ? serializePoll(bundle.poll, { viewerId: options.viewerId, ownVotes: bundle.ownVotes, now }) : null,
    card: bundle.card ? serializePreviewCard(bundle.card) : null,
    application: bundle.application,
    language: status.language,
    in_reply_to_id: status.inReplyToId === null ? null : String(status.inReplyToId),
    in_reply_to_account_id: status.inReplyToAccountId === null ? null : String(status.inReplyToAccountId),
    quote: bundle.quote ? serializeQuote(bundle.quote, (q) => serializeStatus(config, q, { ...options, source: false })) : null,
    quote_approval: serializeQuoteApproval(status, options.viewerId, bundle.viewerFollowsAuthor === true),
    quotes_count: status.quotesCount,
  };
  if (options.source) json.text = status.text;
  if (options.viewerId !== null && bundle.flags) {
    json.filtered = [];
    json.favourited = bundle.flags.favourited;
    json.reblogged = bundle.flags.reblogged;
    json.muted = bundle.flags.muted;
    json.bookmarked = bundle.flags.bookmarked;
    // Mastodon only says whether a status is pinned to its own author, and only for pinnable ones.
    if (options.viewerId === status.accountId && status.reblogOfId === null && status.visibility !== "direct") {
      json.pinned = bundle.flags.pinned;
    }
  }
  return json;
}

export interface StatusRevision {
  text: string;
  content: string;
  spoilerText: string;
  sensitive: boolean;
  pollOptions: string[] | null;
  createdAt: number;
}

export interface MastodonStatusEdit {
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  created_at: string;
  account: MastodonAccount;
  poll: { options: Array<{ title: string }> } | null;
  media_attachments: unknown[];
  emojis: unknown[];
}

export function serializeStatusEdit(
  config: Config,
  revision: StatusRevision,
  account: Account,
  role: AccountRole | undefined,
): MastodonStatusEdit {
  return {
    content: revision.content,
    spoiler_text: revision.spoilerText,
    sensitive: revision.sensitive,
    created_at: isoDate(revision.createdAt),
    account: serializeAccount(config, account, { role }),
    poll: revision.pollOptions ? { options: revision.pollOptions.map((title) => ({ title })) } : null,
    media_attachments: [],
    emojis: [],
  };
}

export function serializeStatusSource(status: Pick<Status, "id" | "text" | "spoilerText">): {
  id: string;
  text: string;
  spoiler_text: string;
} {
  return { id: String(status.id), text: status.text, spoiler_text: status.spoilerText };
}
