/**
 * Mastodon's notification `group_key` (Notification::Groups#set_group_key!), computed when the
 * notification is stored: favourites and boosts of one status, follows, and sign-ups (4.4) that
 * arrive within a 12-hour span share `<type>[-<status id>]-<hour bucket>`. Mastodon remembers the
 * group's first bucket in Redis for 12 hours; we read it back from the newest stored key of that
 * prefix (one seek on `notifications_group_key`), which gives the same groups.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { NotificationType } from "../db/schema";

export const GROUPABLE_TYPES: readonly NotificationType[] = ["favourite", "reblog", "follow", "admin.sign_up"];
const MAX_GROUP_SPAN_HOURS = 12;
const HOUR_MS = 3600_000;

export function isGroupable(type: string): boolean {
  return (GROUPABLE_TYPES as readonly string[]).includes(type);
}

/** The group key a new notification gets, or null for types that are never grouped. */
export async function groupKeyFor(
  db: Db,
  recipientId: number,
  type: NotificationType,
  statusId: number | null | undefined,
  now: number,
): Promise<string | null> {
  if (!isGroupable(type)) return null;
  const prefix = type === "favourite" || type === "reblog" ? `${type}-${statusId ?? ""}` : type;
  let bucket = Math.floor(now / HOUR_MS);
  // Keys of this prefix are `<prefix>-<digits>`: the range between `-` and `-:` holds exactly them
  // (':' sorts right after '9'), and buckets have the same number of digits, so the greatest key is
  // the newest group.
  const rows = await db.all<{ key: string }>(sql`SELECT group_key AS key FROM notifications
    WHERE account_id = ${recipientId} AND group_key > ${`${prefix}-`} AND group_key < ${`${prefix}-:`}
    ORDER BY group_key DESC LIMIT 1`);
  const previous = rows[0] ? Number(rows[0].key.slice(prefix.length + 1)) : Number.NaN;
  if (Number.isSafeInteger(previous) && bucket < previous + MAX_GROUP_SPAN_HOURS) bucket = previous;
  return `${prefix}-${bucket}`;
}
