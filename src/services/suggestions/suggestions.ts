/**
 * Follow suggestions (Mastodon's AccountSuggestions), from three sources, in this order:
 * - friends_of_friends: accounts followed by the accounts the user follows most recently
 *   (FOF_FOLLOWEES of them, FOF_ROWS follow rows read at most), most shared first;
 * - most_followed: local accounts with the most followers;
 * - most_interactions: local accounts that posted most recently.
 * Each source is one statement over a bounded index walk (follows_pair, accounts_directory_followers,
 * accounts_directory_active). As in Mastodon, only discoverable accounts are suggested (the global
 * sources also skip locked ones), never the user, accounts they follow or asked to follow, block,
 * mute, are blocked by, whose domain they block, or dismissed (suggestion_dismissals).
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { VisibleAccount } from "../accounts";
import { accountListable, loadVisibleAccounts, notExcludedFor } from "../relationships/common";

export type SuggestionSource = "friends_of_friends" | "most_followed" | "most_interactions";

export const FOF_FOLLOWEES = 100;
export const FOF_ROWS = 5000;
/** Index entries a global source walks before its filters. */
export const GLOBAL_WALK = 400;

export interface Suggestion {
  account: VisibleAccount;
  sources: SuggestionSource[];
}

function eligible(me: number, now: number): SQL {
  return sql`a.id <> ${me} AND a.discoverable = 1 AND a.suspended_at IS NULL AND a.silenced_at IS NULL
    AND a.moved_to_account_id IS NULL AND a.memorial = 0 AND ${accountListable("a")}
    AND NOT EXISTS (SELECT 1 FROM follows WHERE account_id = ${me} AND target_account_id = a.id)
    AND NOT EXISTS (SELECT 1 FROM follow_requests WHERE account_id = ${me} AND target_account_id = a.id)
    AND NOT EXISTS (SELECT 1 FROM suggestion_dismissals WHERE account_id = ${me} AND target_account_id = a.id)
    AND ${notExcludedFor("a", me, now)}`;
}

export async function suggestionsFor(db: Db, me: number, limit: number, now = Date.now()): Promise<Suggestion[]> {
  const ok = eligible(me, now);
  const [fof, followed, active] = await Promise.all([
    db.all<{ id: number }>(sql`
      SELECT a.id FROM (
        SELECT f2.target_account_id AS id FROM follows f2
        WHERE f2.account_id IN (SELECT target_account_id FROM follows WHERE account_id = ${me} ORDER BY id DESC LIMIT ${FOF_FOLLOWEES})
        LIMIT ${FOF_ROWS}
      ) c JOIN accounts a ON a.id = c.id
      WHERE ${ok}
      GROUP BY a.id ORDER BY count(*) DESC, a.followers_count DESC, a.id DESC LIMIT ${limit}`),
    db.all<{ id: number }>(sql`
      SELECT a.id FROM (
        SELECT id FROM accounts WHERE discoverable = 1 AND suspended_at IS NULL
        ORDER BY followers_count DESC LIMIT ${GLOBAL_WALK}
      ) c JOIN accounts a ON a.id = c.id
      WHERE ${ok} AND a.domain IS NULL AND a.locked = 0 AND a.followers_count > 0
      ORDER BY a.followers_count DESC, a.id DESC LIMIT ${limit}`),
    db.all<{ id: number }>(sql`
      SELECT a.id FROM (
        SELECT id FROM accounts WHERE discoverable = 1 AND suspended_at IS NULL AND last_status_at IS NOT NULL
        ORDER BY last_status_at DESC LIMIT ${GLOBAL_WALK}
      ) c JOIN accounts a ON a.id = c.id
      WHERE ${ok} AND a.domain IS NULL AND a.locked = 0
      ORDER BY a.last_status_at DESC, a.id DESC LIMIT ${limit}`),
  ]);
  const order: number[] = [];
  const sources = new Map<number, SuggestionSource[]>();
  const add = (rows: Array<{ id: number }>, source: SuggestionSource) => {
    for (const { id } of rows) {
      const list = sources.get(id);
      if (list) list.push(source);
      else {
        sources.set(id, [source]);
        order.push(id);
      }
    }
  };
  add(fof, "friends_of_friends");
  add(followed, "most_followed");
  add(active, "most_interactions");
  const picked = order.slice(0, limit);
  const accounts = await loadVisibleAccounts(db, picked);
  return picked.flatMap((id) => {
    const account = accounts.get(id);
    return account ? [{ account, sources: sources.get(id) ?? [] }] : [];
  });
}

/** `DELETE /api/v1/suggestions/:account_id`: never suggest that account to the user again. */
export async function dismissSuggestion(db: Db, me: number, targetId: number, now = Date.now()): Promise<void> {
  await db.run(sql`
    INSERT INTO suggestion_dismissals (account_id, target_account_id, created_at) VALUES (${me}, ${targetId}, ${now})
    ON CONFLICT (account_id, target_account_id) DO NOTHING`);
}
