/**
 * Hashtag search from the database (Mastodon's Tag.search_for, used when Elasticsearch is off):
 * tags whose normalized name starts with the query, shortest first then by name. A range on the
 * unique `tags_name` index, LIMIT'ed, so it reads at most PREFIX_SCAN_MAX rows.
 * `exclude_unreviewed`: Mastodon then keeps only reviewed tags and the exact match; Petrel has no tag
 * review, so only the exact match remains.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type MastodonTag, serializeTag } from "../../entities/tag";
import { normalizeTag } from "../../text/status-text";
import { viewerTagFlags } from "../tags/follows";
import { tagHistories } from "../tags/history";

const PREFIX_SCAN_MAX = 200;

export interface HashtagSearch {
  query: string;
  limit: number;
  offset: number;
  excludeUnreviewed: boolean;
}

/** The smallest string greater than every string starting with `prefix`. */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

export async function searchHashtags(
  db: Db,
  config: Config,
  viewerId: number | null,
  search: HashtagSearch,
): Promise<MastodonTag[]> {
  const key = normalizeTag(search.query.trim().replace(/^#/, ""));
  if (key === "" || search.limit < 1) return [];
  const rows = search.excludeUnreviewed
    ? await db.all<{ id: number; name: string; display_name: string }>(
        sql`SELECT id, name, display_name FROM tags WHERE name = ${key}`,
      )
    : await db.all<{ id: number; name: string; display_name: string }>(sql`
        SELECT id, name, display_name FROM tags WHERE name >= ${key} AND name < ${prefixEnd(key)}
        ORDER BY name LIMIT ${PREFIX_SCAN_MAX}`);
  rows.sort((x, y) => x.name.length - y.name.length || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
  const page = rows.slice(search.offset, search.offset + search.limit);
  if (page.length === 0) return [];
  const ids = page.map((r) => r.id);
  const [histories, flags] = await Promise.all([
    tagHistories(db, ids),
    viewerId === null ? Promise.resolve(undefined) : viewerTagFlags(db, viewerId, ids),
  ]);
  return page.map((r) =>
    serializeTag(
      config,
      { id: r.id, name: r.name, displayName: r.display_name },
      {
        history: histories.get(r.id) ?? [],
        following: flags ? flags.following.has(r.id) : undefined,
        featuring: flags ? flags.featuring.has(r.id) : undefined,
      },
    ),
  );
}
