/**
 * Direct-message conversations (Mastodon's AccountConversation): each local participant of a direct
 * status has one row per thread and set of other participants. A new direct status is appended to
 * the author's row (read) and to each local recipient's row (unread), from the FANOUT consumer
 * (`recordDirectStatus`); a deleted one is taken out by a trigger (migrations/0008_search_fts.sql).
 * Lists page by `last_status_id`, as Mastodon's do, so a conversation moves up when it gets a reply.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type MastodonConversation, serializeConversation } from "../entities/conversation";
import type { MastodonStatus } from "../entities/status";
import { notFound } from "../errors";
import { newId, parseId } from "../ids";
import type { PageParams } from "../util/pagination";
import type { VisibleAccount } from "./accounts";
import { hydrateStatuses } from "./hydrate";
import { batchSql, finishRowPage, loadVisibleAccounts, type RowPage, rowIdRange } from "./relationships/common";

interface DirectStatusRow {
  id: number;
  account_id: number;
  conversation_id: number;
  visibility: string;
  reblog_of_id: number | null;
  author_local: number;
  /** JSON array of the non-silent mentions' account ids. */
  mentioned: string;
}

/**
 * Adds a direct status to the conversations of its local participants and raises
 * `conversationUpdated` for each row that changed. Idempotent: a status already in a row leaves it
 * alone (and raises nothing), so a retried FANOUT message is harmless.
 * Recipients are the local accounts it mentions (not silently) that would be notified of it: not
 * blocking or muting the author, not blocked by the author (Mastodon adds the recipient's row from
 * NotifyService, so filtered mentions get none).
 */
export async function recordDirectStatus(db: Db, statusId: number, now = Date.now()): Promise<void> {
  const [statusRows, recipientRows] = await batchSql(db, [
    sql`SELECT s.id, s.account_id, coalesce(s.conversation_id, s.id) AS conversation_id, s.visibility, s.reblog_of_id,
        EXISTS (SELECT 1 FROM users WHERE account_id = s.account_id) AS author_local,
        (SELECT json_group_array(account_id) FROM mentions WHERE status_id = s.id AND silent = 0) AS mentioned
      FROM statuses s WHERE s.id = ${statusId}`,
    sql`SELECT m.account_id AS id FROM mentions m
      JOIN users u ON u.account_id = m.account_id
      JOIN statuses s ON s.id = m.status_id
      WHERE m.status_id = ${statusId} AND m.silent = 0 AND m.account_id <> s.account_id
        AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = m.account_id AND target_account_id = s.account_id)
        AND NOT EXISTS (SELECT 1 FROM blocks WHERE account_id = s.account_id AND target_account_id = m.account_id)
        AND NOT EXISTS (SELECT 1 FROM mutes WHERE account_id = m.account_id AND target_account_id = s.account_id
          AND (expires_at IS NULL OR expires_at > ${now}))`,
  ]);
  const status = statusRows?.[0] as DirectStatusRow | undefined;
  if (status?.visibility !== "direct" || status.reblog_of_id !== null) return;
  const everyone = new Set<number>([status.account_id, ...(JSON.parse(status.mentioned) as number[])]);
  const recipients = (recipientRows ?? []).map((r) => Number(r.id));
  if (status.author_local === 1) recipients.unshift(status.account_id);

  const statements = recipients.map((accountId) => {
    const others = [...everyone].filter((id) => id !== accountId).sort((a, b) => a - b);
    return upsertStatement(accountId, status, JSON.stringify(others), accountId !== status.account_id, now);
  });
  const results = await batchSql(db, statements);
  for (const rows of results) {
    for (const row of rows) await db.$events?.conversationUpdated(Number(row.account_id), Number(row.id));
  }
}

function upsertStatement(accountId: number, status: DirectStatusRow, participants: string, unread: boolean, now: number): SQL {
  // D1 binds JS numbers as REAL, and json_group_array prints REALs with 15 significant digits, which
  // would round a 16-digit id: the id goes into the JSON array as an INTEGER.
  const id = sql`CAST(${status.id} AS INTEGER)`;
  return sql`
    INSERT INTO account_conversations
      (id, account_id, conversation_id, participant_account_ids, status_ids, last_status_id, unread, created_at, updated_at)
    VALUES (${newId(now)}, ${accountId}, ${status.conversation_id}, ${participants}, ${JSON.stringify([status.id])},
      ${status.id}, ${unread ? 1 : 0}, ${now}, ${now})
    ON CONFLICT (account_id, conversation_id, participant_account_ids) DO UPDATE SET
      status_ids = (SELECT json_group_array(value) FROM (
        SELECT value FROM json_each(account_conversations.status_ids) UNION SELECT ${id} ORDER BY 1)),
      last_status_id = max(coalesce(account_conversations.last_status_id, 0), ${id}),
      unread = excluded.unread,
      updated_at = excluded.updated_at
    WHERE NOT EXISTS (SELECT 1 FROM json_each(account_conversations.status_ids) WHERE value = ${id})
    RETURNING id, account_id`;
}

