/**
 * Lists, as Mastodon's List and ListAccount models behave: owned by one account, at most 50 of them,
 * members must be followed (or asked to be followed) by the owner. Membership changes are mirrored
 * into the list's feed in the owner's AccountHub (src/services/feeds.ts) after D1 has committed them.
 */
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { type AccountRole, accounts, listAccounts, lists, users } from "../db/schema";
import type { ListRow, RepliesPolicy } from "../entities/list";
import type { Bindings } from "../env";
import { ApiError, notFound, validationFailed } from "../errors";
import { newId, parseId } from "../ids";
import type { PageParams } from "../util/pagination";
import { findVisibleAccounts } from "./accounts";
import { clearListFeed, mergeIntoListFeed, removeFromListFeed, runBounded } from "./feeds";
import { accountListable, inIds } from "./relationships/common";

/** Mastodon's List::PER_ACCOUNT_LIMIT. */
export const LISTS_PER_ACCOUNT = 50;
export const REPLIES_POLICIES: readonly RepliesPolicy[] = ["list", "followed", "none"];
/** AccountHub calls in flight at once when several accounts join or leave a list. */
const FEED_CONCURRENCY = 4;

export interface ListInput {
  title?: string | undefined;
  repliesPolicy?: string | undefined;
  exclusive?: boolean | undefined;
}

/** The owner's lists, oldest first (Mastodon's order). */
export async function listsOf(db: Db, accountId: number): Promise<ListRow[]> {
  return db.select().from(lists).where(eq(lists.accountId, accountId)).orderBy(asc(lists.id));
}

/** One of the owner's lists; someone else's list is "Record not found", as if it did not exist. */
export async function requireOwnList(db: Db, accountId: number, rawId: unknown): Promise<ListRow> {
  const id = parseId(rawId);
  if (id === undefined) throw notFound();
  const rows = await db
    .select()
    .from(lists)
    .where(and(eq(lists.id, id), eq(lists.accountId, accountId)))
    .limit(1);
  const list = rows[0];
  if (!list) throw notFound();
  return list;
}

/** Checks `input` the way the List model validates; `creating` requires a title. */
type ListChanges = Partial<Pick<ListRow, "title" | "repliesPolicy" | "exclusive">>;

function validated(input: ListInput, creating: boolean): ListChanges {
  const errors: Array<{ field: string; message: string; code: string }> = [];
  const out: ListChanges = {};
  if (input.title !== undefined || creating) {
    const title = input.title ?? "";
    if (title.trim() === "") errors.push({ field: "title", message: "can't be blank", code: "ERR_BLANK" });
    else out.title = title;
  }
  if (input.repliesPolicy !== undefined) {
    const policy = REPLIES_POLICIES.find((p) => p === input.repliesPolicy);
    if (policy === undefined) {
      errors.push({ field: "replies_policy", message: "is not included in the list", code: "ERR_INCLUSION" });
    } else {
      out.repliesPolicy = policy;
    }
  }
  if (input.exclusive !== undefined) out.exclusive = input.exclusive;
  if (errors.length > 0) throw validationFailed(errors);
  return out;
}

