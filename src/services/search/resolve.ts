/**
 * What a search query names directly: a handle (`@user@domain`, `user@domain`, `@user`) or a URL of
 * an account or a status (Mastodon's ResolveURLService and ResolveAccountService). Today it answers
 * from local data only: local profile and status URLs, and remote accounts and statuses this server
 * already stores (by their ActivityPub id). With `ctx.remote` (src/federation/resolve-remote.ts) it
 * also fetches what is not known yet: WebFinger for handles, a signed GET for URLs.
 */
import { sql } from "drizzle-orm";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import type { RemoteResolver } from "../../federation/resolve-remote";
import { parseId } from "../../ids";
import { findVisibleAccountByAcct, parseAcct, type VisibleAccount } from "../accounts";
import { loadVisibleAccounts } from "../relationships/common";
import { canView } from "../visibility";

export type Resolved = { kind: "account"; account: VisibleAccount } | { kind: "status"; statusId: number };

export interface ResolveContext {
  db: Db;
  config: Config;
  /** null: an anonymous request (it may not resolve anything remote, see the v2 search route). */
  viewerId: number | null;
  /** Set when the request may fetch from other servers (signed-in, `resolve=true`). */
  remote?: RemoteResolver | undefined;
}

const HANDLE_RE = /^@?[\p{L}\p{N}_.-]+(@[\p{L}\p{N}.:[\]-]+)?$/u;

export function isUrlQuery(query: string): boolean {
  return /^https?:\/\//i.test(query);
}

/** Whether `query` is written as a handle (`@user`, `user@domain`, `@user@domain`). */
export function isHandleQuery(query: string): boolean {
  return query.includes("@") && HANDLE_RE.test(query);
}

/** The account or status `query` names, if this server knows it and the viewer may see it. */
export async function resolveQuery(ctx: ResolveContext, query: string): Promise<Resolved | undefined> {
  const q = query.trim();
  if (isUrlQuery(q)) return resolveUrl(ctx, q);
  if (isHandleQuery(q)) {
    const account = await findVisibleAccountByAcct(ctx.db, ctx.config, q);
    if (account) return { kind: "account", account };
    const parsed = parseAcct(ctx.config, q);
    if (!ctx.remote || !parsed?.domain) return undefined;
    const fetched = await ctx.remote.handle(parsed.username, parsed.domain);
    return fetched ? visibleAccount(ctx, fetched.id) : undefined;
  }
  return undefined;
}

async function resolveUrl(ctx: ResolveContext, raw: string): Promise<Resolved | undefined> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const host = url.host.toLowerCase();
  if (host === ctx.config.webDomain || host === ctx.config.localDomain) return resolveLocalPath(ctx, url.pathname);
  // Remote resources this server already stores, by their ActivityPub id (both columns are unique indexes).
  const href = url.toString();
  const statuses = await ctx.db.all<{ id: number }>(sql`SELECT id FROM statuses WHERE uri = ${href} OR uri = ${raw} LIMIT 1`);
  const statusId = statuses[0]?.id;
  if (statusId !== undefined) return visibleStatus(ctx, statusId);
  const accounts = await ctx.db.all<{ id: number }>(sql`SELECT id FROM accounts WHERE uri = ${href} OR uri = ${raw} LIMIT 1`);
  const accountId = accounts[0]?.id;
  if (accountId !== undefined) return visibleAccount(ctx, accountId);
  const fetched = ctx.remote ? await ctx.remote.url(href) : null;
  if (!fetched) return undefined;
  return fetched.kind === "account" ? visibleAccount(ctx, fetched.account.id) : visibleStatus(ctx, fetched.status.id);
}

/** `/@user`, `/users/user`, `/@user/123`, `/users/user/statuses/123` (Petrel's own URLs). */
async function resolveLocalPath(ctx: ResolveContext, path: string): Promise<Resolved | undefined> {
  const m = /^\/(?:@([^/@]+)|users\/([^/]+))(?:\/(?:statuses\/)?(\d+))?\/?$/.exec(path);
  if (!m) return undefined;
  const username = decodeURIComponent(m[1] ?? m[2] ?? "");
  const account = await findVisibleAccountByAcct(ctx.db, ctx.config, username);
  if (!account || account.account.domain !== null) return undefined;
  if (m[3] === undefined) return { kind: "account", account };
  const id = parseId(m[3]);
  if (id === undefined) return undefined;
  const rows = await ctx.db.all<{ id: number }>(
    sql`SELECT id FROM statuses WHERE id = ${id} AND account_id = ${account.account.id} AND reblog_of_id IS NULL`,
  );
  return rows[0] ? visibleStatus(ctx, id) : undefined;
}

async function visibleStatus(ctx: ResolveContext, id: number): Promise<Resolved | undefined> {
  return (await canView(ctx.db, ctx.viewerId, { id })) ? { kind: "status", statusId: id } : undefined;
}

async function visibleAccount(ctx: ResolveContext, id: number): Promise<Resolved | undefined> {
  const account = (await loadVisibleAccounts(ctx.db, [id])).get(id);
  return account ? { kind: "account", account } : undefined;
}
