/**
 * Turning typed text into what a status stores: HTML, the accounts it mentions and its tags.
 * Remote handles (`@user@domain`) name stored accounts, or are looked up through WebFinger (at most
 * MAX_REMOTE_MENTION_LOOKUPS per post, each bounded by a deadline); unresolvable ones stay plain text.
 */
import { and, inArray, isNull, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type Account, accounts } from "../../db/schema";
import type { Fetcher } from "../../federation/fetch";
import { mentionResolver } from "../../federation/resolve-handle";
import { newId } from "../../ids";
import {
  extractEntities,
  extractTags,
  isLocalMention,
  type MentionTarget,
  mentionKey,
  renderStatusHtml,
} from "../../text/status-text";
import { profileUrl } from "../../urls";
import { runInBatch } from "./raw";

/** Unknown remote handles looked up per post; the rest stay plain text (Mastodon has no bound). */
export const MAX_REMOTE_MENTION_LOOKUPS = 5;

export interface RenderedStatus {
  content: string;
  /** Mentioned accounts (local and remote), in the order first mentioned. */
  mentions: Account[];
  tags: Array<{ name: string; displayName: string }>;
}

export interface RenderOptions {
  /** The network for WebFinger and actor fetches (tests); the platform's fetch otherwise. */
  fetcher?: Fetcher;
  /** false: no remote lookups at all (stored remote accounts still resolve). */
  resolveRemote?: boolean;
}

/**
 * Mentions of accounts the author blocks are dropped (Mastodon's ProcessMentionsService): they stay
 * plain text and get no mention row, so a block can't be bypassed by mentioning.
 */
export async function renderStatusText(
  db: Db,
  config: Config,
  text: string,
  authorId: number,
  options: RenderOptions = {},
): Promise<RenderedStatus> {
  const entities = extractEntities(text);
  const keys: string[] = [];
  const remote: Array<{ key: string; username: string; domain: string }> = [];
  for (const e of entities) {
    if (e.kind !== "mention") continue;
    const key = mentionKey(config, e);
    if (keys.includes(key)) continue;
    keys.push(key);
    if (!isLocalMention(config, e) && e.domain) remote.push({ key, username: e.username, domain: e.domain });
  }
  const byKey = await storedMentionTargets(db, keys, authorId);
  const unknown = remote.filter((r) => !byKey.has(r.key)).slice(0, MAX_REMOTE_MENTION_LOOKUPS);
  if (unknown.length > 0 && options.resolveRemote !== false) {
    const resolver = mentionResolver(db, config, options.fetcher);
    const found = await Promise.all(unknown.map((r) => resolver(r.username, r.domain)));
    const ids = found.flatMap((a) => (a ? [a.id] : []));
    // Read back through the same filter, so suspended and blocked accounts stay out.
    for (const a of await mentionableByIds(db, ids, authorId)) {
      const r = unknown[found.findIndex((f) => f?.id === a.id)];
      if (r) byKey.set(r.key, a);
    }
  }
  const targets = new Map<string, MentionTarget>();
  for (const [key, a] of byKey) {
    targets.set(key, {
      username: a.username,
      url: a.domain === null ? (a.url ?? profileUrl(config, a.username)) : (a.url ?? a.uri ?? ""),
    });
  }
  return {
    content: renderStatusHtml(config, text, entities, targets),
    mentions: keys.flatMap((k) => byKey.get(k) ?? []),
    tags: extractTags(entities),
  };
}

function mentionable(authorId: number) {
  return and(
    isNull(accounts.suspendedAt),
    sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${authorId} AND b.target_account_id = ${accounts.id})`,
  );
}

/** Local accounts by username and stored remote ones by `user@domain` (both through the acct_key index). */
async function storedMentionTargets(db: Db, keys: string[], authorId: number): Promise<Map<string, Account>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .select()
    .from(accounts)
    .where(and(sql`${accounts.acctKey} IN (SELECT value FROM json_each(${JSON.stringify(keys)}))`, mentionable(authorId)));
  const byKey = new Map<string, Account>();
  for (const a of rows) {
    // A local username never holds `@`, a remote key always does: the two cannot be confused.
    if ((a.domain === null) === !a.acctKey.includes("@")) byKey.set(a.acctKey, a);
  }
  return byKey;
}

async function mentionableByIds(db: Db, ids: number[], authorId: number): Promise<Account[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(accounts)
    .where(and(inArray(accounts.id, ids), mentionable(authorId)));
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
