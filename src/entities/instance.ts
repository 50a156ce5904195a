/**
 * Instance entities (v1 and v2), rules, extended description, weekly activity, preferences, custom
 * emoji, and the nodeinfo documents: the only place their JSON is built.
 *
 * The limits below are what Petrel advertises to clients; the services that accept statuses, polls,
 * media and featured tags must enforce the same numbers, so they import them from here.
 */
import type { Config } from "../config";
import type { UserSettings } from "../db/schema";
import type { ContactAccount, InstanceStats, UserCounts, WeeklyActivity } from "../services/instance-stats";
import { plainTextToHtml } from "../text/html";
import { instanceThumbnailUrl } from "../urls";
import { unixSeconds } from "../util/time";
import { API_VERSION_MASTODON, HOMEPAGE_URL, PETREL_VERSION, SOFTWARE_NAME, SOURCE_URL, VERSION_STRING } from "../version";
import { THUMBNAIL_BLURHASH, THUMBNAIL_SIZE } from "../web/instance-thumbnail";
import { type MastodonAccount, serializeAccount } from "./account";

/** Mastodon's defaults, unchanged. */
export const ACCOUNT_LIMITS = { max_featured_tags: 10, max_pinned_statuses: 5 } as const;
export const STATUS_LIMITS = { max_characters: 500, max_media_attachments: 4, characters_reserved_per_url: 23 } as const;
export const POLL_LIMITS = {
  max_options: 4,
  max_characters_per_option: 50,
  min_expiration: 300,
  max_expiration: 2629746,
} as const;
export const MEDIA_LIMITS = {
  supported_mime_types: [
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/avif",
    "video/webm",
    "video/mp4",
    "video/quicktime",
    "video/ogg",
    "audio/wave",
    "audio/wav",
    "audio/x-wav",
    "audio/x-pn-wave",
    "audio/vnd.wave",
    "audio/ogg",
    "audio/vorbis",
    "audio/mpeg",
    "audio/mp3",
    "audio/webm",
    "audio/flac",
    "audio/aac",
    "audio/m4a",
    "audio/x-m4a",
    "audio/mp4",
    "audio/3gpp",
  ],
  description_limit: 1500,
  image_size_limit: 16777216,
  // What the WASM decoders can hold in a Worker's 128 MB (a 12 MP baseline JPEG peaks near 103 MB);
  // clients downscale to this before uploading. Mastodon advertises 33 MP with native tools.
  image_matrix_limit: 12_000_000,
  video_size_limit: 103809024,
  video_frame_rate_limit: 120,
  video_matrix_limit: 8294400,
} as const;

export const INSTANCE_LANGUAGES = ["en"];

type Access = "public" | "authenticated" | "disabled";

export interface MastodonRule {
  id: string;
  text: string;
  hint: string;
}

export interface MastodonInstanceConfiguration {
  urls: {
    streaming: string;
    status: string | null;
    about: string;
    privacy_policy: string;
    terms_of_service: string | null;
  };
  vapid: { public_key: string };
  accounts: typeof ACCOUNT_LIMITS;
  statuses: typeof STATUS_LIMITS;
  media_attachments: typeof MEDIA_LIMITS;
  polls: typeof POLL_LIMITS;
  translation: { enabled: boolean };
  timelines_access: Record<"live_feeds" | "hashtag_feeds" | "trending_link_feeds", { local: Access; remote: Access }>;
  limited_federation: boolean;
}

export interface MastodonInstance {
  domain: string;
  title: string;
  version: string;
  source_url: string;
  description: string;
  usage: { users: { active_month: number } };
  thumbnail: { url: string; blurhash: string; versions: Record<string, string> };
  icon: Array<{ src: string; size: string }>;
  languages: string[];
  configuration: MastodonInstanceConfiguration;
  registrations: {
    enabled: boolean;
    approval_required: boolean;
    message: string | null;
    url: string | null;
    min_age: number | null;
    reason_required: boolean;
  };
  api_versions: { mastodon: number };
  contact: { email: string; account: MastodonAccount | null };
  rules: MastodonRule[];
}

