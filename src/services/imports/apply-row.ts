/**
 * One row of an import, applied as Mastodon's BulkImportRowService applies it: the account the row
 * names is resolved (a local one, a stored remote one, or WebFinger), a bookmarked post by its URI
 * (stored, or fetched), and then followed, blocked, muted, added to a list or bookmarked through the
 * same services the API uses, so federation, feeds and notifications follow as they would from a
 * client. A row that cannot be applied (not found, not allowed) is a failure; anything else (D1 down)
 * is thrown, and the page is tried again.
 */
import { and, eq } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { type Account, bookmarks, listAccounts, lists } from "../../db/schema";
import type { ListRow } from "../../entities/list";
import type { Bindings } from "../../env";
import { ApiError } from "../../errors";
import type { RemoteResolver } from "../../federation/resolve-remote";
import { newId } from "../../ids";
import { addListMembers, createList } from "../lists";
import { blockAccount } from "../relationships/block";
import { blockDomain } from "../relationships/domain-blocks";
import { followAccount, normalizeLanguages } from "../relationships/follow";
import { muteAccount } from "../relationships/mute";
import { resolveQuery } from "../search/resolve";
import type { ImportRowData, ImportType } from "./csv";

export interface RowContext {
  env: Bindings;
  db: Db;
  config: Config;
  account: Account;
  type: ImportType;
  remote: RemoteResolver;
}

/** Whether the row was imported. */
export async function applyRow(ctx: RowContext, data: ImportRowData): Promise<boolean> {
  try {
    return await apply(ctx, data);
  } catch (err) {
    if (err instanceof ApiError) return false;
    throw err;
  }
}

async function resolveAccount(ctx: RowContext, acct: string | undefined): Promise<Account | null> {
  if (!acct) return null;
  const found = await resolveQuery(
    { db: ctx.db, config: ctx.config, viewerId: ctx.account.id, remote: ctx.remote },
    acct.includes("@") ? acct : `@${acct}`,
  );
  return found?.kind === "account" ? found.account.account : null;
}

async function apply(ctx: RowContext, data: ImportRowData): Promise<boolean> {
  const { env, db, account } = ctx;
  switch (ctx.type) {
    case "domain_blocking":
      await blockDomain(env, db, account.id, data.domain);
      return true;
    case "bookmarks": {
      if (!data.uri) return false;
      const found = await resolveQuery({ db, config: ctx.config, viewerId: account.id, remote: ctx.remote }, data.uri);
      if (found?.kind !== "status") return false;
      const now = Date.now();
      await db
        .insert(bookmarks)
        .values({ id: newId(now), accountId: account.id, statusId: found.statusId, createdAt: now })
        .onConflictDoNothing();
      return true;
    }
    default:
      break;
  }
  const target = await resolveAccount(ctx, data.acct);
  if (!target) return false;
  switch (ctx.type) {
    case "following":
      await followAccount(env, db, account, target, {
        reblogs: data.show_reblogs ?? undefined,
        notify: data.notify ?? undefined,
        languages: data.languages ? normalizeLanguages(data.languages) : undefined,
      });
      return true;
    case "blocking":
      await blockAccount(env, db, account, target);
      return true;
    case "muting":
      await muteAccount(env, db, account, target, { notifications: data.hide_notifications ?? true });
      return true;
    case "lists":
      return addToList(ctx, data.list_name ?? "", target);
  }
}

/** Mastodon's lists row: the list found or created by its title, the member followed (not oneself), then added. */
async function addToList(ctx: RowContext, title: string, target: Account): Promise<boolean> {
  const { env, db, account } = ctx;
  if (title === "") return false;
  const list = await ownListTitled(db, account.id, title);
  if (target.id !== account.id) await followAccount(env, db, account, target, {});
  const member = await db
    .select({ id: listAccounts.accountId })
    .from(listAccounts)
    .where(and(eq(listAccounts.listId, list.id), eq(listAccounts.accountId, target.id)))
    .limit(1);
  if (member.length === 0) await addListMembers(env, db, list, [String(target.id)]);
  return true;
}

async function ownListTitled(db: Db, accountId: number, title: string): Promise<ListRow> {
  const [found] = await db
    .select()
    .from(lists)
    .where(and(eq(lists.accountId, accountId), eq(lists.title, title)))
    .orderBy(lists.id)
    .limit(1);
  return found ?? createList(db, accountId, { title });
}
