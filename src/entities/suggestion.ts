/** The Suggestion entity (`GET /api/v2/suggestions`): an account and why it is suggested. */
import type { Config } from "../config";
import type { Suggestion, SuggestionSource } from "../services/suggestions/suggestions";
import { type MastodonAccount, serializeAccount } from "./account";

export interface MastodonSuggestion {
  /** Deprecated single reason, derived from the first source as Mastodon's serializer does. */
  source: "staff" | "past_interactions" | "global";
  sources: SuggestionSource[];
  account: MastodonAccount;
}

function legacySource(first: SuggestionSource | undefined): MastodonSuggestion["source"] {
  return first === "friends_of_friends" ? "past_interactions" : "global";
}

export function serializeSuggestion(config: Config, s: Suggestion): MastodonSuggestion {
  return {
    source: legacySource(s.sources[0]),
    sources: s.sources,
    account: serializeAccount(config, s.account.account, { role: s.account.role }),
  };
}
