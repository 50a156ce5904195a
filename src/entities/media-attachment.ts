/** MediaAttachment entity: the only place its JSON is built. */
import type { Config } from "../config";
import type { MediaAttachment, MediaMeta, MediaType } from "../db/schema";
import { proxyUrl } from "../media/remote/urls";
import { mediaUrl } from "../urls";

export interface MastodonMediaAttachment {
  id: string;
  type: MediaType;
  /** null only while an upload is still being processed (the 202 path of POST /api/v2/media). */
  url: string | null;
  preview_url: string | null;
  remote_url: string | null;
  preview_remote_url: string | null;
  text_url: string | null;
  meta: MediaMeta;
  description: string | null;
  blurhash: string | null;
}

const VISUAL = new Set<MediaType>(["image", "gifv", "video"]);

export function serializeMediaAttachment(config: Config, row: MediaAttachment): MastodonMediaAttachment {
  // Remote media is served through our cache (src/media/remote/), never hot-linked.
  const proxied = row.remoteUrl ? proxyUrl(config, "attachments", row.id, row.remoteUrl) : null;
  const url = row.processedAt === null ? null : row.fileKey ? mediaUrl(config, row.fileKey) : proxied;
  const meta: MediaMeta = { ...row.meta };
  // Clients lay out crops around the focus; the centre is what an unset focus means.
  if (VISUAL.has(row.type) && !meta.focus) meta.focus = { x: 0, y: 0 };
  return {
    id: String(row.id),
    type: row.type,
    url,
    preview_url: row.previewKey ? mediaUrl(config, row.previewKey) : row.type === "image" ? proxied : null,
    remote_url: row.remoteUrl,
    preview_remote_url: null,
    text_url: null,
    meta,
    description: row.description,
    blurhash: row.blurhash,
  };
}
