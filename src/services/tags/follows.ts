/**
 * Followed hashtags (Mastodon's TagFollow): follow, unfollow, the paged list, and the viewer flags
 * (`following`, `featuring`) the Tag entity carries. The fanout side is src/queue/fanout-tags.ts.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { newId } from "../../ids";
import type { PageParams } from "../../util/pagination";
import { finishRowPage, type RowPage, rowIdRange } from "../relationships/common";
import type { TagRow } from "./names";

export async function followTag(db: Db, accountId: number, tagId: number, now = Date.now()): Promise<void> {
  await db.run(sql`
    INSERT INTO tag_follows (id, account_id, tag_id, created_at) VALUES (${newId(now)}, ${accountId}, ${tagId}, ${now})
    ON CONFLICT (tag_id, account_id) DO NOTHING`);
}

export async function unfollowTag(db: Db, accountId: number, tagId: number): Promise<void> {
  await db.run(sql`DELETE FROM tag_follows WHERE tag_id = ${tagId} AND account_id = ${accountId}`);
}

export interface ViewerTagFlags {
  following: Set<number>;
  featuring: Set<number>;
}

/** Which of `tagIds` the viewer follows and features: two index probes per tag, one statement. */
export async function viewerTagFlags(db: Db, viewerId: number, tagIds: readonly number[]): Promise<ViewerTagFlags> {
  const flags: ViewerTagFlags = { following: new Set(), featuring: new Set() };
  if (tagIds.length === 0) return flags;
  const rows = await db.all<{ id: number; following: number; featuring: number }>(sql`
    SELECT t.value AS id,
      EXISTS (SELECT 1 FROM tag_follows WHERE tag_id = t.value AND account_id = ${viewerId}) AS following,
      EXISTS (SELECT 1 FROM featured_tags WHERE account_id = ${viewerId} AND tag_id = t.value) AS featuring
    FROM json_each(${JSON.stringify([...new Set(tagIds)])}) t`);
  for (const row of rows) {
    if (row.following === 1) flags.following.add(row.id);
    if (row.featuring === 1) flags.featuring.add(row.id);
  }
  return flags;
}

export type FollowedTagPage = RowPage<{ rowId: number; tag: TagRow }>;

/** `GET /api/v1/followed_tags`: paged by the follow's id, newest first (Mastodon's to_a_paginated_by_id). */
export async function listFollowedTags(db: Db, accountId: number, page: PageParams): Promise<FollowedTagPage> {
  const range = rowIdRange("tf.id", page);
  const rows = await db.all<{ rowId: number; id: number; name: string; display_name: string }>(sql`
    SELECT tf.id AS rowId, t.id, t.name, t.display_name
    FROM tag_follows tf JOIN tags t ON t.id = tf.tag_id
    WHERE tf.account_id = ${accountId} AND ${range.where}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  const result = finishRowPage(rows, page, range.ascending);
  return {
    ...result,
    items: result.items.map((r) => ({ rowId: r.rowId, tag: { id: r.id, name: r.name, displayName: r.display_name } })),
  };
}
