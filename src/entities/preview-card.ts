/** The PreviewCard entity (a status's `card`): the only place its JSON is built. */
import type { PreviewCard, PreviewCardType } from "../db/schema-surface";
import { isoDate } from "../util/time";

export interface MastodonPreviewCardAuthor {
  name: string;
  url: string;
  account: null;
}

export interface MastodonPreviewCard {
  url: string;
  title: string;
  description: string;
  type: PreviewCardType;
  authors: MastodonPreviewCardAuthor[];
  author_name: string;
  author_url: string;
  provider_name: string;
  provider_url: string;
  html: string;
  width: number;
  height: number;
  image: string | null;
  image_description: string;
  embed_url: string;
  blurhash: string | null;
  published_at: string | null;
  language: string | null;
}

export function serializePreviewCard(card: PreviewCard): MastodonPreviewCard {
  return {
    url: card.url,
    title: card.title,
    description: card.description,
    type: card.type,
    // Mastodon 4.3 lists authors; a page names at most one author here.
    authors: card.authorName || card.authorUrl ? [{ name: card.authorName, url: card.authorUrl, account: null }] : [],
    author_name: card.authorName,
    author_url: card.authorUrl,
    provider_name: card.providerName,
    provider_url: card.providerUrl,
    html: "",
    width: card.width,
    height: card.height,
    image: card.imageUrl,
    image_description: card.imageDescription,
    embed_url: card.embedUrl,
    blurhash: null,
    published_at: card.publishedAt === null ? null : isoDate(card.publishedAt),
    language: card.language,
  };
}
