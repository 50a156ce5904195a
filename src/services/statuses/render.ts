/**
 * Turning typed text into what a status stores: HTML, the local accounts it mentions and its tags.
 * Mentions of unknown or remote handles stay plain text until federation resolves them.
 */
import { and, isNull, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type Account, accounts } from "../../db/schema";
import { newId } from "../../ids";
import { extractEntities, extractTags, isLocalMention, type MentionTarget, renderStatusHtml } from "../../text/status-text";
import { profileUrl } from "../../urls";
import { runInBatch } from "./raw";

export interface RenderedStatus {
  content: string;
  /** Mentioned local accounts, in the order first mentioned. */
  mentions: Account[];
  tags: Array<{ name: string; displayName: string }>;
}

/**
 * Mentions of accounts the author blocks are dropped (Mastodon's ProcessMentionsService): they stay
 * plain text and get no mention row, so a block can't be bypassed by mentioning.
 */
export async function renderStatusText(db: Db, config: Config, text: string, authorId: number): Promise<RenderedStatus> {
  const entities = extractEntities(text);
  const usernames: string[] = [];
  for (const e of entities) {
    if (e.kind === "mention" && isLocalMention(config, e)) {
      const key = e.username.toLowerCase();
      if (!usernames.includes(key)) usernames.push(key);
    }
  }
  const rows =
    usernames.length === 0
      ? []
      : await db
          .select()
          .from(accounts)
          .where(
            and(
              isNull(accounts.domain),
              isNull(accounts.suspendedAt),
              sql`${accounts.acctKey} IN (SELECT value FROM json_each(${JSON.stringify(usernames)}))`,
              sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${authorId} AND b.target_account_id = ${accounts.id})`,
            ),
          );
  const byKey = new Map(rows.map((a) => [a.acctKey, a]));
  const targets = new Map<string, MentionTarget>();
  for (const [key, a] of byKey) targets.set(key, { username: a.username, url: a.url ?? profileUrl(config, a.username) });
  return {
    content: renderStatusHtml(config, text, entities, targets),
    mentions: usernames.flatMap((u) => byKey.get(u) ?? []),
    tags: extractTags(entities),
  };
}

/** Statements that link a status to its tags, creating the tags it introduces and dating them. */
export function tagStatements(db: Db, statusId: number, tagList: RenderedStatus["tags"], now: number) {
  if (tagList.length === 0) return [];
  const rows = JSON.stringify(tagList.map((t) => ({ id: newId(now), name: t.name, display: t.displayName })));
  const names = JSON.stringify(tagList.map((t) => t.name));
  return [
    // `WHERE true` lets SQLite parse the upsert after a SELECT.
    runInBatch(
      db,
      sql`
      INSERT INTO tags (id, name, display_name, last_status_at, created_at)
      SELECT json_extract(value, '$.id'), json_extract(value, '$.name'), json_extract(value, '$.display'), ${now}, ${now}
      FROM json_each(${rows}) WHERE true
      ON CONFLICT (name) DO UPDATE SET last_status_at = excluded.last_status_at`,
    ),
    runInBatch(
      db,
      sql`
      INSERT OR IGNORE INTO status_tags (status_id, tag_id)
      SELECT ${statusId}, t.id FROM json_each(${names}) j JOIN tags t ON t.name = j.value ORDER BY j.key`,
    ),
  ];
}

/** Statement that records the (non-silent) mentions of a new status, in the order written. */
export function mentionStatements(db: Db, statusId: number, mentioned: readonly Account[]) {
  if (mentioned.length === 0) return [];
  const ids = JSON.stringify(mentioned.map((a) => a.id));
  return [
    runInBatch(
      db,
      sql`
      INSERT INTO mentions (status_id, account_id, silent)
      SELECT ${statusId}, value, 0 FROM json_each(${ids}) WHERE true ORDER BY key
      ON CONFLICT (status_id, account_id) DO UPDATE SET silent = 0`,
    ),
  ];
}
