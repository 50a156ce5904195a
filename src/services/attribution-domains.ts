/**
 * `attribution_domains` (Mastodon 4.4, API level 3): websites allowed to credit an account as the author
 * of their pages (the `fediverse:creator` meta tag). Stored per account as given after Mastodon's
 * normalization; validity is judged on the IDNA/lowercase form, as Mastodon's DomainValidator does.
 */
import type { ParamValue } from "../util/params";

/** Account::AttributionDomains::ATTRIBUTION_DOMAINS_LIMIT. */
export const ATTRIBUTION_DOMAINS_LIMIT = 100;

const MAX_DOMAIN_LENGTH = 256;
const LABEL_RE = /^[a-z0-9-]{1,63}$/;
// Characters that would make the URL parser read something other than a bare host.
const NOT_IN_HOST = /[\s/\\?#@:%]/;

export interface AttributionFieldError {
  field: string;
  message: string;
  code: string;
}

/**
 * Mastodon's normalization: trim each entry, drop a leading `http://`, `https://` or `*.`, drop blanks,
 * de-duplicate keeping the first. Case and Unicode are kept as typed (Mastodon does the same).
 */
export function normalizeAttributionDomains(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of list) {
    let s = raw.trim();
    for (const prefix of ["http://", "https://", "*."]) if (s.startsWith(prefix)) s = s.slice(prefix.length);
    if (s !== "" && !out.includes(s)) out.push(s);
  }
  return out;
}

/** The lowercase, punycode form of a host, or null when it is not a valid domain name. */
export function normalizedHost(domain: string): string | null {
  if (domain === "" || NOT_IN_HOST.test(domain)) return null;
  let host: string;
  try {
    host = new URL(`https://${domain}/`).hostname;
  } catch {
    return null;
  }
  if (host.length >= MAX_DOMAIN_LENGTH) return null;
  // Ruby's split drops trailing empty strings, so one trailing dot is tolerated as in Mastodon.
  const labels = host.replace(/\.$/, "").split(".");
  return labels.every((l) => LABEL_RE.test(l)) ? host : null;
}

/**
 * Reads the param (a list from JSON or `attribution_domains[]=`; a single string counts as one entry;
 * null clears). Returns undefined when absent, the normalized list otherwise; problems go to `errors`.
 */
export function readAttributionDomains(v: ParamValue | undefined, errors: AttributionFieldError[]): string[] | undefined {
  if (v === undefined) return undefined;
  if (v === null) return [];
  const items = Array.isArray(v) ? v : typeof v === "object" && !(v instanceof File) ? Object.values(v) : [v];
  const strings: string[] = [];
  for (const item of items) {
    if (item === null) continue;
    if (typeof item === "string" || typeof item === "number") strings.push(String(item));
    else {
      errors.push({ field: "attribution_domains", message: "must be a list of domain names", code: "ERR_INVALID" });
      return undefined;
    }
  }
  return normalizeAttributionDomains(strings);
}

/** Mastodon's validations: at most 100 entries, each a valid domain name (one error per bad entry). */
export function validateAttributionDomains(domains: readonly string[]): AttributionFieldError[] {
  const errors: AttributionFieldError[] = [];
  for (const d of domains) {
    if (normalizedHost(d) === null) {
      errors.push({ field: "attribution_domains", message: `${d} is not a valid domain name`, code: "ERR_INVALID" });
    }
  }
  if (domains.length > ATTRIBUTION_DOMAINS_LIMIT) {
    // Rails' length validator words it this way for arrays too.
    errors.push({
      field: "attribution_domains",
      message: `is too long (maximum is ${ATTRIBUTION_DOMAINS_LIMIT} characters)`,
      code: "ERR_TOO_LONG",
    });
  }
  return errors;
}

/**
 * Remote actors' `attributionDomains`: kept only when they are valid hosts, capped at the same limit,
 * so a hostile peer cannot fill the row.
 */
export function sanitizeRemoteAttributionDomains(v: unknown): string[] {
  const list = Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
  const out: string[] = [];
  for (const item of list) {
    if (typeof item !== "string" || out.length >= ATTRIBUTION_DOMAINS_LIMIT) continue;
    const d = item.trim();
    if (normalizedHost(d) !== null && !out.includes(d)) out.push(d);
  }
  return out;
}

/** Account#can_be_attributed_from?: the page's host or any parent domain of it is listed. */
export function canBeAttributedFrom(domains: readonly string[], host: string): boolean {
  if (domains.length === 0) return false;
  const segments = host.toLowerCase().split(".");
  const variants = new Set(segments.map((_, i) => segments.slice(i).join(".")));
  return domains.some((d) => {
    const n = normalizedHost(d);
    return n !== null && variants.has(n);
  });
}
