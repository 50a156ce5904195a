/** The ScheduledStatus entity: the only place its JSON is built. */
import type { Visibility } from "../db/schema";
import { isoDate } from "../util/time";

/** What `scheduled_statuses.params` holds: the validated POST params, as Mastodon shows them. */
export interface ScheduledParams {
  text: string;
  poll: { options: string[]; expires_in: number; multiple: boolean; hide_totals: boolean } | null;
  media_ids: string[] | null;
  sensitive: boolean | null;
  spoiler_text: string | null;
  visibility: Visibility;
  in_reply_to_id: number | null;
  language: string | null;
  application_id: number | null;
  scheduled_at: null;
  idempotency: string | null;
  with_rate_limit: boolean;
  /** Quote posts (4.5); absent in params stored before them. */
  quoted_status_id?: string | null;
  quote_approval_policy?: "public" | "followers" | "nobody" | null;
}

export interface MastodonScheduledStatus {
  id: string;
  scheduled_at: string;
  params: ScheduledParams;
  media_attachments: unknown[];
}

export function serializeScheduledStatus(row: { id: number; scheduledAt: number; params: unknown }): MastodonScheduledStatus {
  return {
    id: String(row.id),
    scheduled_at: isoDate(row.scheduledAt),
    params: row.params as ScheduledParams,
    media_attachments: [],
  };
}