export async function createList(db: Db, accountId: number, input: ListInput, now = Date.now()): Promise<ListRow> {
  const values = validated(input, true);
  const [{ n } = { n: 0 }] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM lists WHERE account_id = ${accountId}`);
  if (n >= LISTS_PER_ACCOUNT) throw new ApiError(422, "Validation failed: You have reached the maximum number of lists");
  const row: ListRow = {
    id: newId(now),
    accountId,
    title: values.title ?? "",
    repliesPolicy: values.repliesPolicy ?? "list",
    exclusive: values.exclusive ?? false,
    createdAt: now,
  };
  await db.insert(lists).values(row);
  return row;
}

/** Changes what `input` names and keeps the rest (Rails' `update!`). */
export async function updateList(db: Db, list: ListRow, input: ListInput): Promise<ListRow> {
  const values = validated(input, false);
  if (Object.keys(values).length === 0) return list;
  await db.update(lists).set(values).where(eq(lists.id, list.id));
  return { ...list, ...values };
}

export async function deleteList(env: Bindings, db: Db, list: ListRow): Promise<void> {
  await db.batch([
    db.delete(listAccounts).where(eq(listAccounts.listId, list.id)),
    db.delete(lists).where(eq(lists.id, list.id)),
  ]);
  // The rows are gone whatever happens next; a failed clear only leaves an unreachable feed behind.
  try {
    await clearListFeed(env, list.accountId, list.id);
  } catch (err) {
    console.error(`lists: clearing the feed of deleted list ${list.id} failed`, err);
  }
}

export interface ListMember {
  account: typeof accounts.$inferSelect;
  role: AccountRole | undefined;
}

/**
 * Members of a list, newest account id first, skipping suspended and pending accounts. Mastodon pages
 * this by account id; `page` undefined is `limit=0`, every member at once.
 */
export async function listMembers(db: Db, listId: number, page: PageParams | undefined): Promise<ListMember[]> {
  const conditions = [eq(listAccounts.listId, listId), accountListable("accounts")];
  if (page?.maxId !== undefined) conditions.push(lt(accounts.id, page.maxId));
  if (page?.sinceId !== undefined) conditions.push(gt(accounts.id, page.sinceId));
  if (page?.minId !== undefined) conditions.push(gt(accounts.id, page.minId));
  // min_id pages forward from the cursor: read the oldest first, then show them newest first.
  const ascending = page?.minId !== undefined;
  const query = db
    .select({ account: accounts, role: users.role })
    .from(listAccounts)
    .innerJoin(accounts, eq(accounts.id, listAccounts.accountId))
    .leftJoin(users, eq(users.accountId, accounts.id))
    .where(and(...conditions))
    .orderBy(ascending ? asc(accounts.id) : desc(accounts.id));
  const rows = page ? await query.limit(page.limit) : await query;
  if (ascending) rows.reverse();
  return rows.map((r) => ({ account: r.account, role: r.role ?? undefined }));
}

/** Client ids → unique numeric ids; one that names no account at all makes the request a 404, as `Account.find`. */
function parseAccountIds(rawIds: readonly string[]): number[] {
  const ids: number[] = [];
  for (const raw of rawIds) {
    const id = parseId(raw);
    if (id === undefined) throw notFound();
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/**
 * `POST /api/v1/lists/:id/accounts`. All or nothing: an unknown account, or one the owner neither
 * follows nor has asked to follow, is 404 "Record not found" (ListAccount's `find_by!`); one already
 * in the list is 422. The owner may add themself, as in Mastodon.
 */
export async function addListMembers(env: Bindings, db: Db, list: ListRow, rawIds: readonly string[]): Promise<void> {
  const ids = parseAccountIds(rawIds);
  if (ids.length === 0) return;
  const found = await findVisibleAccounts(db, ids);
  if (ids.some((id) => !found.has(id))) throw notFound();
  const owner = list.accountId;
  const others = ids.filter((id) => id !== owner);
  if (others.length > 0) {
    const related = await db.all<{ id: number }>(sql`
      SELECT target_account_id AS id FROM follows WHERE account_id = ${owner} AND ${inIds(sql`target_account_id`, others)}
      UNION SELECT target_account_id FROM follow_requests WHERE account_id = ${owner} AND ${inIds(sql`target_account_id`, others)}`);
    const relatedIds = new Set(related.map((r) => r.id));
    if (others.some((id) => !relatedIds.has(id))) throw notFound();
  }
  const taken = () => validationFailed([{ field: "account", message: "has already been taken", code: "ERR_TAKEN" }]);
  const existing = await db.all<{ id: number }>(
    sql`SELECT account_id AS id FROM list_accounts WHERE list_id = ${list.id} AND ${inIds(sql`account_id`, ids)} LIMIT 1`,
  );
  if (existing.length > 0) throw taken();
  try {
    await db.run(
      sql`INSERT INTO list_accounts (list_id, account_id) SELECT ${list.id}, value FROM json_each(${JSON.stringify(ids)})`,
    );
  } catch (err) {
    // A concurrent request added one of them between the check and the insert; the insert is one
    // statement, so nothing was added.
    if (String(err).includes("UNIQUE constraint failed")) throw taken();
    throw err;
  }
  // mergeIntoListFeed logs its own failures: older posts missing from the list feed is all it costs.
  await runBounded(ids, FEED_CONCURRENCY, (id) => mergeIntoListFeed(env, owner, list.id, id));
}

/** `DELETE /api/v1/lists/:id/accounts`: ids not in the list (or not ids at all) are ignored, as in Mastodon. */
export async function removeListMembers(env: Bindings, db: Db, list: ListRow, rawIds: readonly string[]): Promise<void> {
  const ids = [...new Set(rawIds.map((raw) => parseId(raw)).filter((id): id is number => id !== undefined))];
  if (ids.length === 0) return;
  const removed = await db.all<{ id: number }>(
    sql`DELETE FROM list_accounts WHERE list_id = ${list.id} AND ${inIds(sql`account_id`, ids)} RETURNING account_id AS id`,
  );
  await runBounded(removed, FEED_CONCURRENCY, async ({ id }) => {
    // D1 is already changed; a failed DO call leaves the member's old posts in the list feed until they age out.
    try {
      await removeFromListFeed(env, list.accountId, list.id, id);
    } catch (err) {
      console.error(`lists: removing ${id} from the feed of list ${list.id} failed`, err);
    }
  });
}