export interface MastodonV1Instance {
  uri: string;
  title: string;
  short_description: string;
  description: string;
  email: string;
  version: string;
  urls: { streaming_api: string };
  stats: { user_count: number; status_count: number; domain_count: number };
  thumbnail: string;
  languages: string[];
  registrations: boolean;
  approval_required: boolean;
  invites_enabled: boolean;
  configuration: {
    accounts: typeof ACCOUNT_LIMITS;
    statuses: typeof STATUS_LIMITS;
    media_attachments: typeof MEDIA_LIMITS;
    polls: typeof POLL_LIMITS;
  };
  contact_account: MastodonAccount | null;
  rules: MastodonRule[];
}

export interface MastodonExtendedDescription {
  updated_at: string;
  content: string;
}

export interface MastodonActivityWeek {
  week: string;
  statuses: string;
  logins: string;
  registrations: string;
}

export interface MastodonPreferences {
  "posting:default:visibility": "public" | "unlisted" | "private" | "direct";
  "posting:default:sensitive": boolean;
  "posting:default:language": string | null;
  "posting:default:quote_policy": "public" | "followers" | "nobody";
  "reading:expand:media": "default" | "show_all" | "hide_all";
  "reading:expand:spoilers": boolean;
  "reading:autoplay:gifs": boolean;
}

export interface MastodonCustomEmoji {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
  category: string | null;
}

export interface MastodonDomainBlock {
  domain: string;
  digest: string;
  severity: "silence" | "suspend";
  comment: string | null;
}

/** `wss://WEB_DOMAIN` (plain `ws://` in local development): streaming is served on the API host. */
export function streamingUrl(config: Config): string {
  return `${config.scheme === "https" ? "wss" : "ws"}://${config.webDomain}`;
}

/** Rule ids are their 1-based position: stable as long as the operator appends rules. */
export function serializeRules(config: Config): MastodonRule[] {
  return config.rules.map((text, i) => ({ id: String(i + 1), text, hint: "" }));
}

function contactAccountJson(config: Config, contact: ContactAccount | undefined): MastodonAccount | null {
  return contact ? serializeAccount(config, contact.account, { role: contact.role }) : null;
}

function configuration(config: Config, vapidPublicKey = ""): MastodonInstanceConfiguration {
  return {
    urls: {
      streaming: streamingUrl(config),
      status: null,
      about: `${config.baseUrl}/about`,
      privacy_policy: `${config.baseUrl}/privacy-policy`,
      terms_of_service: null,
    },
    // The instance's Web Push key (src/push/vapid.ts); empty would tell clients push is unavailable.
    vapid: { public_key: vapidPublicKey },
    accounts: ACCOUNT_LIMITS,
    statuses: STATUS_LIMITS,
    media_attachments: MEDIA_LIMITS,
    polls: POLL_LIMITS,
    translation: { enabled: false },
    // Mastodon's defaults: every feed readable without signing in.
    timelines_access: {
      live_feeds: { local: "public", remote: "public" },
      hashtag_feeds: { local: "public", remote: "public" },
      trending_link_feeds: { local: "public", remote: "public" },
    },
    limited_federation: false,
  };
}

/** `GET /api/v2/instance`. */
export function serializeInstance(
  config: Config,
  data: { users: UserCounts; contact: ContactAccount | undefined; vapidPublicKey?: string },
): MastodonInstance {
  const thumbnail = instanceThumbnailUrl(config);
  return {
    domain: config.localDomain,
    title: config.title,
    version: VERSION_STRING,
    source_url: SOURCE_URL,
    description: config.description,
    usage: { users: { active_month: data.users.activeMonth } },
    thumbnail: { url: thumbnail, blurhash: THUMBNAIL_BLURHASH, versions: {} },
    icon: [{ src: thumbnail, size: THUMBNAIL_SIZE }],
    languages: INSTANCE_LANGUAGES,
    configuration: configuration(config, data.vapidPublicKey),
    registrations: {
      enabled: config.registrationsMode !== "closed",
      approval_required: config.registrationsMode === "approval",
      message: null,
      url: null,
      min_age: null,
      reason_required: false,
    },
    api_versions: { mastodon: API_VERSION_MASTODON },
    contact: { email: config.contactEmail, account: contactAccountJson(config, data.contact) },
    rules: serializeRules(config),
  };
}

