/**
 * OAuth scopes as Mastodon (Doorkeeper) defines them. A route demands one granular scope; a token
 * satisfies it with that scope, with its top-level parent (`read`, `write`, `admin:read`...), or for
 * the follow family with the legacy `follow` scope.
 */
export const TOP_LEVEL_SCOPES = ["read", "write", "follow", "push", "profile"] as const;

export const GRANULAR_SCOPES = [
  "read:accounts",
  "read:blocks",
  "read:bookmarks",
  "read:collections",
  "read:favourites",
  "read:filters",
  "read:follows",
  "read:lists",
  "read:mutes",
  "read:notifications",
  "read:search",
  "read:statuses",
  "write:accounts",
  "write:blocks",
  "write:bookmarks",
  "write:collections",
  "write:conversations",
  "write:favourites",
  "write:filters",
  "write:follows",
  "write:lists",
  "write:media",
  "write:mutes",
  "write:notifications",
  "write:reports",
  "write:statuses",
  "admin:read",
  "admin:read:accounts",
  "admin:read:reports",
  "admin:read:domain_allows",
  "admin:read:domain_blocks",
  "admin:read:ip_blocks",
  "admin:read:email_domain_blocks",
  "admin:read:canonical_email_blocks",
  "admin:write",
  "admin:write:accounts",
  "admin:write:reports",
  "admin:write:domain_allows",
  "admin:write:domain_blocks",
  "admin:write:ip_blocks",
  "admin:write:email_domain_blocks",
  "admin:write:canonical_email_blocks",
] as const;

export const ALL_SCOPES: readonly string[] = [...TOP_LEVEL_SCOPES, ...GRANULAR_SCOPES];

const FOLLOW_FAMILY = new Set(["read:blocks", "read:follows", "read:mutes", "write:blocks", "write:follows", "write:mutes"]);

export function parseScopes(text: string | undefined | null): string[] {
  if (!text) return [];
  return [...new Set(text.split(/[\s+]+/).filter(Boolean))];
}

export function isKnownScope(scope: string): boolean {
  return ALL_SCOPES.includes(scope);
}

/** Does a token holding `granted` satisfy a route that demands `required`? */
export function scopeSatisfies(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  const parts = required.split(":");
  // "admin:read:accounts" → "admin:read"; "read:statuses" → "read".
  if (parts.length > 1 && granted.includes(parts.slice(0, -1).join(":"))) return true;
  if (FOLLOW_FAMILY.has(required) && granted.includes("follow")) return true;
  return false;
}

/** Is every scope in `requested` covered by `allowed` (an app's registered scopes)? */
export function scopesWithin(requested: readonly string[], allowed: readonly string[]): boolean {
  return requested.every((s) => scopeSatisfies(allowed, s));
}
