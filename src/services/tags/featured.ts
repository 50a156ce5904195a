/**
 * Featured hashtags on a profile (Mastodon's FeaturedTag): at most FEATURED_TAGS_LIMIT per account,
 * each with the count and date of the owner's public and unlisted statuses carrying it.
 *
 * Mastodon keeps those two figures as counters on the row; here they are computed when read, from the
 * owner's newest STATS_SCAN statuses (one walk down statuses_account_id, a primary-key probe of
 * status_tags each), so deletions and edits are always reflected and a read stays bounded. An account
 * with more statuses than that has its older uses left out of the count.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { ApiError, notFound, validationFailed } from "../../errors";
import { newId } from "../../ids";
import { findOrCreateTag, isValidTagName, type TagRow } from "./names";

export const FEATURED_TAGS_LIMIT = 10;
/** How many of the owner's newest statuses the counts (and the suggestions) look at. */
export const STATS_SCAN = 1000;
const SUGGESTIONS_LIMIT = 10;

export interface FeaturedTagRow {
  id: number;
  tag: TagRow;
  statusesCount: number;
  lastStatusAt: number | null;
}

interface Raw {
  id: number;
  tag_id: number;
  name: string;
  display_name: string;
}

/** The owner's newest distributable statuses: the bounded window every figure here is read from. */
function recentStatuses(accountId: number) {
  return sql`(SELECT id, created_at FROM statuses INDEXED BY statuses_account_id
    WHERE account_id = ${accountId} AND visibility IN ('public', 'unlisted') AND reblog_of_id IS NULL
    ORDER BY id DESC LIMIT ${STATS_SCAN})`;
}

export async function listFeaturedTags(db: Db, accountId: number): Promise<FeaturedTagRow[]> {
  const rows = await db.all<Raw>(sql`
    SELECT f.id, f.tag_id, t.name, t.display_name
    FROM featured_tags f JOIN tags t ON t.id = f.tag_id
    WHERE f.account_id = ${accountId} ORDER BY f.id`);
  if (rows.length === 0) return [];
  const stats = await db.all<{ tag_id: number; n: number; last: number | null }>(sql`
    SELECT st.tag_id, count(*) AS n, max(s.created_at) AS last
    FROM ${recentStatuses(accountId)} s
    JOIN status_tags st ON st.status_id = s.id
      AND st.tag_id IN (SELECT value FROM json_each(${JSON.stringify(rows.map((r) => r.tag_id))}))
    GROUP BY st.tag_id`);
  const byTag = new Map(stats.map((s) => [s.tag_id, s]));
  const out = rows.map((r) => ({
    id: r.id,
    tag: { id: r.tag_id, name: r.name, displayName: r.display_name },
    statusesCount: byTag.get(r.tag_id)?.n ?? 0,
    lastStatusAt: byTag.get(r.tag_id)?.last ?? null,
  }));
  // Mastodon lists a profile's featured tags most used first.
  return out.sort((a, b) => b.statusesCount - a.statusesCount || a.id - b.id);
}

/** The name as Mastodon's FeaturedTag#strip_name leaves it: trimmed, without a leading `#`. */
export function featuredTagName(raw: string | undefined): string {
  return (raw ?? "").trim().replace(/^#/, "");
}

/**
 * `POST /api/v1/featured_tags`: features the tag (creating it if nobody used it yet). Featuring a tag
 * already featured answers that one, as Mastodon's find_or_initialize_by does.
 */
export async function createFeaturedTag(db: Db, accountId: number, rawName: string | undefined, now = Date.now()) {
  const name = featuredTagName(rawName);
  if (name === "") throw validationFailed([{ field: "name", message: "can't be blank", code: "ERR_BLANK" }]);
  if (!isValidTagName(name)) throw validationFailed([{ field: "name", message: "is invalid" }]);
  const tag = await findOrCreateTag(db, name, now);
  const existing = (await listFeaturedTags(db, accountId)).find((f) => f.tag.id === tag.id);
  if (existing) return existing;
  // Insert only while the account is under the limit, so two concurrent requests cannot pass it.
  await db.run(sql`
    INSERT INTO featured_tags (id, account_id, tag_id, created_at)
    SELECT ${newId(now)}, ${accountId}, ${tag.id}, ${now}
    WHERE (SELECT count(*) FROM featured_tags WHERE account_id = ${accountId}) < ${FEATURED_TAGS_LIMIT}
    ON CONFLICT (account_id, tag_id) DO NOTHING`);
  const created = (await listFeaturedTags(db, accountId)).find((f) => f.tag.id === tag.id);
  if (!created) {
    throw new ApiError(422, "Validation failed: You have already featured the maximum number of hashtags");
  }
  return created;
}

export async function deleteFeaturedTag(db: Db, accountId: number, id: number | undefined): Promise<void> {
  if (id === undefined) throw notFound();
  const rows = await db.all<{ id: number }>(
    sql`DELETE FROM featured_tags WHERE id = ${id} AND account_id = ${accountId} RETURNING id`,
  );
  if (rows.length === 0) throw notFound();
}

/** Deletes the account's featuring of `tagId`, if any (`POST /api/v1/tags/:id/unfeature`). */
export async function unfeatureTag(db: Db, accountId: number, tagId: number): Promise<void> {
  await db.run(sql`DELETE FROM featured_tags WHERE account_id = ${accountId} AND tag_id = ${tagId}`);
}

/**
 * `GET /api/v1/featured_tags/suggestions`: the tags the account used most in its recent statuses
 * and does not feature yet (Mastodon's Tag.suggestions_for_account).
 */
export async function featuredTagSuggestions(db: Db, accountId: number): Promise<TagRow[]> {
  const rows = await db.all<{ id: number; name: string; display_name: string }>(sql`
    SELECT t.id, t.name, t.display_name
    FROM ${recentStatuses(accountId)} s
    JOIN status_tags st ON st.status_id = s.id
    JOIN tags t ON t.id = st.tag_id
    WHERE NOT EXISTS (SELECT 1 FROM featured_tags WHERE account_id = ${accountId} AND tag_id = st.tag_id)
    GROUP BY t.id ORDER BY count(*) DESC, max(s.id) DESC LIMIT ${SUGGESTIONS_LIMIT}`);
  return rows.map((r) => ({ id: r.id, name: r.name, displayName: r.display_name }));
}
