/**
 * Account search from the database (Mastodon's AccountSearchService without Elasticsearch) and
 * familiar followers. Every query walks an index and stops at its LIMIT: handles by a range on the
 * unique `acct_key` index, display names by word prefix within a bounded scan.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { INSTANCE_ACTOR_USERNAME } from "../../urls";
import { parseAcct, type VisibleAccount } from "../accounts";
import { accountListable, loadVisibleAccounts } from "./common";

export interface AccountSearch {
  q: string;
  limit: number;
  offset: number;
  following: boolean;
}

/** How many accounts a display-name search reads at most (see the note in `searchAccounts`). */
const DISPLAY_NAME_SCAN_MAX = 10_000;

/** Longest word (UTF-8 bytes) whose `% word%` pattern stays under D1's 50-byte LIKE limit. */
const LIKE_WORD_MAX_BYTES = 46;

/** The smallest string greater than every string starting with `prefix` (for an index range). */
function prefixEnd(prefix: string): string {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.slice(0, -1) + String.fromCharCode(last + 1);
}

function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Accounts matching `q` by handle (exact first, then prefix) or display name, as `viewerId` may see them. */
export async function searchAccounts(db: Db, config: Config, viewerId: number, search: AccountSearch): Promise<VisibleAccount[]> {
  const query = search.q.trim().replace(/^@/, "");
  if (query === "" || search.limit < 1) return [];
  const parsed = parseAcct(config, query);
  const hasDomain = query.includes("@");
  const key = (parsed ? (parsed.domain === null ? parsed.username : `${parsed.username}@${parsed.domain}`) : query).toLowerCase();
  const want = search.offset + search.limit;

  const source = search.following
    ? sql`follows f JOIN accounts a ON a.id = f.target_account_id AND f.account_id = ${viewerId}`
    : sql`accounts a`;
  // Without a full-text index, display names are matched within the newest accounts only, so the scan
  // stays bounded at any table size.
  const nameSource = search.following ? source : sql`(SELECT * FROM accounts ORDER BY id DESC LIMIT ${DISPLAY_NAME_SCAN_MAX}) a`;
  const visible = sql`${accountListable("a")}
    AND NOT (a.domain IS NULL AND a.acct_key = ${INSTANCE_ACTOR_USERNAME})
    AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = a.id AND target_account_id = ${viewerId})
    AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = ${viewerId} AND target_account_id = a.id)`;

  // Handles: `acct_key` is lower-cased, so a range over it is a case-insensitive prefix match on the
  // index, and in index order an exact match (the shortest key in the range) comes first.
  const byHandle = await db.all<{ id: number }>(sql`
    SELECT a.id AS id FROM ${source}
    WHERE a.acct_key >= ${key} AND a.acct_key < ${prefixEnd(key)} AND ${visible}
    ORDER BY a.acct_key LIMIT ${want}`);
  let ids = byHandle.map((r) => r.id);
  const word = likeEscape(query.toLowerCase());
  // D1 refuses LIKE patterns of 50 bytes or more ("pattern too complex"); a longer word is no display name to match.
  if (!hasDomain && ids.length < want && new TextEncoder().encode(word).length <= LIKE_WORD_MAX_BYTES) {
    const byName = await db.all<{ id: number }>(sql`
      SELECT a.id AS id FROM ${nameSource}
      WHERE (lower(a.display_name) LIKE ${`${word}%`} ESCAPE '\\' OR lower(a.display_name) LIKE ${`% ${word}%`} ESCAPE '\\')
        AND ${visible}
      LIMIT ${want}`);
    ids = [...new Set([...ids, ...byName.map((r) => r.id)])];
  }
  const page = ids.slice(search.offset, want);
  const found = await loadVisibleAccounts(db, page);
  return page.flatMap((id) => {
    const account = found.get(id);
    return account ? [account] : [];
  });
}

export interface FamiliarFollowers {
  id: number;
  accounts: VisibleAccount[];
}

/** Upper bound on follower rows read for one familiar_followers request. */
const FAMILIAR_MAX_ROWS = 1000;

/**
 * For each of `ids` (visible accounts only, in the order asked for): the accounts the viewer follows
 * that follow it, leaving out those who hide their collections (Mastodon's FamiliarFollowersPresenter).
 */
export async function familiarFollowers(db: Db, viewerId: number, ids: readonly number[]): Promise<FamiliarFollowers[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const targets = await loadVisibleAccounts(db, unique);
  const wanted = unique.filter((id) => targets.has(id));
  if (wanted.length === 0) return [];
  // Walks the viewer's own follows (indexed by follower), then one pair lookup per followee and target.
  const rows = await db.all<{ target: number; follower: number }>(sql`
    SELECT f.target_account_id AS target, f.account_id AS follower
    FROM follows m
    JOIN follows f ON f.account_id = m.target_account_id
      AND f.target_account_id IN (SELECT value FROM json_each(${JSON.stringify(wanted)}))
    JOIN accounts a ON a.id = f.account_id
    WHERE m.account_id = ${viewerId} AND a.hide_collections = 0 AND ${accountListable("a")}
    ORDER BY f.id DESC
    LIMIT ${FAMILIAR_MAX_ROWS}`);
  const accounts = await loadVisibleAccounts(
    db,
    rows.map((r) => r.follower),
  );
  return wanted.map((id) => ({
    id,
    accounts: rows.flatMap((r) => {
      const account = r.target === id ? accounts.get(r.follower) : undefined;
      return account ? [account] : [];
    }),
  }));
}
