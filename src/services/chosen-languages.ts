/**
 * The languages a person chose to see on public timelines (Mastodon's `chosen_languages`, set in its
 * preferences, not through the client API): public and hashtag timelines and streams then show only
 * statuses in those languages (a status without a language included nowhere, as Mastodon's
 * PublicFeed and streaming server decide). Kept in `users.settings.chosenLanguages`; none chosen is
 * every language.
 */
import { eq, sql } from "drizzle-orm";
import { SUPPORTED_LANGUAGES } from "../data/languages";
import type { Db } from "../db/client";
import { type UserSettings, users } from "../db/schema";

const KNOWN = new Set(SUPPORTED_LANGUAGES.map(([code]) => code));

/** The chosen languages, or null for every language (none chosen, or none that Petrel knows). */
export function chosenLanguages(settings: UserSettings | undefined): string[] | null {
  const chosen = settings?.chosenLanguages?.filter((code) => KNOWN.has(code)) ?? [];
  return chosen.length > 0 ? chosen : null;
}

/**
 * Saves the languages a user chose; unknown codes are dropped and an empty choice means every
 * language. Only this key of the settings is written, so a concurrent preferences change is kept.
 */
export async function setChosenLanguages(
  db: Db,
  userId: number,
  codes: readonly string[],
  now = Date.now(),
): Promise<string[] | null> {
  const chosen = [...new Set(codes.filter((code) => KNOWN.has(code)))];
  const settings =
    chosen.length === 0
      ? sql`json_remove(${users.settings}, '$.chosenLanguages')`
      : sql`json_set(${users.settings}, '$.chosenLanguages', json(${JSON.stringify(chosen)}))`;
  await db.update(users).set({ settings, updatedAt: now }).where(eq(users.id, userId));
  return chosen.length > 0 ? chosen : null;
}
