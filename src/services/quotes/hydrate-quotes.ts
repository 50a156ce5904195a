/**
 * Quotes in hydration. The quoted status comes with the page's statuses (loadStatusRows joins it
 * through `statuses.quoted_status_id`), so all this adds is ONE statement to the page's batch, and
 * only when the page holds an accepted quote or a status whose quote policy depends on following
 * its author: the viewer's relations to those authors, which decide the quote's state as Mastodon's
 * StatusFilter does (unauthorized, blocked_domain, blocked_account, muted_account) and the
 * QuoteApproval's `current_user`. Feed pages skip the visibility probes, but a quoted status never
 * went through the fanout's rules, so it is always checked here.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { Account, Status } from "../../db/schema";
import { policyNeedsFollow, type QuoteView, type QuoteViewState, shallowQuoteView } from "../../entities/quote";
import { allInBatch } from "../statuses/raw";

export interface QuoteRelations {
  blocking: Set<number>;
  blockedBy: Set<number>;
  muting: Set<number>;
  /** Authors the viewer follows (among quoted authors and authors with a followers quote policy). */
  following: Set<number>;
  /** Quoted statuses that mention the viewer. */
  mentioned: Set<number>;
  /** Quoted authors whose domain the viewer blocks. */
  domainBlocked: Set<number>;
}

function noRelations(): QuoteRelations {
  return {
    blocking: new Set(),
    blockedBy: new Set(),
    muting: new Set(),
    following: new Set(),
    mentioned: new Set(),
    domainBlocked: new Set(),
  };
}

const EMPTY = noRelations();

function list(ids: Iterable<number>): SQL {
  const all = [...new Set(ids)];
  for (const id of all) if (!Number.isSafeInteger(id)) throw new Error(`not an id: ${id}`);
  return sql.raw(`(${all.join(",")})`);
}

/** The accepted quotes' quoted statuses present among `rows`. */
export function quotedStatusesOf(rows: ReadonlyMap<number, Status>): Status[] {
  const out = new Map<number, Status>();
  for (const s of rows.values()) {
    if (s.quotedStatusId === null || s.quoteState !== "accepted") continue;
    const q = rows.get(s.quotedStatusId);
    if (q) out.set(q.id, q);
  }
  return [...out.values()];
}

/** The one statement (possibly matching nothing) that reads what `quoteRelationsFrom` needs. */
export function quoteRelationsQuery(db: Db, viewerId: number | null, rows: ReadonlyMap<number, Status>, now: number) {
  const quoted = viewerId === null ? [] : quotedStatusesOf(rows).filter((q) => q.accountId !== viewerId);
  const quotedAuthors = quoted.map((q) => q.accountId);
  const followAuthors = new Set(quoted.filter((q) => q.visibility === "private").map((q) => q.accountId));
  if (viewerId !== null) {
    for (const s of rows.values()) {
      if (s.accountId !== viewerId && s.reblogOfId === null && policyNeedsFollow(s.quoteApprovalPolicy))
        followAuthors.add(s.accountId);
    }
  }
  const restricted = quoted.filter((q) => q.visibility === "private" || q.visibility === "direct").map((q) => q.id);
  const v = viewerId ?? 0;
  const arms: SQL[] = [];
  if (quotedAuthors.length > 0) {
    const a = list(quotedAuthors);
    arms.push(
      sql`SELECT 'blocking' AS kind, target_account_id AS id FROM blocks WHERE account_id = ${v} AND target_account_id IN ${a}`,
      sql`SELECT 'blocked_by' AS kind, account_id AS id FROM blocks WHERE target_account_id = ${v} AND account_id IN ${a}`,
      sql`SELECT 'muting' AS kind, target_account_id AS id FROM mutes WHERE account_id = ${v} AND target_account_id IN ${a} AND (expires_at IS NULL OR expires_at > ${now})`,
      sql`SELECT 'domain' AS kind, accounts.id AS id FROM accounts JOIN account_domain_blocks d ON d.account_id = ${v} AND d.domain = accounts.domain WHERE accounts.id IN ${a} AND accounts.domain IS NOT NULL`,
    );
  }
  if (followAuthors.size > 0) {
    arms.push(
      sql`SELECT 'following' AS kind, target_account_id AS id FROM follows WHERE account_id = ${v} AND target_account_id IN ${list(followAuthors)}`,
    );
  }
  if (restricted.length > 0) {
    arms.push(
      sql`SELECT 'mentioned' AS kind, status_id AS id FROM mentions WHERE account_id = ${v} AND status_id IN ${list(restricted)}`,
    );
  }
  const query = arms.length === 0 ? sql`SELECT '' AS kind, 0 AS id WHERE 0` : sql.join(arms, sql` UNION ALL `);
  return allInBatch<{ kind: string; id: number }>(db, query);
}

