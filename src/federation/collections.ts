/**
 * The collections a local actor publishes, as Mastodon shapes them: the outbox (public and unlisted
 * posts as Create/Announce, OrderedCollection whose pages walk status ids), followers and following
 * (totals always; pages of actor ids unless the account hides its network), featured (pinned posts
 * as objects) and featured tags. Every page is one bounded index walk (statuses_account_id,
 * follows_target_page / follows_account_page, status_pins_pair).
 */
import { sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Account } from "../db/schema";
import { localStatusUri } from "../entities/status";
import { tagUrl } from "../text/status-text";
import { actorUri } from "../urls";
import { AS_CONTEXT, announceActivity, createActivity } from "./outbound/activities";
import { accountUri, addressing, type JsonObject, loadNoteSources, NOTE_CONTEXT, noteObject, statusUri } from "./outbound/note";

export const OUTBOX_PAGE = 20;
export const FOLLOWS_PAGE = 40;

export interface PageQuery {
  page: boolean;
  maxId: number | null;
  minId: number | null;
}

export function readPageQuery(query: (name: string) => string | undefined): PageQuery {
  const num = (v: string | undefined) => (v !== undefined && /^\d{1,19}$/.test(v) ? Number(v) : null);
  return { page: query("page") !== undefined, maxId: num(query("max_id")), minId: num(query("min_id")) };
}

function pageUrl(base: string, params: Record<string, string | number>): string {
  const search = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]));
  return `${base}?${search.toString()}`;
}

/** Keyset range over `column`: newest first, or oldest-first from `min_id` (then re-sorted newest first). */
function range(column: string, q: PageQuery) {
  const c = sql.raw(column);
  if (q.minId !== null) return { where: sql`${c} > ${q.minId}`, order: sql`${c} ASC`, ascending: true };
  if (q.maxId !== null) return { where: sql`${c} < ${q.maxId}`, order: sql`${c} DESC`, ascending: false };
  return { where: sql`1`, order: sql`${c} DESC`, ascending: false };
}

/** The outbox: a summary, or one page of activities. */
export async function outboxDocument(db: Db, config: Config, account: Account, q: PageQuery): Promise<JsonObject> {
  const id = `${actorUri(config, account.username)}/outbox`;
  if (!q.page) {
    return {
      "@context": AS_CONTEXT,
      id,
      type: "OrderedCollection",
      totalItems: account.statusesCount,
      first: pageUrl(id, { page: "true" }),
      last: pageUrl(id, { min_id: 0, page: "true" }),
    };
  }
  const r = range("id", q);
  const rows = await db.all<{ id: number }>(sql`
    SELECT id FROM statuses WHERE account_id = ${account.id} AND visibility IN ('public', 'unlisted') AND ${r.where}
    ORDER BY ${r.order} LIMIT ${OUTBOX_PAGE}`);
  const ids = rows.map((row) => row.id);
  if (r.ascending) ids.reverse();
  const sources = await loadNoteSources(db, config, ids);
  const items: JsonObject[] = [];
  for (const statusId of ids) {
    const source = sources.get(statusId);
    if (!source) continue;
    const { bundle } = source;
    if (bundle.reblog) {
      const { to, cc } = addressing(config, account, bundle.status.visibility, [], [accountUri(config, bundle.reblog.account)]);
      items.push(
        announceActivity(
          {
            id: localStatusUri(config, account.username, bundle.status),
            actor: actorUri(config, account.username),
            object: statusUri(config, bundle.reblog.status, bundle.reblog.account),
            published: bundle.status.createdAt,
            to,
            cc,
          },
          false,
        ),
      );
    } else {
      const { "@context": _ctx, ...create } = createActivity(noteObject(config, source));
      items.push(create);
    }
  }
  const doc: JsonObject = {
    "@context": NOTE_CONTEXT,
    id: pageUrl(id, {
      ...(q.maxId !== null ? { max_id: q.maxId } : {}),
      ...(q.minId !== null ? { min_id: q.minId } : {}),
      page: "true",
    }),
    type: "OrderedCollectionPage",
    partOf: id,
    orderedItems: items,
  };
  const first = ids[0];
  const last = ids[ids.length - 1];
  if (last !== undefined && ids.length === OUTBOX_PAGE) doc.next = pageUrl(id, { max_id: last, page: "true" });
  if (first !== undefined) doc.prev = pageUrl(id, { min_id: first, page: "true" });
  return doc;
}

