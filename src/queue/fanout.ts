/**
 * The FANOUT consumer: what a new, edited or deleted status means for local home and list feeds and
 * notifications. The rules are Mastodon's FanOutOnWriteService and FeedManager#filter_from_home?:
 * - the author's own home always gets the status;
 * - public, unlisted and private statuses go to every local follower's home, unless the follower has
 *   boosts of the author off (for boosts), does not want the status's language, blocks or is blocked
 *   by the author (or the boosted author), mutes them, blocks their domain, or blocks/mutes someone the
 *   status mentions; a reply to someone else only reaches followers who also follow the replied-to
 *   account; a member of one of the follower's exclusive lists stays out of the follower's home;
 * - private statuses also reach mentioned local accounts; direct ones reach only mentioned accounts;
 * - each list of a follower that holds the author gets it too, subject to the list's replies policy;
 * - mentioned local accounts get a `mention` notification, followers who asked get `status` ones.
 * Followers are read in keyset pages of FOLLOWER_PAGE (one short D1 query each, never unbounded), and
 * their feeds are written with one AccountHub call per shard. After FOLLOWER_PAGES_PER_MESSAGE pages the rest is
 * handed to a follow-up `status.followers` message, so one invocation's work stays bounded.
 * Every step is idempotent (feed inserts and notifications dedupe), so a retried message is harmless.
 * This file is the dispatch; fanout-create.ts and fanout-delete.ts hold the handlers.
 */
import { envDb } from "../db/client";
import type { Bindings } from "../env";
import { migrateMove } from "../federation/inbox-consumer/move";
import { moveOut } from "../federation/outbound/move";
import { deliverStatusUpdated, deliverToFollowers, outboundFromEnv } from "../federation/outbound/statuses";
import { domainBlockAccountsPage } from "../services/domain-blocks";
import { accountHub } from "../services/feeds";
import { loadStatus } from "../services/home-rules";
import { processImport } from "../services/imports/process";
import { publishEdit } from "../streaming/publish";
import { conversationUpdated, filtersChanged, notificationCreated } from "./events";
import { deletedCard, requestCard, statusCard } from "./fanout-card";
import { type FanoutResult, newStats } from "./fanout-common";
import { addToFollowers, statusCreated } from "./fanout-create";
import { removeFromFollowers, statusDeleted } from "./fanout-delete";
import { enqueueFanout, type FanoutMessage } from "./messages";

export type { FanoutResult, FanoutStats } from "./fanout-common";
export { FOLLOWER_PAGE, FOLLOWER_PAGES_PER_MESSAGE } from "./fanout-common";

export async function handleFanout(env: Bindings, message: FanoutMessage, stats = newStats()): Promise<FanoutResult> {
  switch (message.type) {
    case "status.created":
      // First, so a failing fanout step does not hold the preview back (a retry's duplicate is a no-op).
      await requestCard(env, message.statusId);
      return statusCreated(env, message, stats);
    case "status.card":
      await statusCard(env, message.statusId);
      return "done";
    case "status.updated":
      // Feeds hold ids only and hydration reads the current row, so an edit changes no feed.
      await publishEdit(env, message.statusId);
      await deliverStatusUpdated(env, message.statusId);
      await requestCard(env, message.statusId);
      return "done";
    case "delivery.followers":
      return deliverToFollowers(outboundFromEnv(env), message.actorId, message.activity, message.afterAccountId);
    case "account.moved":
      return migrateMove(env, message);
    case "import.rows":
      return processImport(env, message);
    case "account.move_out":
      await moveOut(env, message);
      return "done";
    case "domain_block.accounts":
      return domainBlockAccounts(env, message);
    case "status.deleted":
      await deletedCard(env, message.statusId);
      return statusDeleted(env, message.statusId, message.accountId, message.reblogOfId, stats);
    case "notification.created":
      await notificationCreated(env, message.notificationId, message.accountId);
      return "done";
    case "filters.changed":
      await filtersChanged(env, message.accountId);
      return "done";
    case "feed.remove_author":
      await accountHub(env, message.accountId).removeAuthor(message.targetAccountId, { boostsOfAuthor: message.boostsOfTarget });
      return "done";
    case "conversation.updated":
      await conversationUpdated(env, message.accountId, message.conversationId);
      return "done";
    case "status.followers":
      if (message.op === "add") {
        const status = await loadStatus(envDb(env), message.statusId);
        return status ? addToFollowers(env, status, message.afterAccountId, stats) : "done";
      }
      return removeFromFollowers(env, message.statusId, message.accountId, message.reblogOfId, message.afterAccountId, stats);
  }
}

