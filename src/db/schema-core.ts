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
    /** Websites allowed to credit this account (Mastodon 4.4 `attribution_domains`; ActivityPub `attributionDomains`). */
    attributionDomains: text("attribution_domains", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    memorial: integer("memorial", { mode: "boolean" }).notNull().default(false),
    suspendedAt: integer("suspended_at"),
    /**
     * "remote" when the account's own server suspended it (its actor says `suspended`): lifted when
     * the actor no longer says so. Null or "local": this server's staff, lifted only by them.
     */
    suspensionOrigin: text("suspension_origin").$type<"local" | "remote">(),
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
    // The profile directory and follow suggestions walk discoverable accounts in these orders (schema-tags.ts).
    index("accounts_directory_active").on(t.lastStatusAt).where(sql`discoverable = 1 AND suspended_at IS NULL`),
    index("accounts_directory_new").on(t.id).where(sql`discoverable = 1 AND suspended_at IS NULL`),
    index("accounts_directory_followers").on(t.followersCount).where(sql`discoverable = 1 AND suspended_at IS NULL`),
    // The cron refreshes the stalest remote actors first (src/federation/refresh-actors.ts; migration 0016).
    index("accounts_remote_fetched").on(t.fetchedAt).where(sql`domain IS NOT NULL AND suspended_at IS NULL`),
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
  /** Languages shown on public timelines and streams; absent or empty: all (services/chosen-languages.ts). */
  chosenLanguages?: string[];
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
