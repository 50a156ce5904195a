/**
 * A user's own domain blocks (`/api/v1/domain_blocks`), as Mastodon's `block_domain!` and
 * AfterBlockDomainFromAccountService: blocking a domain ends follows and follow requests between the
 * user and accounts on it, in both directions. Notifications from the domain are hidden when read.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { accountDomainBlocks } from "../../db/schema";
import type { Bindings } from "../../env";
import { ApiError } from "../../errors";
import { newId } from "../../ids";
import type { PageParams } from "../../util/pagination";
import { removeFromHomeFeed } from "../feeds";
import { batchSql, finishRowPage, type RowPage, rowIdRange } from "./common";

/** Mastodon's normalization: trimmed, lower-cased, IDNs as punycode, no trailing slash or dot. */
export function normalizeDomain(raw: string): string {
  const text = raw.trim().replace(/\/+$/, "").replace(/\.$/, "").toLowerCase();
  if (text === "" || /[\s/@:?#[\]\\]/.test(text)) return text;
  try {
    return new URL(`http://${text}`).hostname || text;
  } catch {
    return text;
  }
}

/** Mastodon's DomainValidator: dot-separated labels of letters, digits and hyphens, 1–63 each, under 253 in all. */
export function isValidDomain(domain: string): boolean {
  if (domain.length === 0 || domain.length >= 253) return false;
  return domain.split(".").every((label) => label.length >= 1 && label.length <= 63 && /^[a-z0-9_-]+$/.test(label));
}

function requireDomain(raw: string | undefined): string {
  const domain = normalizeDomain(raw ?? "");
  if (domain === "") throw new ApiError(422, "Validation failed: Domain can't be blank");
  if (!isValidDomain(domain)) throw new ApiError(422, "Validation failed: Domain is not a valid domain name");
  return domain;
}

export async function blockDomain(env: Bindings, db: Db, accountId: number, rawDomain: string | undefined, now = Date.now()) {
  const domain = requireDomain(rawDomain);
  // Each walk starts from the user's own follows (indexed by account), never from all accounts on the domain.
  const [, unfollowed = []] = await batchSql(db, [
    sql`INSERT OR IGNORE INTO account_domain_blocks (id, account_id, domain, created_at)
      VALUES (${newId(now)}, ${accountId}, ${domain}, ${now})`,
    sql`DELETE FROM follows WHERE account_id = ${accountId} AND target_account_id IN (
        SELECT f.target_account_id FROM follows f JOIN accounts a ON a.id = f.target_account_id
        WHERE f.account_id = ${accountId} AND a.domain = ${domain})
      RETURNING target_account_id AS target`,
    sql`DELETE FROM follows WHERE target_account_id = ${accountId} AND account_id IN (
        SELECT f.account_id FROM follows f JOIN accounts a ON a.id = f.account_id
        WHERE f.target_account_id = ${accountId} AND a.domain = ${domain})`,
    sql`DELETE FROM follow_requests WHERE account_id = ${accountId} AND target_account_id IN (
        SELECT r.target_account_id FROM follow_requests r JOIN accounts a ON a.id = r.target_account_id
        WHERE r.account_id = ${accountId} AND a.domain = ${domain})`,
    sql`DELETE FROM follow_requests WHERE target_account_id = ${accountId} AND account_id IN (
        SELECT r.account_id FROM follow_requests r JOIN accounts a ON a.id = r.account_id
        WHERE r.target_account_id = ${accountId} AND a.domain = ${domain})`,
  ]);
  for (const row of unfollowed) await removeFromHomeFeed(env, accountId, Number(row.target));
}

/** Removes a domain block; removing one that does not exist is fine, as in Mastodon. */
export async function unblockDomain(db: Db, accountId: number, rawDomain: string | undefined): Promise<void> {
  const domain = normalizeDomain(rawDomain ?? "");
  if (domain === "") return;
  await db
    .delete(accountDomainBlocks)
    .where(and(eq(accountDomainBlocks.accountId, accountId), eq(accountDomainBlocks.domain, domain)));
}

/** `GET /api/v1/domain_blocks`: the blocked domains, newest first, paged by block id. */
export async function listDomainBlocks(
  db: Db,
  accountId: number,
  page: PageParams,
): Promise<RowPage<{ rowId: number; domain: string }>> {
  const range = rowIdRange("id", page);
  const rows = await db.all<{ rowId: number; domain: string }>(sql`
    SELECT id AS rowId, domain FROM account_domain_blocks
    WHERE account_id = ${accountId} AND ${range.where}
    ORDER BY ${range.order} LIMIT ${page.limit}`);
  return finishRowPage(rows, page, range.ascending);
}

/**
 * `GET /api/v1/domain_blocks/preview` (Mastodon 4.4): what blocking `domain` would cost the user —
 * how many accounts there they follow and how many follow them. Each count walks the user's own
 * follows (indexed by account), never every account on the domain.
 */
export async function previewDomainBlock(
  db: Db,
  accountId: number,
  rawDomain: string | undefined,
): Promise<{ following_count: number; followers_count: number }> {
  const domain = requireDomain(rawDomain);
  const [following = [], followers = []] = await batchSql(db, [
    sql`SELECT count(*) AS n FROM follows f JOIN accounts a ON a.id = f.target_account_id
      WHERE f.account_id = ${accountId} AND a.domain = ${domain}`,
    sql`SELECT count(*) AS n FROM follows f JOIN accounts a ON a.id = f.account_id
      WHERE f.target_account_id = ${accountId} AND a.domain = ${domain}`,
  ]);
  return { following_count: Number(following[0]?.n ?? 0), followers_count: Number(followers[0]?.n ?? 0) };
}
