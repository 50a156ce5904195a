/**
 * hydrate.ts's one call for link previews: the cards of a page of statuses (and of the statuses
 * they boost), in one query, set on the bundles. Kept apart from hydrate.ts so that file stays
 * about its own batch.
 */
import type { Db } from "../db/client";
import type { StatusBundle } from "../entities/status";
import { cardsFor } from "./preview-cards";

/** An `<a>` that is neither a mention nor a hashtag: only such statuses can have a card. */
const PLAIN_LINK = /<a\s(?![^>]*(?:class="[^"]*\b(?:mention|hashtag)\b|rel="tag"))[^>]*href="https?:/i;

export function mayHaveCard(contentHtml: string): boolean {
  return contentHtml.includes("<a") && PLAIN_LINK.test(contentHtml);
}

export async function attachCards(db: Db, bundles: StatusBundle[]): Promise<void> {
  const all = [...bundles, ...bundles.flatMap((b) => (b.reblog ? [b.reblog] : []))];
  // Most pages have few plain links: the query runs only for statuses that have one.
  const candidates = all.filter((b) => mayHaveCard(b.status.content));
  if (candidates.length === 0) return;
  const cards = await cardsFor(
    db,
    candidates.map((b) => b.status.id),
  );
  if (cards.size === 0) return;
  for (const b of all) {
    const card = cards.get(b.status.id);
    if (card) b.card = card;
  }
}
