/**
 * hydrate.ts's one call for link previews: the cards of a page of statuses (and of the statuses
 * they boost), in one query, set on the bundles. Kept apart from hydrate.ts so that file stays
 * about its own batch.
 */
import type { Db } from "../db/client";
import type { StatusBundle } from "../entities/status";
import { cardsFor } from "./preview-cards";

export async function attachCards(db: Db, bundles: StatusBundle[]): Promise<void> {
  const all = [...bundles, ...bundles.flatMap((b) => (b.reblog ? [b.reblog] : []))];
  const cards = await cardsFor(
    db,
    all.map((b) => b.status.id),
  );
  if (cards.size === 0) return;
  for (const b of all) {
    const card = cards.get(b.status.id);
    if (card) b.card = card;
  }
}