interface ConversationRow {
  rowId: number;
  id: number;
  unread: boolean;
  participants: number[];
  lastStatusId: number;
}

interface RawConversationRow {
  id: number;
  unread: number;
  participant_account_ids: string;
  last_status_id: number;
}

const toRow = (r: RawConversationRow): ConversationRow => ({
  rowId: r.last_status_id,
  id: r.id,
  unread: r.unread === 1,
  participants: JSON.parse(r.participant_account_ids) as number[],
  lastStatusId: r.last_status_id,
});

/** Participants and last statuses for `rows`, serialized in the rows' order (two reads in all). */
async function render(db: Db, config: Config, viewerId: number, rows: ConversationRow[]): Promise<MastodonConversation[]> {
  if (rows.length === 0) return [];
  const accountIds = new Set<number>([viewerId, ...rows.flatMap((r) => r.participants)]);
  const [accounts, statuses] = await Promise.all([
    loadVisibleAccounts(db, [...accountIds]),
    hydrateStatuses(
      db,
      config,
      viewerId,
      rows.map((r) => r.lastStatusId),
    ),
  ]);
  const statusById = new Map<string, MastodonStatus>(statuses.map((s) => [s.id, s]));
  const self = accounts.get(viewerId);
  return rows.map((row) => {
    const participants = row.participants.flatMap((id): VisibleAccount[] => {
      const found = accounts.get(id);
      return found ? [found] : [];
    });
    return serializeConversation(config, {
      id: row.id,
      unread: row.unread,
      participants: participants.length > 0 || !self ? participants : [self],
      lastStatus: statusById.get(String(row.lastStatusId)) ?? null,
    });
  });
}

/** `GET /api/v1/conversations`: newest activity first, paged by last status id (an index walk). */
export async function listConversations(
  db: Db,
  config: Config,
  viewerId: number,
  page: PageParams,
): Promise<RowPage<MastodonConversation>> {
  const range = rowIdRange("last_status_id", page);
  const raw = await db.all<RawConversationRow>(sql`
    SELECT id, unread, participant_account_ids, last_status_id FROM account_conversations
    WHERE account_id = ${viewerId} AND last_status_id IS NOT NULL AND ${range.where}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  const rows = finishRowPage(raw.map(toRow), page, range.ascending);
  return { ...rows, items: await render(db, config, viewerId, rows.items) };
}

async function findOwn(db: Db, accountId: number, id: number | undefined): Promise<ConversationRow | undefined> {
  if (id === undefined) return undefined;
  const rows = await db.all<RawConversationRow>(sql`
    SELECT id, unread, participant_account_ids, last_status_id FROM account_conversations
    WHERE id = ${id} AND account_id = ${accountId}`);
  return rows[0] ? toRow(rows[0]) : undefined;
}

/** One of `accountId`'s conversations as its entity (for the streaming `conversation` event too). */
export async function loadConversation(
  db: Db,
  config: Config,
  accountId: number,
  conversationId: number,
): Promise<MastodonConversation | undefined> {
  const row = await findOwn(db, accountId, conversationId);
  if (!row) return undefined;
  return (await render(db, config, accountId, [row]))[0];
}

/** `POST /api/v1/conversations/:id/read` (and the undocumented `/unread`). */
export async function setConversationUnread(
  db: Db,
  config: Config,
  accountId: number,
  rawId: string,
  unread: boolean,
): Promise<MastodonConversation> {
  const id = parseId(rawId);
  const row = await findOwn(db, accountId, id);
  if (!row) throw notFound();
  if (row.unread !== unread) {
    await db.run(sql`UPDATE account_conversations SET unread = ${unread ? 1 : 0}, updated_at = ${Date.now()}
      WHERE id = ${row.id} AND account_id = ${accountId}`);
    await db.$events?.conversationUpdated(accountId, row.id);
  }
  return (await render(db, config, accountId, [{ ...row, unread }]))[0] as MastodonConversation;
}

/** `DELETE /api/v1/conversations/:id`: the row goes; a later direct status in the thread brings it back. */
export async function removeConversation(db: Db, accountId: number, rawId: string): Promise<void> {
  const id = parseId(rawId);
  const row = await findOwn(db, accountId, id);
  if (!row) throw notFound();
  await db.run(sql`DELETE FROM account_conversations WHERE id = ${row.id} AND account_id = ${accountId}`);
}
