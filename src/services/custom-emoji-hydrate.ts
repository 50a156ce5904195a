/**
 * Custom emoji for a page of statuses, in one query (loadEmojiLookup), and none at all when no text on
 * the page (content, content warning, the author's display name and bio) has a `:shortcode:`.
 */
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Account } from "../db/schema";
import type { MastodonCustomEmoji } from "../entities/instance";
import type { StatusBundle } from "../entities/status";
import { loadEmojiLookup, mayHaveShortcodes } from "./custom-emojis";

function accountTexts(account: Account): string[] {
  return [account.displayName, account.note, ...account.fields.map((f) => `${f.name} ${f.value}`)];
}

function statusTexts(bundle: StatusBundle): string[] {
  return [bundle.status.content, bundle.status.spoilerText];
}

/** Sets `emojis` and `accountEmojis` on every bundle (and boosted bundle) of the page. */
export async function attachEmojis(db: Db, config: Config, bundles: readonly StatusBundle[]): Promise<void> {
  const all = [...bundles, ...bundles.flatMap((b) => (b.reblog ? [b.reblog] : []))];
  const items = all.flatMap((b) => [
    ...statusTexts(b).map((text) => ({ domain: b.account.domain, text })),
    ...accountTexts(b.account).map((text) => ({ domain: b.account.domain, text })),
  ]);
  if (!items.some((i) => mayHaveShortcodes(i.text))) return;
  const lookup = await loadEmojiLookup(db, config, items);
  for (const b of all) {
    b.emojis = lookup(b.account.domain, statusTexts(b));
    b.accountEmojis = lookup(b.account.domain, accountTexts(b.account));
  }
}

/** Emoji of single accounts outside status pages (profile, credentials): one query, none without `:code:`. */
export async function accountEmojis(
  db: Db,
  config: Config,
  accounts: readonly Account[],
): Promise<Map<number, MastodonCustomEmoji[]>> {
  const out = new Map<number, MastodonCustomEmoji[]>();
  const items = accounts.flatMap((a) => accountTexts(a).map((text) => ({ domain: a.domain, text })));
  if (!items.some((i) => mayHaveShortcodes(i.text))) return out;
  const lookup = await loadEmojiLookup(db, config, items);
  for (const a of accounts) out.set(a.id, lookup(a.domain, accountTexts(a)));
  return out;
}
