/**
 * The JSON a push carries, as Mastodon's Web::NotificationSerializer builds it: the subscription's
 * access token (so the client can fetch the notification), the user's locale, the notification id and
 * type, the sender's avatar, a title from Mastodon's `notification_mailer.<type>.subject` strings and
 * a body of at most 140 characters of plain text (content warning, else the post, else the sender's bio).
 */
import type { Config } from "../config";
import type { Account, NotificationType, Status } from "../db/schema";
import { serializeAccount } from "../entities/account";
import { htmlToText } from "../services/filters";

export interface PushPayload {
  access_token: string;
  preferred_locale: string;
  /** A number, as Mastodon sends it (ids stay below 2^53). */
  notification_id: number;
  notification_type: NotificationType;
  icon: string;
  title: string;
  body: string;
}

const TITLES: Record<NotificationType, (name: string) => string> = {
  mention: (n) => `You were mentioned by ${n}`,
  status: (n) => `${n} just posted`,
  reblog: (n) => `${n} boosted your post`,
  follow: (n) => `${n} is now following you`,
  follow_request: (n) => `Pending follower: ${n}`,
  favourite: (n) => `${n} favorited your post`,
  poll: (n) => `A poll by ${n} has ended`,
  update: (n) => `${n} edited a post`,
  quote: (n) => `${n} quoted your post`,
  quoted_update: (n) => `${n} edited a post you have quoted`,
  added_to_collection: (n) => `${n} added you to a collection`,
  collection_update: (n) => `${n} edited a collection you are in`,
  "admin.sign_up": (n) => `${n} signed up`,
  "admin.report": (n) => `${n} submitted a report`,
};

export const PUSH_BODY_LENGTH = 140;

export function pushTitle(type: NotificationType, from: Pick<Account, "displayName" | "username">): string {
  return TITLES[type](from.displayName.trim() || from.username);
}

/** Rails' `truncate(length: 140)`: over the limit, 137 characters and "...". */
export function truncateText(text: string, length: number = PUSH_BODY_LENGTH): string {
  const chars = Array.from(text);
  return chars.length <= length ? text : `${chars.slice(0, length - 3).join("")}...`;
}

/**
 * Mastodon strips tags from `status.text`, which for local posts is what the author typed; that would
 * eat a literal "<3", so plain text (content warning, typed source) is used as it is and only HTML
 * (remote content, bios) goes through htmlToText.
 */
export function pushBody(
  status: Pick<Status, "spoilerText" | "text" | "content"> | undefined,
  from: Pick<Account, "note">,
): string {
  const text = status ? status.spoilerText || status.text || htmlToText(status.content) : htmlToText(from.note);
  return truncateText(text.trim());
}

export function buildPushPayload(
  config: Config,
  input: {
    notification: { id: number; type: NotificationType };
    from: Account;
    status: Status | undefined;
    accessToken: string;
    locale: string;
  },
): PushPayload {
  return {
    access_token: input.accessToken,
    preferred_locale: input.locale || "en",
    notification_id: input.notification.id,
    notification_type: input.notification.type,
    icon: serializeAccount(config, input.from).avatar_static,
    title: pushTitle(input.notification.type, input.from),
    body: pushBody(input.status, input.from),
  };
}
