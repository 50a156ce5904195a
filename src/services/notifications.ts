/**
 * Creating notifications. Every producer (favourites, boosts, follows, mentions, polls, edits) goes
 * through `notify`, which applies the recipient's wishes: nothing from accounts they block or mute
 * (with notifications hidden) or whose domain they block, nothing to remote accounts, nothing to
 * yourself. Replays are absorbed by the unique (recipient, type, actor, status) index.
 * The recipient's notification policy (notification-policy.ts) then accepts, filters or drops it:
 * a filtered one is stored with `filtered = 1`, raises no event (no stream, no push) and, for a
 * mention, updates the sender's notification request. Accepted groupable ones get their group key.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { NotificationType } from "../db/schema";
import { newId } from "../ids";
import { groupKeyFor } from "./notification-group-key";
import { policyDecision } from "./notification-policy";
import { recordFilteredMention } from "./notification-requests";

export interface NewNotification {
  recipientId: number;
  fromAccountId: number;
  type: NotificationType;
  statusId?: number | null;
  /** The collection an `added_to_collection` / `collection_update` is about. */
  collectionId?: number | null;
  /** The report an `admin.report` is about. */
  reportId?: number | null;
  now?: number;
}

/** The id of the notification stored (filtered ones included), or undefined when none was (blocked, dropped, duplicate). */
export async function notify(db: Db, n: NewNotification): Promise<number | undefined> {
  if (n.recipientId === n.fromAccountId) return undefined;
  const now = n.now ?? Date.now();
  const id = newId(now);
  const decision = await policyDecision(db, n, now);
  if (decision === "drop") return undefined;
  const filtered = decision === "filter";
  const groupKey = filtered ? null : await groupKeyFor(db, n.recipientId, n.type, n.statusId, now);
  // One statement: the recipient must be a local user, and none of their blocks, mutes or domain
  // blocks may cover the actor. `OR IGNORE` absorbs duplicates.
  const rows = await db.all<{ id: number }>(sql`
    INSERT OR IGNORE INTO notifications (id, account_id, from_account_id, type, status_id, created_at, filtered, group_key,
      collection_id, report_id)
    SELECT ${id}, ${n.recipientId}, ${n.fromAccountId}, ${n.type}, ${n.statusId ?? null}, ${now}, ${filtered ? 1 : 0}, ${groupKey},
      ${n.collectionId ?? null}, ${n.reportId ?? null}
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
  if (created === undefined) return undefined;
  if (filtered) {
    if (n.type === "mention" && n.statusId) await recordFilteredMention(db, n.recipientId, n.fromAccountId, n.statusId, now);
  } else if (db.$events) {
    await db.$events.notificationCreated(created, n.recipientId);
  }
  return created;
}
