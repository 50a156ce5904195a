/**
 * The INBOX consumer: applies activities the inbox route verified (src/federation/inbox.ts), one
 * message at a time, each acked or retried on its own:
 * - applied, ignored (unknown type, not about anyone here) or refused (spoofed origin, someone
 *   else's object, invalid document): acked, with one log line, and the inbox_activities row marked;
 * - transient failure (a peer timing out or answering 5xx, D1 errors): retried with backoff until the
 *   queue's max_retries sends it to the dead-letter queue.
 * Handlers call the same services as the API (relationships, statuses, notifications, FANOUT).
 */
import { eq } from "drizzle-orm";
import { loadConfig } from "../../config";
import { envDb } from "../../db/client";
import { type Account, inboxActivities } from "../../db/schema";
import type { Bindings } from "../../env";
import type { InboxMessage } from "../../queue/messages";
import { remoteContext } from "../fetch";
import { handleQuoteRequestAnswer, isQuoteRequestAnswer } from "../quote-requests";
import { type Activity, parseActivity } from "../vocab/activity";
import { actorAccount, type InboxContext, type InboxDeps, PermanentError, TransientError } from "./context";
import { handleCreate, type Outcome } from "./create";
import { handleDelete } from "./delete";
import { handleFlag } from "./flag";
import { handleAccept, handleBlock, handleFollow, handleReject } from "./follows";
import { handleAnnounce, handleFeatured, handleLike, handleUndo } from "./interactions";
import { handleMove } from "./move";
import { handleQuoteRequest } from "./quotes";
import { handleUpdate } from "./update";

export type { InboxDeps } from "./context";
export { PermanentError, TransientError } from "./context";

export function isInboxMessage(body: unknown): body is InboxMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Record<string, unknown>;
  return (
    m.type === "inbox.activity" &&
    m.v === 1 &&
    typeof m.actorUri === "string" &&
    typeof m.activity === "object" &&
    m.activity !== null &&
    !Array.isArray(m.activity)
  );
}

/** Seconds before another try: 30 s, 1 min, 2 min ... capped at 6 h (ten tries span about a day). */
export function inboxRetryDelaySeconds(attempts: number): number {
  return Math.min(30 * 2 ** Math.max(attempts - 1, 0), 6 * 3600);
}

/** An Update of its own actor from an account its own server suspended: it may lift that suspension. */
function liftsOwnSuspension(activity: Activity, actor: Account): boolean {
  return activity.type === "Update" && actor.suspensionOrigin === "remote" && activity.object.id === actor.uri;
}

async function dispatch(ctx: InboxContext, activity: Activity): Promise<Outcome> {
  if (activity.actor !== ctx.message.actorUri)
    throw new PermanentError(`actor ${activity.actor} is not the signer ${ctx.message.actorUri}`);
  const actor = await actorAccount(ctx);
  if (ctx.message.actorGone && activity.type !== "Delete") throw new PermanentError("only a Delete is taken from a gone actor");
  if (actor.suspendedAt !== null && activity.type !== "Delete" && !liftsOwnSuspension(activity, actor)) {
    return { done: true, note: "actor is suspended" };
  }
  switch (activity.type) {
    case "Follow":
      return handleFollow(ctx, activity, actor);
    case "Accept":
      if (await isQuoteRequestAnswer(ctx, activity)) return handleQuoteRequestAnswer(ctx, activity, actor, "Accept");
      return handleAccept(ctx, activity, actor);
    case "Reject":
      if (await isQuoteRequestAnswer(ctx, activity)) return handleQuoteRequestAnswer(ctx, activity, actor, "Reject");
      return handleReject(ctx, activity, actor);
    case "Undo":
      return handleUndo(ctx, activity, actor);
    case "Create":
      return handleCreate(ctx, activity, actor);
    case "Update":
      return handleUpdate(ctx, activity, actor);
    case "Delete":
      return handleDelete(ctx, activity, actor);
    case "Like":
    case "EmojiReact":
      return handleLike(ctx, activity, actor);
    case "Announce":
      return handleAnnounce(ctx, activity, actor);
    case "Block":
      return handleBlock(ctx, activity, actor);
    case "Add":
    case "Remove":
      return handleFeatured(ctx, activity, actor);
    case "Move":
      return handleMove(ctx, activity, actor);
    case "Flag":
      return handleFlag(ctx, activity, actor);
    case "QuoteRequest":
      return handleQuoteRequest(ctx, activity, actor);
  }
}

/** Applies one message; throws TransientError (or anything unexpected) when it should be retried. */
export async function applyInboxMessage(ctx: InboxContext): Promise<Outcome> {
  const parsed = parseActivity(ctx.message.activity);
  if (!parsed.ok) {
    if (parsed.reason.startsWith("unsupported activity type")) return { done: true, note: `ignored: ${parsed.reason}` };
    throw new PermanentError(parsed.reason);
  }
  return dispatch(ctx, parsed.value);
}

async function markProcessed(ctx: InboxContext, error: string | null): Promise<void> {
  const id = ctx.message.activity.id;
  if (typeof id !== "string") return;
  try {
    await ctx.db
      .update(inboxActivities)
      .set({ processedAt: Date.now(), error: error?.slice(0, 500) ?? null })
      .where(eq(inboxActivities.activityId, id));
  } catch (err) {
    // Bookkeeping only: the activity itself was handled.
    console.error(`inbox: could not mark ${id}`, err);
  }
}

function describe(message: InboxMessage): string {
  const a = message.activity;
  return `${String(a.type)} ${typeof a.id === "string" ? a.id : "(no id)"} from ${message.actorUri}`;
}

export async function handleInboxBatch(batch: MessageBatch<unknown>, env: Bindings, deps: InboxDeps = {}): Promise<void> {
  const db = envDb(env);
  const config = loadConfig(env);
  const remote = remoteContext(db, config, deps.fetcher);
  for (const message of batch.messages) {
    if (!isInboxMessage(message.body)) {
      // Left for the operator: the dead-letter table records it once the retries run out.
      console.error(`inbox: malformed message ${message.id}; retrying towards the dead-letter queue`);
      message.retry({ delaySeconds: inboxRetryDelaySeconds(message.attempts) });
      continue;
    }
    const ctx: InboxContext = {
      env,
      db,
      config,
      remote,
      fanout: deps.fanout ?? env.FANOUT,
      inbox: deps.inbox ?? env.INBOX,
      delivery: deps.delivery ?? env.DELIVERY,
      message: message.body,
      attempt: message.attempts,
    };
    const started = Date.now();
    try {
      const outcome = await applyInboxMessage(ctx);
      await markProcessed(ctx, null);
      message.ack();
      console.log(
        `inbox: ${describe(message.body)} applied in ${Date.now() - started} ms${outcome.note ? ` (${outcome.note})` : ""}`,
      );
    } catch (err) {
      if (err instanceof PermanentError) {
        await markProcessed(ctx, err.message);
        message.ack();
        console.warn(`inbox: ${describe(message.body)} refused: ${err.message}`);
        continue;
      }
      const kind = err instanceof TransientError ? "transient failure" : "failed";
      console.error(`inbox: ${describe(message.body)} ${kind} (attempt ${message.attempts}); retrying`, err);
      message.retry({ delaySeconds: inboxRetryDelaySeconds(message.attempts) });
    }
  }
}
