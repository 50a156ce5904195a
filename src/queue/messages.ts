/**
 * Queue message bodies: a typed, versioned union. Every message names its type and version so a
 * consumer deployed before or after a producer can tell what it holds. Keys and secrets never travel
 * in messages; consumers load them from D1.
 */
import type { MastodonStatus } from "../entities/status";

/** FANOUT: what happened to a status, for home feeds, lists, notifications and (later) streaming/delivery. */
export type FanoutMessage =
  /**
   * `rendered`: the status as streams show it (no viewer), when the producer had it at hand;
   * `streamed`: the producer already streamed it (public and hashtag channels, followers' user and
   * list streams).
   */
  | { type: "status.created"; v: 1; statusId: number; rendered?: MastodonStatus; streamed?: boolean }
  | { type: "status.updated"; v: 1; statusId: number }
  | { type: "status.deleted"; v: 1; statusId: number; accountId: number; reblogOfId: number | null }
  /**
   * The rest of a status.created ("add") or status.deleted ("remove") for an author with many
   * followers: the followers whose account id is above `afterAccountId`. The consumer sends these
   * itself, so one message never makes more than a bounded number of calls.
   */
  | {
      type: "status.followers";
      v: 1;
      op: "add" | "remove";
      statusId: number;
      accountId: number;
      reblogOfId: number | null;
      afterAccountId: number;
    }
  /** A notification was stored (src/events.ts): stream it to the recipient's sockets and push it. */
  | { type: "notification.created"; v: 1; notificationId: number; accountId: number }
  | { type: "filters.changed"; v: 1; accountId: number }
  /** A feed removal (unfollow, block, mute) that failed inline: retried here until it succeeds. */
  | { type: "feed.remove_author"; v: 1; accountId: number; targetAccountId: number; boostsOfTarget: boolean }
  /** Fetch (or drop) the link preview card of a status (src/queue/fanout-card.ts). */
  | { type: "status.card"; v: 1; statusId: number }
  | { type: "conversation.updated"; v: 1; accountId: number; conversationId: number }
  /** The rest of an outbound activity's remote followers (src/federation/outbound/statuses.ts), after `afterAccountId`. */
  | { type: "delivery.followers"; v: 1; actorId: number; activity: Record<string, unknown>; afterAccountId: number }
  /**
   * A remote Move (src/federation/inbox-consumer/move.ts), one phase page at a time: local followers of
   * `originId` follow `targetId` instead ("follows", `after` = follower account id), then local blocks
   * and mutes of the origin carry over ("blocks"/"mutes", `after` = block/mute row id).
   */
  | { type: "account.moved"; v: 1; originId: number; targetId: number; phase: "follows" | "blocks" | "mutes"; after: number }
  /**
   * One page of a confirmed data import (src/services/imports/process.ts): "overwrite" pages through the
   * account's current entries after `after` (removing those the file leaves out), then "rows" applies
   * the file's rows after row id `after`.
   */
  | { type: "import.rows"; v: 1; importId: number; phase: "overwrite" | "rows"; after: number }
  /**
   * A local account moved away (src/federation/outbound/move.ts): the actor's Update, the Move to its
   * followers' servers and its local followers' `account.moved` pages. Written to the event outbox in
   * the move's own commit, so a send that fails is retried rather than lost.
   */
  | { type: "account.move_out"; v: 1; accountId: number; targetId: number; migrationId: number }
  /**
   * An instance domain block's work on the stored accounts of `domain` and its subdomains
   * (src/services/domain-blocks.ts), a page of accounts after account id `after` at a time: "apply"
   * suspends or silences them, "lift" clears what the block marked (`marker`: its created_at).
   */
  | { type: "domain_block.accounts"; v: 1; op: "apply" | "lift"; domain: string; marker: number; after: number };

/**
 * DELIVERY: one activity for up to DELIVERY_INBOXES_PER_MESSAGE inboxes. The consumer loads the
 * signing key of `actorId` (a local account; null for the instance actor) from D1, signs once per
 * inbox, and re-enqueues the inboxes that failed with backoff (`attempt` counts those rounds).
 */
export interface DeliveryMessage {
  type: "delivery";
  v: 1;
  actorId: number | null;
  activity: Record<string, unknown>;
  inboxes: string[];
  attempt: number;
}

export const DELIVERY_INBOXES_PER_MESSAGE = 100;

/**
 * INBOX: an activity whose HTTP signature, digest and key owner the inbox route has already
 * verified (src/federation/inbox.ts); the consumer applies it without verifying again.
 * `activity` is the JSON object as received. `actorGone` marks the one unverifiable case accepted:
 * a Delete of its own actor whose key document answered 410 Gone.
 */
export interface InboxMessage {
  type: "inbox.activity";
  v: 1;
  activity: Record<string, unknown>;
  actorUri: string;
  receivedAt: number;
  actorGone?: true;
}

export type QueueMessage = FanoutMessage | InboxMessage | DeliveryMessage;

export const QUEUE_NAMES = {
  inbox: "petrel-inbox",
  delivery: "petrel-delivery",
  fanout: "petrel-fanout",
  deadLetter: "petrel-dead-letter",
} as const;

export async function enqueueInbox(queue: Queue, message: InboxMessage): Promise<void> {
  await queue.send(message, { contentType: "json" });
}

export async function enqueueFanout(queue: Queue, message: FanoutMessage): Promise<void> {
  await queue.send(message, { contentType: "json" });
}
