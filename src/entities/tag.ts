/** Tag and FeaturedTag entities: the only place their JSON is built. */
import type { Config } from "../config";
import type { TagHistoryDay } from "../services/tags/history";
import { tagUrl } from "../text/status-text";
import { profileUrl } from "../urls";
import { dayDate } from "../util/time";

export interface MastodonTag {
  id: string;
  name: string;
  url: string;
  history: TagHistoryDay[];
  following?: boolean;
  featuring?: boolean;
}

export interface TagView {
  /** null for a tag nobody has used yet (Mastodon shows an unsaved Tag with an empty id). */
  id: number | null;
  name: string;
  displayName: string;
}

/**
 * `following` and `featuring` are present only for a signed-in viewer, as in Mastodon's
 * TagSerializer (`if: :current_user?`).
 */
export function serializeTag(
  config: Config,
  tag: TagView,
  options: { history: TagHistoryDay[]; following?: boolean; featuring?: boolean },
): MastodonTag {
  const out: MastodonTag = {
    id: tag.id === null ? "" : String(tag.id),
    name: tag.displayName,
    url: tagUrl(config, tag.name),
    history: options.history,
  };
  if (options.following !== undefined) out.following = options.following;
  if (options.featuring !== undefined) out.featuring = options.featuring;
  return out;
}

export interface MastodonFeaturedTag {
  id: string;
  name: string;
  url: string;
  statuses_count: string;
  last_status_at: string | null;
}

export interface FeaturedTagView {
  id: number;
  tagName: string;
  tagDisplayName: string;
  username: string;
  statusesCount: number;
  lastStatusAt: number | null;
}

export function serializeFeaturedTag(config: Config, ft: FeaturedTagView): MastodonFeaturedTag {
  return {
    id: String(ft.id),
    name: ft.tagDisplayName,
    url: `${profileUrl(config, ft.username)}/tagged/${encodeURIComponent(ft.tagName)}`,
    // Mastodon sends the count as a string and the date without a time.
    statuses_count: String(ft.statusesCount),
    last_status_at: ft.lastStatusAt === null ? null : dayDate(ft.lastStatusAt),
  };
}
