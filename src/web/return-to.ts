/**
 * Where to send the browser after signing in. Only paths on this site are followed: anything a
 * browser could read as another origin ("//evil.example", "/\evil.example", "https://…", or a path
 * with tabs or newlines, which browsers strip before resolving) falls back to the default.
 */
export const DEFAULT_RETURN_TO = "/settings";
const MAX_LENGTH = 2048;
const PROBE_ORIGIN = "https://petrel.invalid";

export function safeReturnTo(value: string | undefined | null, fallback: string = DEFAULT_RETURN_TO): string {
  if (!value || value.length > MAX_LENGTH) return fallback;
  // A single leading slash, then no second slash or backslash, and nothing a browser would strip.
  if (!/^\/(?![/\\])[^\\\s\p{Cc}]*$/u.test(value)) return fallback;
  let resolved: URL;
  try {
    resolved = new URL(value, PROBE_ORIGIN);
  } catch {
    return fallback;
  }
  if (resolved.origin !== PROBE_ORIGIN) return fallback;
  return value;
}

/** The sign-in page, coming back to `returnTo` afterwards. */
export function signInUrl(returnTo: string): string {
  return returnTo === DEFAULT_RETURN_TO ? "/auth/sign_in" : `/auth/sign_in?return_to=${encodeURIComponent(returnTo)}`;
}