/** Followers or following: totals always, pages only when the account shows its network. */
export async function followsDocument(
  db: Db,
  config: Config,
  account: Account,
  which: "followers" | "following",
  q: PageQuery,
): Promise<JsonObject | "hidden"> {
  const id = `${actorUri(config, account.username)}/${which}`;
  const totalItems = which === "followers" ? account.followersCount : account.followingCount;
  if (!q.page) {
    return {
      "@context": AS_CONTEXT,
      id,
      type: "OrderedCollection",
      totalItems,
      ...(account.hideCollections ? {} : { first: pageUrl(id, { page: "true" }) }),
    };
  }
  if (account.hideCollections) return "hidden";
  const r = range("f.id", q);
  const [mine, theirs] = which === "followers" ? ["target_account_id", "account_id"] : ["account_id", "target_account_id"];
  const rows = await db.all<{ id: number; username: string; domain: string | null; uri: string | null }>(sql`
    SELECT f.id, a.username, a.domain, a.uri FROM follows f JOIN accounts a ON a.id = f.${sql.raw(theirs)}
    WHERE f.${sql.raw(mine)} = ${account.id} AND ${r.where} AND a.suspended_at IS NULL
    ORDER BY ${r.order} LIMIT ${FOLLOWS_PAGE}`);
  if (r.ascending) rows.reverse();
  const doc: JsonObject = {
    "@context": AS_CONTEXT,
    id: pageUrl(id, {
      ...(q.maxId !== null ? { max_id: q.maxId } : {}),
      ...(q.minId !== null ? { min_id: q.minId } : {}),
      page: "true",
    }),
    type: "OrderedCollectionPage",
    totalItems,
    partOf: id,
    orderedItems: rows.map((row) => accountUri(config, row)),
  };
  const last = rows[rows.length - 1];
  if (last !== undefined && rows.length === FOLLOWS_PAGE) doc.next = pageUrl(id, { max_id: last.id, page: "true" });
  return doc;
}

/** Pinned public and unlisted posts, as objects (Mastodon's `featured`). */
export async function featuredDocument(db: Db, config: Config, account: Account): Promise<JsonObject> {
  const rows = await db.all<{ id: number }>(sql`
    SELECT p.status_id AS id FROM status_pins p JOIN statuses s ON s.id = p.status_id
    WHERE p.account_id = ${account.id} AND s.visibility IN ('public', 'unlisted') AND s.reblog_of_id IS NULL
    ORDER BY p.id DESC LIMIT 20`);
  const sources = await loadNoteSources(
    db,
    config,
    rows.map((r) => r.id),
  );
  const items = rows.flatMap((r) => {
    const source = sources.get(r.id);
    return source ? [noteObject(config, source)] : [];
  });
  return {
    "@context": NOTE_CONTEXT,
    id: `${actorUri(config, account.username)}/collections/featured`,
    type: "OrderedCollection",
    totalItems: items.length,
    orderedItems: items,
  };
}

/** Featured hashtags (the profile's featured tags, src/db/schema-tags.ts), as Mastodon's `featuredTags`. */
export async function featuredTagsDocument(db: Db, config: Config, account: Account): Promise<JsonObject> {
  const rows = await db.all<{ name: string }>(sql`
    SELECT t.name FROM featured_tags ft JOIN tags t ON t.id = ft.tag_id
    WHERE ft.account_id = ${account.id} ORDER BY t.name LIMIT 50`);
  const names = rows.map((r) => r.name);
  return {
    "@context": NOTE_CONTEXT,
    id: `${actorUri(config, account.username)}/collections/tags`,
    type: "Collection",
    totalItems: names.length,
    items: names.map((name) => ({ type: "Hashtag", href: tagUrl(config, name), name: `#${name}` })),
  };
}

/** Replies to a status: public and unlisted ones, oldest first, paged after `min_id`. */
export async function repliesDocument(
  db: Db,
  config: Config,
  statusUriValue: string,
  statusId: number,
  q: PageQuery,
): Promise<JsonObject> {
  const id = `${statusUriValue}/replies`;
  const after = q.minId ?? 0;
  const rows = await db.all<{ id: number; uri: string | null; username: string }>(sql`
    SELECT s.id, s.uri, a.username FROM statuses s JOIN accounts a ON a.id = s.account_id
    WHERE s.in_reply_to_id = ${statusId} AND s.id > ${after} AND s.visibility IN ('public', 'unlisted')
    ORDER BY s.id ASC LIMIT ${OUTBOX_PAGE}`);
  const items = rows.map((r) => r.uri ?? localStatusUri(config, r.username, { id: r.id, reblogOfId: null }));
  const last = rows[rows.length - 1];
  const page: JsonObject = {
    id: pageUrl(id, { ...(q.minId !== null ? { min_id: q.minId } : {}), page: "true" }),
    type: "CollectionPage",
    partOf: id,
    items,
    ...(last !== undefined && rows.length === OUTBOX_PAGE ? { next: pageUrl(id, { min_id: last.id, page: "true" }) } : {}),
  };
  if (q.page) return { "@context": AS_CONTEXT, ...page };
  return { "@context": AS_CONTEXT, id, type: "Collection", first: page };
}