/** One page of a domain block's work on stored accounts; the next page is queued before this one is acked. */
async function domainBlockAccounts(
  env: Bindings,
  message: Extract<FanoutMessage, { type: "domain_block.accounts" }>,
): Promise<FanoutResult> {
  const next = await domainBlockAccountsPage(envDb(env), message);
  if (next) await enqueueFanout(env.FANOUT, next);
  return "done";
}

/** Whether a queue body is a FANOUT message this consumer understands. */
export function isFanoutMessage(body: unknown): body is FanoutMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Record<string, unknown>;
  if (m.v !== 1) return false;
  if (m.type === "notification.created") return typeof m.notificationId === "number" && typeof m.accountId === "number";
  if (m.type === "filters.changed") return typeof m.accountId === "number";
  if (m.type === "feed.remove_author")
    return typeof m.accountId === "number" && typeof m.targetAccountId === "number" && typeof m.boostsOfTarget === "boolean";
  if (m.type === "conversation.updated") return typeof m.accountId === "number" && typeof m.conversationId === "number";
  if (m.type === "account.moved") {
    return (
      typeof m.originId === "number" &&
      typeof m.targetId === "number" &&
      typeof m.after === "number" &&
      (m.phase === "follows" || m.phase === "blocks" || m.phase === "mutes")
    );
  }
  if (m.type === "account.move_out") {
    return typeof m.accountId === "number" && typeof m.targetId === "number" && typeof m.migrationId === "number";
  }
  if (m.type === "domain_block.accounts") {
    return (
      (m.op === "apply" || m.op === "lift") &&
      typeof m.domain === "string" &&
      typeof m.marker === "number" &&
      typeof m.after === "number"
    );
  }
  if (m.type === "import.rows") {
    return typeof m.importId === "number" && typeof m.after === "number" && (m.phase === "overwrite" || m.phase === "rows");
  }
  if (m.type === "delivery.followers") {
    return (
      typeof m.actorId === "number" &&
      typeof m.afterAccountId === "number" &&
      typeof m.activity === "object" &&
      m.activity !== null
    );
  }
  if (typeof m.statusId !== "number") return false;
  switch (m.type) {
    case "status.created":
    case "status.updated":
    case "status.card":
      return true;
    case "status.deleted":
      return typeof m.accountId === "number";
    case "status.followers":
      return (m.op === "add" || m.op === "remove") && typeof m.accountId === "number" && typeof m.afterAccountId === "number";
    default:
      return false;
  }
}

function subjectOf(m: FanoutMessage): string {
  switch (m.type) {
    case "notification.created":
      return `notification ${m.notificationId}`;
    case "filters.changed":
      return `filters of ${m.accountId}`;
    case "feed.remove_author":
      return `removal of ${m.targetAccountId} from the feeds of ${m.accountId}`;
    case "conversation.updated":
      return `conversation ${m.conversationId} of ${m.accountId}`;
    case "delivery.followers":
      return `followers of ${m.actorId} after ${m.afterAccountId}`;
    case "account.moved":
      return `move of ${m.originId} to ${m.targetId}, ${m.phase} after ${m.after}`;
    case "import.rows":
      return `import ${m.importId}, ${m.phase} after ${m.after}`;
    case "account.move_out":
      return `move of ${m.accountId} to ${m.targetId}`;
    case "domain_block.accounts":
      return `${m.op} of the block of ${m.domain} after ${m.after}`;
    default:
      return `status ${m.statusId}`;
  }
}

/** Seconds before a failed message is tried again: 10 s, 20 s, 40 s ... capped at an hour. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(10 * 2 ** Math.max(attempts - 1, 0), 3600);
}

/** A FANOUT batch: each message is acked or retried on its own. */
export async function handleFanoutBatch(batch: MessageBatch<unknown>, env: Bindings): Promise<void> {
  for (const message of batch.messages) {
    if (!isFanoutMessage(message.body)) {
      console.error(`fanout: unknown message ${message.id}; retrying towards the dead-letter queue`);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      continue;
    }
    const started = Date.now();
    const stats = newStats();
    try {
      const result = await handleFanout(env, message.body, stats);
      message.ack();
      // One line per message: what operators (and the benchmark) read to see how long fanout takes.
      console.log(
        `fanout: ${message.body.type} ${subjectOf(message.body)} ${result} in ${Date.now() - started} ms ` +
          `(${stats.followers} followers, ${stats.feeds} feeds; D1 ${stats.d1Ms} ms, AccountHubs ${stats.hubMs} ms)`,
      );
    } catch (err) {
      console.error(`fanout: ${message.body.type} for ${subjectOf(message.body)} failed (attempt ${message.attempts})`, err);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
