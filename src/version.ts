/**
 * The version strings Petrel reports to clients and to other servers. One place, so the instance
 * entities and nodeinfo never disagree.
 */

/** Petrel's own release; keep in step with package.json (test/instance/version.test.ts checks it). */
export const PETREL_VERSION = "0.1.0";

/** nodeinfo `software.name`: lower-case, as the nodeinfo schema requires. */
export const SOFTWARE_NAME = "petrel";

/** Where the source lives (Instance `source_url`, nodeinfo 2.1 `software.repository`). */
export const SOURCE_URL = "https://github.com/petrel-social/petrel";

/** nodeinfo 2.1 `software.homepage`. */
export const HOMEPAGE_URL = "https://github.com/petrel-social/petrel";

/**
 * The Mastodon release whose client API Petrel claims to speak. Clients parse it ad hoc: Ice Cubes
 * reads `Float(version.prefix(3))` (so the minor must stay a single digit: "4.10" would read as 4.1),
 * Phanpy matches `^\d+\.\d+(\.\d+)?` and semver ranges, and both switch features on it.
 *
 * 4.3.0: what clients switch on at 4.3 exists — grouped notifications, the notification policy and
 * requests (Ice Cubes, Phanpy), `/api/v1/timelines/link` and `GET /api/v1/statuses?id[]=` (Phanpy).
 * Raise it only when the features the next minor gates on exist (CLIENTS.md §2.4): 4.4 would send
 * Phanpy to annual reports and endorsements.
 */
export const MASTODON_COMPATIBLE_VERSION = "4.3.0";

/** The `version` field of both instance entities: Mastodon's version first, then who we really are. */
export const VERSION_STRING = `${MASTODON_COMPATIBLE_VERSION} (compatible; Petrel ${PETREL_VERSION})`;

/**
 * Instance v2 `api_versions.mastodon`: the highest Mastodon API level Petrel implements in full.
 * Level 2 (Mastodon 4.3) is served: `/api/v2/notifications` grouped, its `unread_count`, the
 * notification policy and requests. Clients raise their expectations with it:
 * 2 → `/api/v2/notifications` (grouped) and `unread_count`, 3 → PKCE (official Android),
 * 4 → RFC 8291 Web Push, 7 → quote posts. Raise it in the change that implements the level.
 */
export const API_VERSION_MASTODON = 2;
