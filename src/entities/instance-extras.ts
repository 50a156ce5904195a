/** PrivacyPolicy, TermsOfService and Language entities: the only place their JSON is built. */
import { SUPPORTED_LANGUAGES } from "../data/languages";
import type { PolicyText, TermsChoice } from "../services/instance-policies";
import { plainTextToHtml } from "../text/html";
import { isoDate } from "../util/time";

export interface MastodonPrivacyPolicy {
  updated_at: string;
  content: string;
}

export interface MastodonTermsOfService {
  effective_date: string;
  effective: boolean;
  content: string;
  succeeded_by: string | null;
}

export interface MastodonLanguage {
  code: string;
  name: string;
}

export function serializePrivacyPolicy(policy: PolicyText): MastodonPrivacyPolicy {
  return { updated_at: isoDate(policy.updatedAt), content: plainTextToHtml(policy.text) };
}

export function serializeTermsOfService(terms: TermsChoice): MastodonTermsOfService {
  return {
    effective_date: terms.version.effectiveDate,
    effective: terms.effective,
    content: plainTextToHtml(terms.version.text),
    succeeded_by: terms.succeededBy,
  };
}

/** `GET /api/v1/instance/languages`: Mastodon's list, code and English name. */
export function serializeLanguages(): MastodonLanguage[] {
  return SUPPORTED_LANGUAGES.map(([code, name]) => ({ code, name }));
}
