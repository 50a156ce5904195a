/**
 * Move of a local account (Mastodon's MoveDistributionWorker): to its followers' servers, which check
 * that the target lists the account in `alsoKnownAs` and then move their users' follows. Sent after
 * the actor's Update carrying `movedTo` (src/services/account-migration.ts).
 */
import { envDb } from "../../db/client";
import type { Account } from "../../db/schema";
import type { Bindings } from "../../env";
import { enqueueFanout, type FanoutMessage } from "../../queue/messages";
import { findAccountById } from "../../services/accounts";
import { actorUri } from "../../urls";
import { sendActorUpdate } from "./actions";
import { AS_CONTEXT } from "./activities";
import { accountUri } from "./note";
import { deliverToFollowers, type OutboundBindings, outboundFromEnv } from "./statuses";

/** `migrationId`: the account_migrations row, which names the activity as Mastodon's `#moves/<id>`. */
function moveActivity(origin: string, target: string, migrationId: number): Record<string, unknown> {
  return { "@context": AS_CONTEXT, id: `${origin}#moves/${migrationId}`, type: "Move", actor: origin, object: origin, target };
}

async function sendMove(env: OutboundBindings, account: Account, target: Account, migrationId: number): Promise<void> {
  if (account.domain !== null) return;
  const ctx = outboundFromEnv(env);
  const origin = actorUri(ctx.config, account.username);
  await deliverToFollowers(ctx, account.id, moveActivity(origin, accountUri(ctx.config, target), migrationId), 0);
}

/**
 * Everything that follows a recorded move, in order: the actor's Update (so that servers handling the
 * Move already see `movedTo`), the Move to followers' servers, and the local followers' move through
 * FANOUT `account.moved` (src/federation/inbox-consumer/move.ts).
 */
export async function federateMove(env: OutboundBindings, account: Account, target: Account, migrationId: number): Promise<void> {
  await sendActorUpdate(env, account);
  await sendMove(env, account, target, migrationId);
  await enqueueFanout(env.FANOUT, {
    type: "account.moved",
    v: 1,
    originId: account.id,
    targetId: target.id,
    phase: "follows",
    after: 0,
  });
}

/**
 * The FANOUT `account.move_out` message (queued from the event outbox written with the move): the
 * sends above, unless the move was cancelled or superseded since. Every send is an enqueue that is
 * harmless twice, so the message is simply retried when one fails.
 */
export async function moveOut(env: Bindings, message: Extract<FanoutMessage, { type: "account.move_out" }>): Promise<void> {
  const db = envDb(env);
  const [account, target] = await Promise.all([findAccountById(db, message.accountId), findAccountById(db, message.targetId)]);
  if (!account || !target || account.movedToAccountId !== target.id) return;
  await federateMove(env, account, target, message.migrationId);
}
