/** The local account behind a username in a federation URL or a WebFinger resource. */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../db/client";
import { type Account, accounts, users } from "../db/schema";

/** The local account named `username` (case-insensitive) and whether its user is approved. */
export async function localAccountByUsername(
  db: Db,
  username: string,
): Promise<{ account: Account; approved: boolean } | undefined> {
  const rows = await db
    .select({ account: accounts, approved: users.approved })
    .from(accounts)
    .innerJoin(users, eq(users.accountId, accounts.id))
    .where(and(eq(accounts.acctKey, username.toLowerCase()), isNull(accounts.domain)))
    .limit(1);
  return rows[0];
}

/** A local account others may see: its user approved and the account not suspended. */
export async function publicLocalAccount(db: Db, username: string): Promise<Account | undefined> {
  const row = await localAccountByUsername(db, username);
  return row?.approved && row.account.suspendedAt === null ? row.account : undefined;
}
