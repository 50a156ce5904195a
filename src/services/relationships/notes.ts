/** Private notes on other accounts (`POST /api/v1/accounts/:id/note`), shown as Relationship.note. */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type Account, accountNotes } from "../../db/schema";
import { ApiError } from "../../errors";

/** Mastodon's AccountNote limit. */
export const NOTE_MAX = 2000;

/** Sets the note; a blank comment removes it. */
export async function setAccountNote(db: Db, source: Account, target: Account, comment: string | undefined): Promise<void> {
  if (comment === undefined || comment.trim() === "") {
    await db.delete(accountNotes).where(and(eq(accountNotes.accountId, source.id), eq(accountNotes.targetAccountId, target.id)));
    return;
  }
  if ([...comment].length > NOTE_MAX) {
    throw new ApiError(422, `Validation failed: Comment is too long (maximum is ${NOTE_MAX} characters)`);
  }
  await db.run(sql`INSERT INTO account_notes (account_id, target_account_id, comment) VALUES (${source.id}, ${target.id}, ${comment})
    ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = excluded.comment`);
}
