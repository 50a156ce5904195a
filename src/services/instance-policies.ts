/**
 * The instance's privacy policy and terms of service, for `/api/v1/instance/privacy_policy` and
 * `/api/v1/instance/terms_of_service[/:date]`. The operator sets them either in `instance_settings`
 * (rows `privacy_policy`, and `terms_of_service` holding a JSON array of
 * `{"effective_date": "YYYY-MM-DD", "text": "..."}` versions), which wins, or with the Worker vars
 * PRIVACY_POLICY, TERMS_OF_SERVICE and TERMS_OF_SERVICE_EFFECTIVE_DATE. Text is plain paragraphs.
 * Without a privacy policy Petrel serves a short default, as Mastodon serves its template; without
 * terms of service there are none, and the routes answer Mastodon's 404.
 */
import { inArray } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { instanceSettings } from "../db/schema";

export interface PolicyVars {
  PRIVACY_POLICY?: string;
  TERMS_OF_SERVICE?: string;
  TERMS_OF_SERVICE_EFFECTIVE_DATE?: string;
}

export const PRIVACY_POLICY_SETTING = "privacy_policy";
export const TERMS_OF_SERVICE_SETTING = "terms_of_service";

/** Mastodon's PrivacyPolicy::DEFAULT_UPDATED_AT: when its default policy was written. */
const DEFAULT_POLICY_UPDATED_AT = Date.UTC(2022, 9, 7);

export interface PolicyText {
  text: string;
  updatedAt: number;
}

export interface TermsVersion {
  effectiveDate: string;
  text: string;
}

function defaultPrivacyPolicy(config: Config): string {
  const domain = config.localDomain;
  return [
    `This is the privacy policy of ${domain}, a Petrel server that takes part in the fediverse.`,
    "What we store: your account (user name, e-mail address, a hash of your password), what you post and upload, whom you follow and who follows you, your favourites, bookmarks, lists, filters and settings, and the sign-in tokens of the apps you use.",
    "Public and unlisted posts are visible to anyone and are delivered to the servers of your followers. Followers-only posts reach your followers' servers. Direct messages reach the servers of the people mentioned; they are not end-to-end encrypted, and the administrators of those servers could read them.",
    "Links in your posts are fetched once by this server to show a preview. Reports you file are read by the moderators of this server and, if you ask, forwarded without your name to the reported account's server.",
    config.contactEmail ? `Questions: ${config.contactEmail}.` : "Questions: contact the administrators of this server.",
  ].join("\n\n");
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(raw: string): boolean {
  return (
    DATE_RE.test(raw) &&
    !Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) &&
    new Date(`${raw}T00:00:00Z`).toISOString().startsWith(raw)
  );
}

function parseTermsSetting(value: string): TermsVersion[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    console.error("instance_settings terms_of_service is not JSON; serving no terms of service");
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: TermsVersion[] = [];
  for (const item of parsed) {
    if (typeof item !== "object" || item === null) continue;
    const { effective_date: date, text } = item as Record<string, unknown>;
    if (typeof date === "string" && validDate(date) && typeof text === "string" && text.trim() !== "") {
      out.push({ effectiveDate: date, text });
    }
  }
  return out;
}

async function settings(db: Db): Promise<Map<string, { value: string; updatedAt: number }>> {
  const rows = await db
    .select()
    .from(instanceSettings)
    .where(inArray(instanceSettings.key, [PRIVACY_POLICY_SETTING, TERMS_OF_SERVICE_SETTING]));
  return new Map(rows.map((r) => [r.key, { value: r.value, updatedAt: r.updatedAt }]));
}

export async function privacyPolicy(db: Db, config: Config, vars: PolicyVars): Promise<PolicyText> {
  const stored = (await settings(db)).get(PRIVACY_POLICY_SETTING);
  if (stored && stored.value.trim() !== "") return { text: stored.value, updatedAt: stored.updatedAt };
  const fromVar = (vars.PRIVACY_POLICY ?? "").trim();
  if (fromVar) return { text: fromVar, updatedAt: DEFAULT_POLICY_UPDATED_AT };
  return { text: defaultPrivacyPolicy(config), updatedAt: DEFAULT_POLICY_UPDATED_AT };
}

/** Every version of the terms, oldest first. */
export async function termsOfService(db: Db, vars: PolicyVars): Promise<TermsVersion[]> {
  const stored = (await settings(db)).get(TERMS_OF_SERVICE_SETTING);
  let versions: TermsVersion[] = [];
  if (stored) versions = parseTermsSetting(stored.value);
  else {
    const text = (vars.TERMS_OF_SERVICE ?? "").trim();
    const date = (vars.TERMS_OF_SERVICE_EFFECTIVE_DATE ?? "").trim();
    if (text) {
      if (!validDate(date)) {
        console.error("TERMS_OF_SERVICE is set without a TERMS_OF_SERVICE_EFFECTIVE_DATE (YYYY-MM-DD); serving no terms");
      } else versions = [{ effectiveDate: date, text }];
    }
  }
  return versions.sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate));
}

export interface TermsChoice {
  version: TermsVersion;
  effective: boolean;
  succeededBy: string | null;
}

function choice(versions: TermsVersion[], index: number, today: string): TermsChoice | undefined {
  const version = versions[index];
  if (!version) return undefined;
  return { version, effective: version.effectiveDate <= today, succeededBy: versions[index + 1]?.effectiveDate ?? null };
}

/** Mastodon's TermsOfService.current: the latest version in effect, else the first one still to come. */
export function currentTerms(versions: TermsVersion[], now: number): TermsChoice | undefined {
  const today = new Date(now).toISOString().slice(0, 10);
  let index = -1;
  versions.forEach((v, i) => {
    if (v.effectiveDate <= today) index = i;
  });
  return choice(versions, index === -1 ? 0 : index, today);
}

/** The version that took (or takes) effect on `date`, exactly. */
export function termsOn(versions: TermsVersion[], date: string, now: number): TermsChoice | undefined {
  const today = new Date(now).toISOString().slice(0, 10);
  const index = versions.findIndex((v) => v.effectiveDate === date);
  return index === -1 ? undefined : choice(versions, index, today);
}