/** `GET /api/v1/instance`: the pre-4.0 shape, still fetched as a fallback and by megalodon. */
export function serializeV1Instance(
  config: Config,
  data: { stats: InstanceStats; contact: ContactAccount | undefined },
): MastodonV1Instance {
  const full = configuration(config);
  return {
    uri: config.localDomain,
    title: config.title,
    short_description: config.description,
    description: config.description,
    email: config.contactEmail,
    version: VERSION_STRING,
    urls: { streaming_api: full.urls.streaming },
    stats: {
      user_count: data.stats.users.total,
      status_count: data.stats.localPosts,
      domain_count: data.stats.domainCount,
    },
    thumbnail: instanceThumbnailUrl(config),
    languages: INSTANCE_LANGUAGES,
    registrations: config.registrationsMode !== "closed",
    approval_required: config.registrationsMode === "approval",
    invites_enabled: false,
    configuration: {
      accounts: full.accounts,
      statuses: full.statuses,
      media_attachments: full.media_attachments,
      polls: full.polls,
    },
    contact_account: contactAccountJson(config, data.contact),
    rules: serializeRules(config),
  };
}

/**
 * `GET /api/v1/instance/extended_description`: INSTANCE_DESCRIPTION as HTML. The description lives in
 * a Worker var, whose change time Petrel cannot know, so `updated_at` is the time of the request.
 */
export function serializeExtendedDescription(config: Config, now: number): MastodonExtendedDescription {
  return { updated_at: new Date(now).toISOString(), content: plainTextToHtml(config.description) };
}

/** `GET /api/v1/instance/activity`: every number a string, as Mastodon sends them. */
export function serializeActivity(weeks: WeeklyActivity[]): MastodonActivityWeek[] {
  return weeks.map((w) => ({
    week: String(unixSeconds(w.weekStart)),
    statuses: String(w.statuses),
    logins: String(w.logins),
    registrations: String(w.registrations),
  }));
}

/** `GET /api/v1/preferences`, with Mastodon's defaults for anything the user never set. */
export function serializePreferences(settings: UserSettings): MastodonPreferences {
  return {
    "posting:default:visibility": settings.defaultPrivacy ?? "public",
    "posting:default:sensitive": settings.defaultSensitive ?? false,
    "posting:default:language": settings.defaultLanguage ?? null,
    "posting:default:quote_policy": settings.defaultQuotePolicy ?? "public",
    "reading:expand:media": settings.expandMedia ?? "default",
    "reading:expand:spoilers": settings.expandSpoilers ?? false,
    "reading:autoplay:gifs": settings.autoplayGifs ?? false,
  };
}

export type NodeinfoVersion = "2.0" | "2.1";

export function nodeinfoProfile(version: NodeinfoVersion): string {
  return `http://nodeinfo.diaspora.software/ns/schema/${version}`;
}

/** The `/nodeinfo/2.0` and `/nodeinfo/2.1` documents; 2.0's schema forbids `repository`/`homepage`. */
export function serializeNodeinfo(config: Config, version: NodeinfoVersion, stats: InstanceStats): Record<string, unknown> {
  const software =
    version === "2.0"
      ? { name: SOFTWARE_NAME, version: PETREL_VERSION }
      : { name: SOFTWARE_NAME, version: PETREL_VERSION, repository: SOURCE_URL, homepage: HOMEPAGE_URL };
  return {
    version,
    software,
    protocols: ["activitypub"],
    services: { outbound: [], inbound: [] },
    usage: {
      users: { total: stats.users.total, activeMonth: stats.users.activeMonth, activeHalfyear: stats.users.activeHalfyear },
      localPosts: stats.localPosts,
    },
    // As Mastodon: sign-ups that need approval are still open registrations.
    openRegistrations: config.registrationsMode !== "closed",
    metadata: { nodeName: config.title, nodeDescription: config.description },
  };
}

/** `/.well-known/nodeinfo`: links to both documents, 2.0 first. */
export function serializeNodeinfoLinks(config: Config): { links: Array<{ rel: string; href: string }> } {
  return {
    links: (["2.0", "2.1"] as const).map((v) => ({ rel: nodeinfoProfile(v), href: `${config.baseUrl}/nodeinfo/${v}` })),
  };
}
