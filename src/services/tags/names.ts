/**
 * Hashtag names as Mastodon checks them (Tag::HASHTAG_NAME_RE) and the tags table lookups every tag
 * endpoint shares: find by normalized name, or create on first follow/feature.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { newId } from "../../ids";
import { normalizeTag } from "../../text/status-text";

const WORD = "\\p{L}\\p{M}\\p{N}\\p{Pc}";
const SEP = "_\\u00B7\\u30FB\\u200C";
// Word characters with at least one letter; the separators only inside the name.
const HASHTAG_NAME_RE = new RegExp(
  `^(?:[${WORD}_][${WORD}${SEP}]*[\\p{L}\\p{M}${SEP}][${WORD}${SEP}]*[${WORD}_]|[${WORD}_]*[\\p{L}\\p{M}][${WORD}_]*)$`,
  "u",
);

/** Our own bound on a name given in a path or form, so lookups stay cheap; Mastodon has none documented. */
export const HASHTAG_MAX_LENGTH = 100;

export function isValidTagName(name: string): boolean {
  return name.length > 0 && name.length <= HASHTAG_MAX_LENGTH && HASHTAG_NAME_RE.test(name);
}

export interface TagRow {
  id: number;
  name: string;
  displayName: string;
}

interface RawTag {
  id: number;
  name: string;
  display_name: string;
}

const toRow = (r: RawTag): TagRow => ({ id: r.id, name: r.name, displayName: r.display_name });

export async function findTagByName(db: Db, raw: string): Promise<TagRow | undefined> {
  const rows = await db.all<RawTag>(sql`SELECT id, name, display_name FROM tags WHERE name = ${normalizeTag(raw)}`);
  return rows[0] ? toRow(rows[0]) : undefined;
}

export async function findTagsByIds(db: Db, ids: readonly number[]): Promise<Map<number, TagRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.all<RawTag>(
    sql`SELECT id, name, display_name FROM tags WHERE id IN (SELECT value FROM json_each(${JSON.stringify([...new Set(ids)])}))`,
  );
  return new Map(rows.map((r) => [r.id, toRow(r)]));
}

/** The tag named `raw` (already validated), created with `raw` as its display name if new. */
export async function findOrCreateTag(db: Db, raw: string, now = Date.now()): Promise<TagRow> {
  const name = normalizeTag(raw);
  const rows = await db.all<RawTag>(sql`
    INSERT INTO tags (id, name, display_name, created_at) VALUES (${newId(now)}, ${name}, ${raw}, ${now})
    ON CONFLICT (name) DO UPDATE SET name = excluded.name
    RETURNING id, name, display_name`);
  const row = rows[0];
  if (!row) throw new Error(`tag ${name} was not written`);
  return toRow(row);
}
