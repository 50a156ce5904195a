/** CustomEmoji entity: the only place its JSON is built. */
import type { Config } from "../config";
import type { CustomEmoji } from "../db/schema-media";
import { proxyUrl } from "../media/remote/urls";
import { mediaUrl } from "../urls";
import type { MastodonCustomEmoji } from "./instance";

export function customEmojiImageUrl(config: Config, row: Pick<CustomEmoji, "id" | "imageKey" | "imageRemoteUrl">): string {
  if (row.imageKey) return mediaUrl(config, row.imageKey);
  // Remote emoji are references: their image is served through the remote media cache.
  return proxyUrl(config, "emojis", row.id, row.imageRemoteUrl ?? "");
}

export function serializeCustomEmoji(config: Config, row: CustomEmoji): MastodonCustomEmoji {
  const url = customEmojiImageUrl(config, row);
  return {
    shortcode: row.shortcode,
    url,
    // Stored emoji are PNG, GIF or WebP as uploaded; no separate still is made (clients animate or not).
    static_url: url,
    visible_in_picker: row.visibleInPicker,
    category: row.category,
  };
}
