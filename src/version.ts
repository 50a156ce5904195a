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
 * 4.5.0: what clients switch on up to 4.5 exists — grouped notifications, the notification policy and
 * requests, `/api/v1/timelines/link`, `GET /api/v1/statuses?id[]=` (4.3), endorsements, attribution
 * domains, `delete_media` (4.4) and quote posts (4.5). Phanpy's version gates for 4.4 (annual reports)
 * apply only to servers whose nodeinfo says "mastodon", which ours does not. Raise it only when the
 * features the next minor gates on exist (CLIENTS.md §2.4): 4.6 brings the profile API (level 8–9).
 */
export const MASTODON_COMPATIBLE_VERSION = "4.5.0";

/** The `version` field of both instance entities: Mastodon's version first, then who we really are. */
export const VERSION_STRING = `${MASTODON_COMPATIBLE_VERSION} (compatible; Petrel ${PETREL_VERSION})`;

/**
 * Instance v2 `api_versions.mastodon`: the highest Mastodon API level Petrel implements in full.
 * Served (test/api-levels checks 3–7): 2 → `/api/v2/notifications` (grouped) and `unread_count`,
 * the notification policy and requests; 3 → `attribution_domains` (and PKCE for the official
 * Android app); 4 → `delete_media` and RFC 8291 Web Push; 5 → the `blur` filter action;
 * 6 → featured accounts; 7 → quote posts and their push alerts. Not served: 8–9 (the profile API)
 * and 10 (collections are here, but 10 also needs 8–9). Raise it in the change that implements the level.
 */
export const API_VERSION_MASTODON = 7;
