/**
 * Moving a local account to another one (Mastodon's Settings → Account → Move to a different account:
 * AccountMigration, MoveDistributionWorker, MoveWorker). The new account must first list this one in
 * its `alsoKnownAs` (an alias, made on its server). Then this account gets `moved_to`, its actor's
 * Update (with `movedTo`) and a Move go to its followers' servers, which move their users' follows,
 * and its local followers follow the new account through the same FANOUT `account.moved` pages an
 * incoming Move uses (src/federation/inbox-consumer/move.ts). A second move waits 30 days, as
 * Mastodon's cooldown. `cancelMove` clears `moved_to` ("cancel redirect"); follows already moved stay.
 * The sends that follow a move are an event outbox row of the move's own commit (FANOUT
 * `account.move_out`): the route sends it at once, and the cron if that fails, so none is lost.
 */
import { desc, eq } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type Account, accounts, type User } from "../db/schema";
import { accountMigrations } from "../db/schema-migrations";
import { eventOutbox } from "../db/schema-outbox";
import type { Fetcher } from "../federation/fetch";
import { accountUri } from "../federation/outbound/note";
import { newId } from "../ids";
import type { FanoutMessage } from "../queue/messages";
import { findAccountByHandle } from "./account-aliases";
import { checkPassword } from "./passwords";

export const MIGRATION_COOLDOWN_MS = 30 * 86_400_000;

/** `outboxId`: the event outbox row carrying the move's sends (`account.move_out`), committed with it. */
export type MoveResult =
  | { ok: true; account: Account; target: Account; migrationId: number; outboxId: number }
  | { ok: false; errors: string[] };

/** When the account may move again (undefined: now). */
export async function moveCooldownUntil(db: Db, accountId: number, now = Date.now()): Promise<number | undefined> {
  const [last] = await db
    .select({ createdAt: accountMigrations.createdAt })
    .from(accountMigrations)
    .where(eq(accountMigrations.accountId, accountId))
    .orderBy(desc(accountMigrations.id))
    .limit(1);
  const until = last ? last.createdAt + MIGRATION_COOLDOWN_MS : undefined;
  return until !== undefined && until > now ? until : undefined;
}

/** Validates and records the move, with Mastodon's AccountMigration errors; federating it is the caller's. */
export async function moveAccount(
  db: Db,
  config: Config,
  current: { account: Account; user: User },
  input: { acct: string; currentPassword: string },
  options: { fetcher?: Fetcher; now?: number } = {},
): Promise<MoveResult> {
  const now = options.now ?? Date.now();
  const { account, user } = current;
  if (!(await checkPassword(db, user, input.currentPassword))) return { ok: false, errors: ["Current password is invalid"] };
  if ((await moveCooldownUntil(db, account.id, now)) !== undefined) return { ok: false, errors: ["You are on cooldown"] };
  if (input.acct.trim() === "") return { ok: false, errors: ["Handle of the new account can't be blank"] };
  // Fresh: the alias was most likely added on the new server a moment ago.
  const target = await findAccountByHandle(db, config, input.acct, { fetcher: options.fetcher, fresh: true });
  if (!target || target.suspendedAt !== null) return { ok: false, errors: ["Handle of the new account could not be found"] };
  if (target.id === account.id) return { ok: false, errors: ["Handle of the new account can't be the current account"] };
  if (account.movedToAccountId === target.id) {
    return { ok: false, errors: ["Handle of the new account is the same account you have already moved to"] };
  }
  if (!target.alsoKnownAs.includes(accountUri(config, account))) {
    return { ok: false, errors: ["Handle of the new account is not an alias of this account"] };
  }
  const migrationId = newId(now);
  const sends: FanoutMessage = { type: "account.move_out", v: 1, accountId: account.id, targetId: target.id, migrationId };
  const [updated, , outbox] = await db.batch([
    db.update(accounts).set({ movedToAccountId: target.id, updatedAt: now }).where(eq(accounts.id, account.id)).returning(),
    db.insert(accountMigrations).values({
      id: migrationId,
      accountId: account.id,
      targetAccountId: target.id,
      acct: input.acct.trim().replace(/^@/, ""),
      createdAt: now,
    }),
    db
      .insert(eventOutbox)
      .values({ message: JSON.stringify(sends), createdAt: now })
      .returning({ id: eventOutbox.id }),
  ]);
  const moved = updated[0];
  const outboxId = outbox[0]?.id;
  if (!moved || outboxId === undefined) throw new Error(`account ${account.id} vanished while moving`);
  return { ok: true, account: moved, target, migrationId, outboxId };
}

/** Clears `moved_to`; the cooldown stays (Mastodon's "cancel redirect"). Returns the account as stored. */
export async function cancelMove(db: Db, account: Account, now = Date.now()): Promise<Account> {
  if (account.movedToAccountId === null) return account;
  const [updated] = await db
    .update(accounts)
    .set({ movedToAccountId: null, updatedAt: now })
    .where(eq(accounts.id, account.id))
    .returning();
  return updated ?? account;
}
