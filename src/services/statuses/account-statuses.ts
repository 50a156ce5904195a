/**
 * `GET /api/v1/accounts/:id/statuses` (Mastodon's AccountStatusesFilter). The visibility rules are
 * applied inside the query, so a page is one bounded walk of the statuses_account_id index whatever
 * the viewer may not see; hydration then applies the full rules (boosted statuses included).
 */
import { and, desc, eq, inArray, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { accountDomainBlocks, blocks, follows, statuses, statusPins, tags } from "../../db/schema";
import type { MastodonStatus } from "../../entities/status";
import { normalizeTag } from "../../text/status-text";
import type { PageParams } from "../../util/pagination";
import { requireVisibleAccountWithRole } from "../accounts";
import { applyViewerFilters } from "../filters";
import { hydrateStatuses } from "../hydrate";
import { idOrder, idRange, newestFirst } from "./paging";

export interface AccountStatusesQuery {
  pinned: boolean;
  excludeReplies: boolean;
  excludeReblogs: boolean;
  onlyMedia: boolean;
  tagged: string | undefined;
  page: PageParams;
}

export interface StatusPage {
  statuses: MastodonStatus[];
  /** Ids the Link header pages from (null: no Link header). */
  cursorIds: number[] | null;
}

export async function accountStatuses(
  db: Db,
  config: Config,
  viewerId: number | null,
  rawAccountId: number | undefined,
  q: AccountStatusesQuery,
): Promise<StatusPage> {
  const { account } = await requireVisibleAccountWithRole(db, rawAccountId);
  const self = viewerId === account.id;
  let following = false;
  if (viewerId !== null && !self) {
    const relation = await relationTo(db, viewerId, account.id, account.domain);
    if (relation.blocked) return { statuses: [], cursorIds: [] };
    following = relation.following;
  }

  if (q.pinned) {
    // At most a handful of pins, shown newest pin first, without paging (Mastodon's clients ask once).
    const pins = await db
      .select({ id: statusPins.statusId })
      .from(statusPins)
      .where(eq(statusPins.accountId, account.id))
      .orderBy(desc(statusPins.id))
      .limit(q.page.limit);
    return {
      statuses: await hydrateStatuses(
        db,
        config,
        viewerId,
        pins.map((p) => p.id),
      ),
      cursorIds: null,
    };
  }

  const conditions: SQL[] = [eq(statuses.accountId, account.id), ...idRange(statuses.id, q.page)];
  if (!self) conditions.push(visibleToViewer(viewerId, following));
  if (q.excludeReblogs) conditions.push(isNull(statuses.reblogOfId));
  if (q.excludeReplies) {
    // Self-replies (threads) stay, as in Mastodon.
    conditions.push(or(isNull(statuses.inReplyToId), eq(statuses.inReplyToAccountId, account.id)) as SQL);
  }
  if (q.onlyMedia) conditions.push(sql`${statuses.mediaCount} > 0`);
  if (q.tagged !== undefined) {
    const [tag] = await db
      .select({ id: tags.id })
      .from(tags)
      .where(eq(tags.name, normalizeTag(q.tagged.replace(/^#/, ""))))
      .limit(1);
    if (!tag) return { statuses: [], cursorIds: [] };
    conditions.push(sql`EXISTS (SELECT 1 FROM status_tags st WHERE st.status_id = ${statuses.id} AND st.tag_id = ${tag.id})`);
  }
  const rows = await db
    .select({ id: statuses.id })
    .from(statuses)
    .where(and(...conditions))
    .orderBy(idOrder(statuses.id, q.page))
    .limit(q.page.limit);
  const ids = newestFirst(rows, q.page).map((r) => r.id);
  // Filters never hide your own statuses (applyFilters skips the viewer's own).
  const hydrated = await hydrateStatuses(db, config, viewerId, ids);
  return { statuses: await applyViewerFilters(db, viewerId, "account", hydrated), cursorIds: ids };
}

/** The SQL side of the visibility rules for one author's statuses. */
function visibleToViewer(viewerId: number | null, following: boolean): SQL {
  const open = inArray(statuses.visibility, following ? ["public", "unlisted", "private"] : ["public", "unlisted"]);
  if (viewerId === null) return open;
  return sql`(${open} OR EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = ${statuses.id} AND m.account_id = ${viewerId}))`;
}

async function relationTo(
  db: Db,
  viewerId: number,
  accountId: number,
  domain: string | null,
): Promise<{ blocked: boolean; following: boolean }> {
  const [blockRows, followRows, domainRows] = await db.batch([
    db
      .select({ id: blocks.id })
      .from(blocks)
      .where(
        or(
          and(eq(blocks.accountId, viewerId), eq(blocks.targetAccountId, accountId)),
          and(eq(blocks.accountId, accountId), eq(blocks.targetAccountId, viewerId)),
        ),
      )
      .limit(1),
    db
      .select({ id: follows.id })
      .from(follows)
      .where(and(eq(follows.accountId, viewerId), eq(follows.targetAccountId, accountId)))
      .limit(1),
    db
      .select({ id: accountDomainBlocks.id })
      .from(accountDomainBlocks)
      .where(and(eq(accountDomainBlocks.accountId, viewerId), eq(accountDomainBlocks.domain, domain ?? "")))
      .limit(1),
  ]);
  return { blocked: blockRows.length > 0 || domainRows.length > 0, following: followRows.length > 0 };
}
