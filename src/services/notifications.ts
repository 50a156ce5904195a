/**
 * Creating notifications. Every producer (favourites, boosts, follows, mentions, polls, edits) goes
 * through `notify`, which applies the recipient's wishes: nothing from accounts they block or mute
 * (with notifications hidden) or whose domain they block, nothing to remote accounts, nothing to
 * yourself. Replays are absorbed by the unique (recipient, type, actor, status) index.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { NotificationType } from "../db/schema";
import { newId } from "../ids";

export interface NewNotification {
  recipientId: number;
  fromAccountId: number;
  type: NotificationType;
  statusId?: number | null;
  now?: number;
}

/** Returns the id of the notification created, or undefined when none was (filtered or duplicate). */
export async function notify(db: Db, n: NewNotification): Promise<number | undefined> {
  if (n.recipientId === n.fromAccountId) return undefined;
  const now = n.now ?? Date.now();
  const id = newId(now);
  // One statement: the recipient must be a local user, and none of their blocks, mutes or domain
  // blocks may cover the actor. `OR IGNORE` absorbs duplicates.
  const rows = await db.all<{ id: number }>(sql`
    INSERT OR IGNORE INTO notifications (id, account_id, from_account_id, type, status_id, created_at)
    SELECT ${id}, ${n.recipientId}, ${n.fromAccountId}, ${n.type}, ${n.statusId ?? null}, ${now}
    WHERE EXISTS (SELECT 1 FROM users WHERE account_id = ${n.recipientId})
      AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${n.recipientId} AND target_account_id = ${n.fromAccountId})
      AND NOT EXISTS (
        SELECT 1 FROM mutes WHERE account_id = ${n.recipientId} AND target_account_id = ${n.fromAccountId}
          AND hide_notifications = 1 AND (expires_at IS NULL OR expires_at > ${now})
      )
      AND NOT EXISTS (
        SELECT 1 FROM account_domain_blocks b JOIN accounts a ON a.id = ${n.fromAccountId}
        WHERE b.account_id = ${n.recipientId} AND a.domain IS NOT NULL AND b.domain = a.domain
      )
    RETURNING id`);
  const created = rows[0]?.id;
  if (created !== undefined && db.$events) await db.$events.notificationCreated(created, n.recipientId);
  return created;
}