export function quoteRelationsFrom(rows: Array<{ kind: string; id: number }>): QuoteRelations {
  if (rows.length === 0) return EMPTY;
  const rel = noRelations();
  const sets: Record<string, Set<number>> = {
    blocking: rel.blocking,
    blocked_by: rel.blockedBy,
    muting: rel.muting,
    following: rel.following,
    mentioned: rel.mentioned,
    domain: rel.domainBlocked,
  };
  for (const r of rows) sets[r.kind]?.add(r.id);
  return rel;
}

/** Mastodon's StatusFilter for a quoted status: what the viewer is told about it. */
export function quotedStatusState(
  viewerId: number | null,
  quoted: Status | undefined,
  author: Pick<Account, "id" | "domain" | "suspendedAt"> | undefined,
  rel: QuoteRelations,
): QuoteViewState {
  if (!quoted || !author) return "deleted";
  if (viewerId !== null && quoted.accountId === viewerId) return "accepted";
  if (author.suspendedAt !== null || rel.blockedBy.has(author.id)) return "unauthorized";
  const mayView =
    quoted.visibility === "public" ||
    quoted.visibility === "unlisted" ||
    (quoted.visibility === "private" && (rel.following.has(author.id) || rel.mentioned.has(quoted.id))) ||
    (quoted.visibility === "direct" && rel.mentioned.has(quoted.id));
  if (viewerId === null ? quoted.visibility !== "public" && quoted.visibility !== "unlisted" : !mayView) return "unauthorized";
  if (rel.domainBlocked.has(author.id)) return "blocked_domain";
  if (rel.blocking.has(author.id)) return "blocked_account";
  if (rel.muting.has(author.id)) return "muted_account";
  return "accepted";
}

/**
 * The quote of a top-level status (or of the status a boost boosts): the quoted status's bundle is
 * built by `build` (as the page's other bundles are), with its own quote reduced to a ShallowQuote.
 */
export function fullQuoteView<B extends { quote?: QuoteView<B> | undefined }>(
  status: Status,
  viewerId: number | null,
  rows: ReadonlyMap<number, Status>,
  authors: ReadonlyMap<number, Pick<Account, "id" | "domain" | "suspendedAt">>,
  rel: QuoteRelations,
  build: (s: Status) => B | undefined,
): QuoteView<B> | undefined {
  if (status.quoteState === null) return undefined;
  if (status.quoteState !== "accepted") return { kind: "full", state: status.quoteState, quoted: null };
  const quoted = status.quotedStatusId === null ? undefined : rows.get(status.quotedStatusId);
  const state = quotedStatusState(viewerId, quoted, quoted ? authors.get(quoted.accountId) : undefined, rel);
  if (!quoted || state === "deleted" || state === "unauthorized") return { kind: "full", state, quoted: null };
  const inner = build(quoted);
  if (!inner) return { kind: "full", state: "deleted", quoted: null };
  const shallow = shallowQuoteView<B>(quoted);
  if (shallow) inner.quote = shallow;
  return { kind: "full", state, quoted: inner };
}
