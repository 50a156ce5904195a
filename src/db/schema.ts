/**
 * The relational model in D1. Ids are snowflake integers (src/ids.ts); times are epoch milliseconds.
 * Booleans are stored as 0/1 integers. JSON columns hold small, bounded documents only.
 */
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export interface ProfileField {
  name: string;
  value: string;
  verified_at: string | null;
}

/** Local and remote accounts, as in Mastodon: `domain` is null for local ones. */
export const accounts = sqliteTable(
  "accounts",
  {
    id: integer("id").primaryKey(),
    username: text("username").notNull(),
    /** `lower(username)` for local accounts, `lower(username@domain)` for remote ones: the unique handle. */
    acctKey: text("acct_key").notNull(),
    /** null for local accounts. */
    domain: text("domain"),
    displayName: text("display_name").notNull().default(""),
    /** Rendered HTML bio. */
    note: text("note").notNull().default(""),
    /** The bio as the user typed it (local accounts). */
    noteSource: text("note_source").notNull().default(""),
    /** Raw profile fields as typed: [{name, value}] (local) or as received (remote). */
    fields: text("fields", { mode: "json" }).$type<ProfileField[]>().notNull().default(sql`'[]'`),
    locked: integer("locked", { mode: "boolean" }).notNull().default(false),
    bot: integer("bot", { mode: "boolean" }).notNull().default(false),
    group: integer("group", { mode: "boolean" }).notNull().default(false),
    discoverable: integer("discoverable", { mode: "boolean" }),
    indexable: integer("indexable", { mode: "boolean" }).notNull().default(false),
    hideCollections: integer("hide_collections", { mode: "boolean" }).notNull().default(false),
    /** R2 key or remote URL of the avatar; null means the served default. */
    avatar: text("avatar"),
    header: text("header"),
    /** ActivityPub id of the actor (remote) or null (local: derived from the username). */
    uri: text("uri"),
    url: text("url"),
    inboxUrl: text("inbox_url"),
    sharedInboxUrl: text("shared_inbox_url"),
    outboxUrl: text("outbox_url"),
    followersUrl: text("followers_url"),
    followingUrl: text("following_url"),
    featuredUrl: text("featured_url"),
    publicKeyPem: text("public_key_pem"),
    publicKeyId: text("public_key_id"),
    /** AES-GCM sealed PKCS#8 private key (src/crypto/secret-box.ts); local accounts only. */
    privateKeySealed: text("private_key_sealed"),
    movedToAccountId: integer("moved_to_account_id"),
    alsoKnownAs: text("also_known_as", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    memorial: integer("memorial", { mode: "boolean" }).notNull().default(false),
    suspendedAt: integer("suspended_at"),
    silencedAt: integer("silenced_at"),
    statusesCount: integer("statuses_count").notNull().default(0),
    followersCount: integer("followers_count").notNull().default(0),
    followingCount: integer("following_count").notNull().default(0),
    lastStatusAt: integer("last_status_at"),
    fetchedAt: integer("fetched_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("accounts_acct_key").on(t.acctKey),
    uniqueIndex("accounts_uri").on(t.uri),
    // Peers and domain counts read distinct domains without scanning local rows.
    index("accounts_domain").on(t.domain),
    // Key ids in GoToSocial's `/main-key` form are looked up directly.
    index("accounts_public_key_id").on(t.publicKeyId).where(sql`public_key_id IS NOT NULL`),
  ],
);

export type AccountRole = "user" | "moderator" | "admin" | "owner";

export interface UserSettings {
  defaultPrivacy?: "public" | "unlisted" | "private" | "direct";
  defaultSensitive?: boolean;
  defaultLanguage?: string | null;
  defaultQuotePolicy?: "public" | "followers" | "nobody";
  expandMedia?: "default" | "show_all" | "hide_all";
  expandSpoilers?: boolean;
  autoplayGifs?: boolean;
}

/** Local users: the sign-in side of a local account. */
export const users = sqliteTable(
  "users",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id")
      .notNull()
      .references(() => accounts.id),
    /** Lower-cased. */
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: text("role").$type<AccountRole>().notNull().default("user"),
    confirmedAt: integer("confirmed_at"),
    approved: integer("approved", { mode: "boolean" }).notNull().default(true),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    /** Why the person wants to join, when registrations need approval. */
    reason: text("reason"),
    locale: text("locale").notNull().default("en"),
    agreedAt: integer("agreed_at"),
    settings: text("settings", { mode: "json" }).$type<UserSettings>().notNull().default(sql`'{}'`),
    /** AES-GCM sealed TOTP seed; set while enabling, `otpEnabled` once confirmed. */
    otpSecretSealed: text("otp_secret_sealed"),
    otpEnabled: integer("otp_enabled", { mode: "boolean" }).notNull().default(false),
    /** SHA-256 hashes of unused recovery codes. */
    otpRecoveryHashes: text("otp_recovery_hashes", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    /** The last TOTP time step accepted, so a code is never accepted twice. */
    otpLastStep: integer("otp_last_step"),
    signUpIp: text("sign_up_ip"),
    lastSignInAt: integer("last_sign_in_at"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [uniqueIndex("users_email").on(t.email), uniqueIndex("users_account_id").on(t.accountId)],
);

export const oauthApplications = sqliteTable(
  "oauth_applications",
  {
    id: integer("id").primaryKey(),
    name: text("name").notNull(),
    website: text("website"),
    /** Newline-separated, as Mastodon stores them. */
    redirectUris: text("redirect_uris").notNull(),
    scopes: text("scopes").notNull(),
    clientId: text("client_id").notNull(),
    /** SHA-256 of the client secret; the secret itself is shown once, at creation. */
    clientSecretHash: text("client_secret_hash").notNull(),
    ownerUserId: integer("owner_user_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("oauth_applications_client_id").on(t.clientId)],
);

/** Authorization codes: single use, ten minutes. */
export const oauthAccessGrants = sqliteTable("oauth_access_grants", {
  /** SHA-256 of the code. */
  codeHash: text("code_hash").primaryKey(),
  applicationId: integer("application_id").notNull(),
  userId: integer("user_id").notNull(),
  redirectUri: text("redirect_uri").notNull(),
  scopes: text("scopes").notNull(),
  codeChallenge: text("code_challenge"),
  codeChallengeMethod: text("code_challenge_method"),
  expiresAt: integer("expires_at").notNull(),
  usedAt: integer("used_at"),
  createdAt: integer("created_at").notNull(),
});

export const oauthAccessTokens = sqliteTable(
  "oauth_access_tokens",
  {
    id: integer("id").primaryKey(),
    /** SHA-256 of the bearer token. */
    tokenHash: text("token_hash").notNull(),
    applicationId: integer("application_id").notNull(),
    /** null for client_credentials (app) tokens. */
    userId: integer("user_id"),
    scopes: text("scopes").notNull(),
    /** Sealed copy of the token so the same token can be handed out again (Mastodon reuses tokens). */
    tokenSealed: text("token_sealed").notNull(),
    revokedAt: integer("revoked_at"),
    lastUsedAt: integer("last_used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("oauth_access_tokens_hash").on(t.tokenHash),
    index("oauth_access_tokens_app_user").on(t.applicationId, t.userId),
  ],
);

/** Browser sessions for the server-rendered pages (sign-in, consent, settings, admin). */
export const webSessions = sqliteTable(
  "web_sessions",
  {
    /** SHA-256 of the session cookie value. */
    idHash: text("id_hash").primaryKey(),
    userId: integer("user_id").notNull(),
    /** Set while the password was right but the second factor is still owed. */
    pendingOtp: integer("pending_otp", { mode: "boolean" }).notNull().default(false),
    ip: text("ip"),
    userAgent: text("user_agent"),
    lastActiveAt: integer("last_active_at").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("web_sessions_user").on(t.userId)],
);

/** Fixed-window counters for rate limits, keyed by what is limited (`sign-in:ip:1.2.3.4`). */
export const rateLimits = sqliteTable("rate_limits", {
  key: text("key").primaryKey(),
  windowStart: integer("window_start").notNull(),
  count: integer("count").notNull(),
});

/** Idempotency-Key replays: the response body for an hour. */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    key: text("key").notNull(),
    userId: integer("user_id").notNull(),
    response: text("response").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/** Queue messages that exhausted their retries, kept for the operator to inspect. */
export const deadLetters = sqliteTable("dead_letters", {
  id: integer("id").primaryKey(),
  queue: text("queue").notNull(),
  body: text("body").notNull(),
  attempts: integer("attempts").notNull(),
  createdAt: integer("created_at").notNull(),
});

export type Account = typeof accounts.$inferSelect;
export type NewAccount = typeof accounts.$inferInsert;
export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
export type OauthApplication = typeof oauthApplications.$inferSelect;
export type OauthAccessToken = typeof oauthAccessTokens.$inferSelect;
export type WebSession = typeof webSessions.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Social core: statuses, relationships, notifications. Counters on statuses and accounts are kept
// by SQLite triggers (migrations/0001_*), so concurrent actions can never leave them wrong.
// ---------------------------------------------------------------------------------------------

export type Visibility = "public" | "unlisted" | "private" | "direct";

export const statuses = sqliteTable(
  "statuses",
  {
    id: integer("id").primaryKey(),
    /** ActivityPub id; null for local statuses (derived from the author and id). */
    uri: text("uri"),
    url: text("url"),
    accountId: integer("account_id").notNull(),
    /** 1 for statuses by local accounts: the local timeline reads it without a join. */
    local: integer("local", { mode: "boolean" }).notNull(),
    inReplyToId: integer("in_reply_to_id"),
    inReplyToAccountId: integer("in_reply_to_account_id"),
    /** Set on boosts: a boost is a status that points at another. */
    reblogOfId: integer("reblog_of_id"),
    /** The thread this status belongs to (the root's id); conversation mutes key on it. */
    conversationId: integer("conversation_id"),
    /** What the author typed (local statuses). */
    text: text("text").notNull().default(""),
    /** Rendered (local) or sanitized (remote) HTML. */
    content: text("content").notNull().default(""),
    spoilerText: text("spoiler_text").notNull().default(""),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull().default(false),
    visibility: text("visibility").$type<Visibility>().notNull(),
    language: text("language"),
    applicationId: integer("application_id"),
    pollId: integer("poll_id"),
    mediaCount: integer("media_count").notNull().default(0),
    repliesCount: integer("replies_count").notNull().default(0),
    reblogsCount: integer("reblogs_count").notNull().default(0),
    favouritesCount: integer("favourites_count").notNull().default(0),
    editedAt: integer("edited_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("statuses_uri").on(t.uri),
    index("statuses_account_id").on(t.accountId, t.id),
    index("statuses_in_reply_to_id").on(t.inReplyToId),
    index("statuses_reblog_of_id").on(t.reblogOfId, t.accountId),
    index("statuses_conversation_id").on(t.conversationId),
    // The public timelines walk these partial indexes newest-first and stop after a page.
    index("statuses_public_timeline").on(t.id, t.local).where(sql`visibility = 'public' AND reblog_of_id IS NULL`),
  ],
);

/** Every revision of an edited status, oldest first; the current text is the last one. */
export const statusEdits = sqliteTable(
  "status_edits",
  {
    id: integer("id").primaryKey(),
    statusId: integer("status_id").notNull(),
    accountId: integer("account_id").notNull(),
    text: text("text").notNull(),
    content: text("content").notNull(),
    spoilerText: text("spoiler_text").notNull(),
    sensitive: integer("sensitive", { mode: "boolean" }).notNull(),
    /** Poll option titles at this revision, if the status had a poll. */
    pollOptions: text("poll_options", { mode: "json" }).$type<string[] | null>(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("status_edits_status_id").on(t.statusId, t.id)],
);

export const mentions = sqliteTable(
  "mentions",
  {
    statusId: integer("status_id").notNull(),
    accountId: integer("account_id").notNull(),
    /** Silent mentions address without notifying (Mastodon's `silent`). */
    silent: integer("silent", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.statusId, t.accountId] }), index("mentions_account_id").on(t.accountId, t.statusId)],
);

export const tags = sqliteTable(
  "tags",
  {
    id: integer("id").primaryKey(),
    /** Lower-cased, NFKC-normalized: the key. */
    name: text("name").notNull(),
    /** As first written, for display. */
    displayName: text("display_name").notNull(),
    lastStatusAt: integer("last_status_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("tags_name").on(t.name)],
);

export const statusTags = sqliteTable(
  "status_tags",
  {
    statusId: integer("status_id").notNull(),
    tagId: integer("tag_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.statusId, t.tagId] }), index("status_tags_tag_id").on(t.tagId, t.statusId)],
);

export const follows = sqliteTable(
  "follows",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    showReblogs: integer("show_reblogs", { mode: "boolean" }).notNull().default(true),
    notify: integer("notify", { mode: "boolean" }).notNull().default(false),
    languages: text("languages", { mode: "json" }).$type<string[] | null>(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("follows_pair").on(t.accountId, t.targetAccountId),
    index("follows_target").on(t.targetAccountId, t.accountId),
    // Following/followers pages walk these by follow id instead of sorting every follow.
    index("follows_account_page").on(t.accountId, t.id),
    index("follows_target_page").on(t.targetAccountId, t.id),
  ],
);

export const followRequests = sqliteTable(
  "follow_requests",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    showReblogs: integer("show_reblogs", { mode: "boolean" }).notNull().default(true),
    notify: integer("notify", { mode: "boolean" }).notNull().default(false),
    languages: text("languages", { mode: "json" }).$type<string[] | null>(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("follow_requests_pair").on(t.accountId, t.targetAccountId),
    index("follow_requests_target").on(t.targetAccountId, t.id),
  ],
);

export const blocks = sqliteTable(
  "blocks",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("blocks_pair").on(t.accountId, t.targetAccountId), index("blocks_target").on(t.targetAccountId)],
);

export const mutes = sqliteTable(
  "mutes",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    hideNotifications: integer("hide_notifications", { mode: "boolean" }).notNull().default(true),
    expiresAt: integer("expires_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("mutes_pair").on(t.accountId, t.targetAccountId)],
);

/** Private notes a user keeps on other accounts (Relationship.note). */
export const accountNotes = sqliteTable(
  "account_notes",
  {
    accountId: integer("account_id").notNull(),
    targetAccountId: integer("target_account_id").notNull(),
    comment: text("comment").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.targetAccountId] })],
);

/** A user's own domain blocks (`/api/v1/domain_blocks`). */
export const accountDomainBlocks = sqliteTable(
  "account_domain_blocks",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    domain: text("domain").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("account_domain_blocks_pair").on(t.accountId, t.domain)],
);

export const favourites = sqliteTable(
  "favourites",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    statusId: integer("status_id").notNull(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("favourites_pair").on(t.accountId, t.statusId), index("favourites_status_id").on(t.statusId, t.id)],
);

export const bookmarks = sqliteTable(
  "bookmarks",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    statusId: integer("status_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("bookmarks_pair").on(t.accountId, t.statusId), index("bookmarks_status_id").on(t.statusId)],
);

export const statusPins = sqliteTable(
  "status_pins",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    statusId: integer("status_id").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("status_pins_pair").on(t.accountId, t.statusId), index("status_pins_status_id").on(t.statusId)],
);

export const conversationMutes = sqliteTable(
  "conversation_mutes",
  {
    accountId: integer("account_id").notNull(),
    conversationId: integer("conversation_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.conversationId] })],
);

export interface PollOption {
  title: string;
}

export const polls = sqliteTable(
  "polls",
  {
    id: integer("id").primaryKey(),
    statusId: integer("status_id").notNull(),
    accountId: integer("account_id").notNull(),
    options: text("options", { mode: "json" }).$type<PollOption[]>().notNull(),
    /** Votes per option, same order as `options` (kept by trigger for local votes). */
    tallies: text("tallies", { mode: "json" }).$type<number[]>().notNull(),
    multiple: integer("multiple", { mode: "boolean" }).notNull().default(false),
    hideTotals: integer("hide_totals", { mode: "boolean" }).notNull().default(false),
    votesCount: integer("votes_count").notNull().default(0),
    votersCount: integer("voters_count").notNull().default(0),
    expiresAt: integer("expires_at"),
    /** Set once the "poll ended" notifications went out. */
    endedNotifiedAt: integer("ended_notified_at"),
    lastFetchedAt: integer("last_fetched_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("polls_status_id").on(t.statusId),
    index("polls_expires_at").on(t.expiresAt),
    // notifyEndedPolls walks only the polls still owed their "ended" notifications.
    index("polls_ended_unnotified").on(t.expiresAt).where(sql`ended_notified_at IS NULL`),
  ],
);

export const pollVotes = sqliteTable(
  "poll_votes",
  {
    id: integer("id").primaryKey(),
    pollId: integer("poll_id").notNull(),
    accountId: integer("account_id").notNull(),
    choice: integer("choice").notNull(),
    uri: text("uri"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("poll_votes_choice").on(t.pollId, t.accountId, t.choice), index("poll_votes_account").on(t.accountId)],
);

export type NotificationType =
  | "mention"
  | "status"
  | "reblog"
  | "follow"
  | "follow_request"
  | "favourite"
  | "poll"
  | "update"
  | "admin.sign_up"
  | "admin.report";

export const notifications = sqliteTable(
  "notifications",
  {
    id: integer("id").primaryKey(),
    /** The recipient (a local account). */
    accountId: integer("account_id").notNull(),
    fromAccountId: integer("from_account_id").notNull(),
    type: text("type").$type<NotificationType>().notNull(),
    statusId: integer("status_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("notifications_account_id").on(t.accountId, t.id),
    // One notification per (recipient, type, actor, status): replays of the same action add nothing.
    // (status-less ones, like follows, have a NULL status_id and are not deduplicated.)
    uniqueIndex("notifications_dedupe").on(t.accountId, t.type, t.fromAccountId, t.statusId),
    index("notifications_status_id").on(t.statusId),
  ],
);

export const markers = sqliteTable(
  "markers",
  {
    accountId: integer("account_id").notNull(),
    timeline: text("timeline").$type<"home" | "notifications">().notNull(),
    lastReadId: text("last_read_id").notNull(),
    version: integer("version").notNull().default(0),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.timeline] })],
);

export const scheduledStatuses = sqliteTable(
  "scheduled_statuses",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    scheduledAt: integer("scheduled_at").notNull(),
    /** The POST /api/v1/statuses params, validated, as the ScheduledStatus entity shows them. */
    params: text("params", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    applicationId: integer("application_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("scheduled_statuses_due").on(t.scheduledAt), index("scheduled_statuses_account").on(t.accountId, t.id)],
);

export const lists = sqliteTable(
  "lists",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    title: text("title").notNull(),
    repliesPolicy: text("replies_policy").$type<"followed" | "list" | "none">().notNull().default("list"),
    exclusive: integer("exclusive", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("lists_account_id").on(t.accountId)],
);

export const listAccounts = sqliteTable(
  "list_accounts",
  {
    listId: integer("list_id").notNull(),
    accountId: integer("account_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.listId, t.accountId] }), index("list_accounts_account").on(t.accountId)],
);

export type Status = typeof statuses.$inferSelect;
export type NewStatus = typeof statuses.$inferInsert;
export type Poll = typeof polls.$inferSelect;
export type Notification = typeof notifications.$inferSelect;
export type Follow = typeof follows.$inferSelect;

// ---------------------------------------------------------------------------------------------
// Media and federation groundwork.
// ---------------------------------------------------------------------------------------------

export type MediaType = "image" | "gifv" | "video" | "audio" | "unknown";

export interface MediaMeta {
  original?: Record<string, number | string>;
  small?: Record<string, number | string>;
  focus?: { x: number; y: number };
  [key: string]: unknown;
}

export const mediaAttachments = sqliteTable(
  "media_attachments",
  {
    id: integer("id").primaryKey(),
    accountId: integer("account_id").notNull(),
    /** null until attached to a status. */
    statusId: integer("status_id"),
    type: text("type").$type<MediaType>().notNull(),
    /** R2 key of the stored original (local) or cached copy (remote); null for uncached remote media. */
    fileKey: text("file_key"),
    /** R2 key of the preview image. */
    previewKey: text("preview_key"),
    contentType: text("content_type"),
    fileSize: integer("file_size"),
    /** Where a remote attachment lives; null for local uploads. */
    remoteUrl: text("remote_url"),
    description: text("description"),
    blurhash: text("blurhash"),
    meta: text("meta", { mode: "json" }).$type<MediaMeta>().notNull().default(sql`'{}'`),
    /** Position within the status (0-3). */
    position: integer("position").notNull().default(0),
    /** Set when processing finished; null while a 202 upload is still being processed. */
    processedAt: integer("processed_at"),
    /** Remote cache bookkeeping: when the cached copy was last served. */
    lastAccessedAt: integer("last_accessed_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("media_attachments_status_id").on(t.statusId, t.position),
    index("media_attachments_account_unattached").on(t.accountId, t.createdAt).where(sql`status_id IS NULL`),
    index("media_attachments_remote_access").on(t.lastAccessedAt).where(sql`remote_url IS NOT NULL AND file_key IS NOT NULL`),
  ],
);

/** Instance-wide settings and generated secrets (instance actor keys, VAPID keys), one row each. */
export const instanceSettings = sqliteTable("instance_settings", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Inbound activity ids already accepted, so a replayed activity is not applied twice. */
export const inboxActivities = sqliteTable(
  "inbox_activities",
  {
    activityId: text("activity_id").primaryKey(),
    actorUri: text("actor_uri").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("inbox_activities_received_at").on(t.receivedAt)],
);

/** Delivery failures per remote domain and day: seven distinct failing days stop delivery. */
export const deliveryFailures = sqliteTable(
  "delivery_failures",
  {
    domain: text("domain").notNull(),
    /** UTC day, YYYY-MM-DD. */
    day: text("day").notNull(),
    count: integer("count").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.domain, t.day] })],
);

/** Per-origin facts learned while federating (for example: needs RFC 9421 signatures). */
export const remoteOrigins = sqliteTable("remote_origins", {
  origin: text("origin").primaryKey(),
  signatureStyle: text("signature_style").$type<"cavage" | "rfc9421">().notNull().default("cavage"),
  /** Set while delivery to this domain is stopped (failed on 7 distinct days); cleared when it answers. */
  unavailableSince: integer("unavailable_since"),
  updatedAt: integer("updated_at").notNull(),
});

export type MediaAttachment = typeof mediaAttachments.$inferSelect;
