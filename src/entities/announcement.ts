/**
 * Announcement and Reaction entities: the only place their JSON is built. Pure (no bindings), because
 * the operator CLI loads the announcements service, and with it this file, into Node.
 */
import type { Announcement } from "../db/schema-client-surface";
import { plainTextToHtml } from "../text/html";
import { isoDate } from "../util/time";

export interface MastodonReaction {
  name: string;
  count: number;
  /** Absent when rendered without a viewer (the streamed `announcement` event), as Mastodon. */
  me?: boolean;
}

export interface MastodonAnnouncement {
  id: string;
  content: string;
  starts_at: string | null;
  ends_at: string | null;
  all_day: boolean;
  published_at: string;
  updated_at: string;
  read: boolean;
  mentions: never[];
  statuses: never[];
  tags: never[];
  emojis: never[];
  reactions: MastodonReaction[];
}

/** When clients are told it was published: the publish time, or the scheduled time if that is later. */
export function effectivePublishedAt(a: Pick<Announcement, "publishedAt" | "scheduledAt" | "createdAt">): number {
  return Math.max(a.publishedAt ?? a.createdAt, a.scheduledAt ?? 0);
}

export function serializeAnnouncement(a: Announcement, reactions: MastodonReaction[], read: boolean): MastodonAnnouncement {
  const timed = a.startsAt !== null && a.endsAt !== null;
  return {
    id: String(a.id),
    // Rendered like a status without mentions or hashtags: paragraphs, line breaks, links.
    content: plainTextToHtml(a.text),
    starts_at: a.startsAt === null ? null : isoDate(a.startsAt),
    ends_at: a.endsAt === null ? null : isoDate(a.endsAt),
    // Mastodon: "false if there is no starts_at or ends_at time".
    all_day: timed && a.allDay,
    published_at: isoDate(effectivePublishedAt(a)),
    updated_at: isoDate(a.updatedAt),
    read,
    mentions: [],
    statuses: [],
    tags: [],
    emojis: [],
    reactions,
  };
}
