/**
 * Relationships for a set of accounts, as one indexed statement: every flag is a primary-key or
 * unique-pair lookup per account, so the cost is a handful of index probes per id.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { RelationshipState } from "../../entities/relationship";

interface Row {
  id: number;
  f_id: number | null;
  f_reblogs: number | null;
  f_notify: number | null;
  f_languages: string | null;
  r_id: number | null;
  r_reblogs: number | null;
  r_notify: number | null;
  r_languages: string | null;
  followed_by: number;
  requested_by: number;
  blocking: number;
  blocked_by: number;
  m_account: number | null;
  m_hide: number | null;
  m_expires: number | null;
  domain_blocking: number;
  note: string | null;
  endorsed: number;
}

function languages(raw: string | null): string[] | null {
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) && parsed.length > 0 ? parsed.map(String) : null;
  } catch {
    return null;
  }
}

/**
 * The viewer's relationships with `ids`, in the order asked for; ids that name no account (or a
 * suspended one, unless `withSuspended`) are skipped, as Mastodon does. Duplicates appear once.
 */
export async function loadRelationships(
  db: Db,
  viewerId: number,
  ids: readonly number[],
  options: { withSuspended?: boolean; now?: number } = {},
): Promise<RelationshipState[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const now = options.now ?? Date.now();
  const me = viewerId;
  const rows = await db.all<Row>(sql`
    SELECT a.id AS id,
      f.id AS f_id, f.show_reblogs AS f_reblogs, f.notify AS f_notify, f.languages AS f_languages,
      r.id AS r_id, r.show_reblogs AS r_reblogs, r.notify AS r_notify, r.languages AS r_languages,
      EXISTS (SELECT 1 FROM follows WHERE account_id = a.id AND target_account_id = ${me}) AS followed_by,
      EXISTS (SELECT 1 FROM follow_requests WHERE account_id = a.id AND target_account_id = ${me}) AS requested_by,
      EXISTS (SELECT 1 FROM blocks WHERE account_id = ${me} AND target_account_id = a.id) AS blocking,
      EXISTS (SELECT 1 FROM blocks WHERE account_id = a.id AND target_account_id = ${me}) AS blocked_by,
      m.account_id AS m_account, m.hide_notifications AS m_hide, m.expires_at AS m_expires,
      (a.domain IS NOT NULL AND EXISTS (
        SELECT 1 FROM account_domain_blocks WHERE account_id = ${me} AND domain = a.domain)) AS domain_blocking,
      n.comment AS note,
      -- An endorsement counts only while the follow it needs still exists.
      (f.id IS NOT NULL AND EXISTS (
        SELECT 1 FROM account_pins WHERE account_id = ${me} AND target_account_id = a.id)) AS endorsed
    FROM accounts a
    LEFT JOIN follows f ON f.account_id = ${me} AND f.target_account_id = a.id
    LEFT JOIN follow_requests r ON r.account_id = ${me} AND r.target_account_id = a.id
    LEFT JOIN mutes m ON m.account_id = ${me} AND m.target_account_id = a.id
      AND (m.expires_at IS NULL OR m.expires_at > ${now})
    LEFT JOIN account_notes n ON n.account_id = ${me} AND n.target_account_id = a.id
    WHERE a.id IN (SELECT value FROM json_each(${JSON.stringify(unique)}))
      ${options.withSuspended ? sql`` : sql`AND a.suspended_at IS NULL`}`);
  const byId = new Map<number, RelationshipState>();
  for (const row of rows) {
    byId.set(row.id, {
      accountId: row.id,
      follow:
        row.f_id === null
          ? null
          : { reblogs: row.f_reblogs === 1, notify: row.f_notify === 1, languages: languages(row.f_languages) },
      request:
        row.r_id === null
          ? null
          : { reblogs: row.r_reblogs === 1, notify: row.r_notify === 1, languages: languages(row.r_languages) },
      followedBy: row.followed_by === 1,
      requestedBy: row.requested_by === 1,
      blocking: row.blocking === 1,
      blockedBy: row.blocked_by === 1,
      mute: row.m_account === null ? null : { notifications: row.m_hide === 1, expiresAt: row.m_expires },
      domainBlocking: row.domain_blocking === 1,
      note: row.note,
      endorsed: row.endorsed === 1,
    });
  }
  return unique.flatMap((id) => {
    const state = byId.get(id);
    return state ? [state] : [];
  });
}

/** The viewer's relationship with one account that is known to exist. */
export async function loadRelationship(db: Db, viewerId: number, accountId: number): Promise<RelationshipState> {
  const [state] = await loadRelationships(db, viewerId, [accountId], { withSuspended: true });
  if (!state) throw new Error(`account ${accountId} vanished`);
  return state;
}
