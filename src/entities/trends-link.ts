/** The TrendsLink entity: the PreviewCard (src/entities/preview-card.ts) plus its 7-day history. */
import type { PreviewCard } from "../db/schema-surface";
import type { TagHistoryDay } from "../services/tags/history";
import { type MastodonPreviewCard, serializePreviewCard } from "./preview-card";

export interface MastodonTrendsLink extends MastodonPreviewCard {
  history: TagHistoryDay[];
}

export function serializeTrendsLink(card: PreviewCard, history: TagHistoryDay[]): MastodonTrendsLink {
  return { ...serializePreviewCard(card), history };
}
