/**
 * Instance-wide domain blocks, as Mastodon's BlockDomainService and UnblockDomainService: staff block
 * a remote server (and its subdomains) with a severity.
 * - suspend: its accounts are suspended (hidden everywhere) and every follow to or from them ends;
 *   no activity from it is accepted, none is delivered to it, nothing is fetched from it.
 * - silence: its accounts are limited (out of public timelines, their notifications to people who
 *   do not follow them filtered).
 * - noop: neither; only the rejections.
 * Any severity may also reject its media (never fetched into this server's storage: the media proxy
 * sends clients to the remote URL, as for any file it cannot cache) and its reports (Flag dropped).
 *
 * Enforcement reads src/services/domain-policy.ts. The accounts already stored are changed by the
 * FANOUT consumer, a page at a time (`domain_block.accounts`), so a block of a server with thousands
 * of known accounts never holds one request. A block is committed with its event-outbox row, so a
 * failing queue delays that work to the next cron tick rather than losing it. Lifting a block
 * restores the accounts it marked (their suspended_at / silenced_at equal to its created_at); the
 * follows it ended stay ended, as on Mastodon.
 */
import { desc, eq, sql } from "drizzle-orm";
import type { Config } from "../config";
import { sha256Hex } from "../crypto/tokens";
import type { Db } from "../db/client";
import { type DomainBlockSeverity, type InstanceDomainBlock, instanceDomainBlocks } from "../db/schema-moderation";
import type { MastodonDomainBlock } from "../entities/instance";
import { newId } from "../ids";
import type { FanoutMessage } from "../queue/messages";
import { domainBlockWork, isOwnDomain, normalizeBlockDomain, obfuscateDomain } from "../util/domain-names";
import { forgetDomainPolicies } from "./domain-policy";
import { batchSql } from "./relationships/common";

/** Accounts changed per FANOUT page (one batch of a few statements over at most this many ids). */
export const DOMAIN_BLOCK_PAGE = 200;

export type DomainBlockAccountsMessage = Extract<FanoutMessage, { type: "domain_block.accounts" }>;

export interface DomainBlockInput {
  domain: string;
  severity: string;
  rejectMedia: boolean;
  rejectReports: boolean;
  privateComment: string;
  publicComment: string;
  obfuscate: boolean;
}

export type DomainBlockResult = { ok: true; block: InstanceDomainBlock; outboxId: number } | { ok: false; error: string };

const SEVERITIES: readonly DomainBlockSeverity[] = ["suspend", "silence", "noop"];

/** Blocks a domain; the accounts on it are then changed by the FANOUT consumer (send `outboxId`). */
export async function createDomainBlock(
  db: Db,
  config: Config,
  input: DomainBlockInput,
  now = Date.now(),
): Promise<DomainBlockResult> {
  const domain = normalizeBlockDomain(input.domain);
  if (!domain) return { ok: false, error: "That is not a domain name" };
  if (isOwnDomain(domain, [config.localDomain, config.webDomain]))
    return { ok: false, error: "This server's own domain cannot be blocked" };
  const severity = SEVERITIES.find((s) => s === input.severity);
  if (!severity) return { ok: false, error: "Severity must be suspend, silence or noop" };
  const block: InstanceDomainBlock = {
    id: newId(now),
    domain,
    severity,
    rejectMedia: input.rejectMedia,
    rejectReports: input.rejectReports,
    privateComment: input.privateComment.trim().slice(0, 1000),
    publicComment: input.publicComment.trim().slice(0, 1000),
    obfuscate: input.obfuscate,
    createdAt: now,
  };
  const message: DomainBlockAccountsMessage = domainBlockWork("apply", domain, now);
  const [inserted, outbox] = await batchSql(db, [
    sql`INSERT OR IGNORE INTO instance_domain_blocks (id, domain, severity, reject_media, reject_reports,
      private_comment, public_comment, obfuscate, created_at)
      VALUES (${block.id}, ${domain}, ${severity}, ${block.rejectMedia ? 1 : 0}, ${block.rejectReports ? 1 : 0},
      ${block.privateComment}, ${block.publicComment}, ${block.obfuscate ? 1 : 0}, ${now}) RETURNING id`,
    // The work on stored accounts: only for the two severities that change them.
    sql`INSERT INTO event_outbox (message, created_at)
      SELECT ${JSON.stringify(message)}, ${now}
      WHERE ${severity} <> 'noop' AND EXISTS (SELECT 1 FROM instance_domain_blocks WHERE id = ${block.id})
      RETURNING id`,
  ]);
  if (!inserted || inserted.length === 0) return { ok: false, error: `${domain} is already blocked` };
  forgetDomainPolicies();
  return { ok: true, block, outboxId: Number(outbox?.[0]?.id ?? 0) };
}

/** Lifts a block; the accounts it marked are restored by the FANOUT consumer (send `outboxId`). */
export async function removeDomainBlock(
  db: Db,
  id: number,
  now = Date.now(),
): Promise<{ block: InstanceDomainBlock; outboxId: number } | null> {
  const block = (await db.select().from(instanceDomainBlocks).where(eq(instanceDomainBlocks.id, id)).limit(1))[0];
  if (!block) return null;
  const message: DomainBlockAccountsMessage = domainBlockWork("lift", block.domain, block.createdAt);
  const [deleted, outbox] = await batchSql(db, [
    sql`DELETE FROM instance_domain_blocks WHERE id = ${id} RETURNING id`,
    sql`INSERT INTO event_outbox (message, created_at)
      SELECT ${JSON.stringify(message)}, ${now} WHERE ${block.severity} <> 'noop' AND changes() > 0 RETURNING id`,
  ]);
  if (!deleted || deleted.length === 0) return null;
  forgetDomainPolicies();
  return { block, outboxId: Number(outbox?.[0]?.id ?? 0) };
}

/** Every block, newest first (bounded: the policy cache reads at most as many). */
export function listDomainBlocks(db: Db, limit = 20_000): Promise<InstanceDomainBlock[]> {
  return db.select().from(instanceDomainBlocks).orderBy(desc(instanceDomainBlocks.id)).limit(limit);
}

/**
 * Accounts on `domain` or a subdomain of it (a stored host may carry a port). Subdomains cannot be
 * found on the domain index, so the pages walk the accounts by id: a whole block reads the accounts
 * table once, spread over its pages, a cost paid once per block and in the background.
 */
function onDomain(domain: string) {
  return sql`(a.domain = ${domain} OR substr(a.domain, -${domain.length + 1}) = ${`.${domain}`}
    OR substr(a.domain, 1, ${domain.length + 1}) = ${`${domain}:`})`;
}

/**
 * One page of a block's work on stored accounts; the next page's message, or null when done.
 * apply: suspend (ending follows and follow requests both ways) or silence the accounts not already
 * so, marking them with the block's created_at. lift: clear exactly those marks. A page delivered
 * twice changes nothing more. An apply whose block has since been lifted (or replaced) stops.
 */
export async function domainBlockAccountsPage(
  db: Db,
  m: DomainBlockAccountsMessage,
  now = Date.now(),
): Promise<DomainBlockAccountsMessage | null> {
  const block = (
    await db
      .select({ severity: instanceDomainBlocks.severity, createdAt: instanceDomainBlocks.createdAt })
      .from(instanceDomainBlocks)
      .where(eq(instanceDomainBlocks.domain, m.domain))
      .limit(1)
  )[0];
  if (m.op === "apply" && (!block || block.createdAt !== m.marker)) return null;
  const rows = await db.all<{ id: number }>(sql`
    SELECT a.id FROM accounts a
    WHERE a.id > ${m.after} AND a.domain IS NOT NULL AND ${onDomain(m.domain)}
    ORDER BY a.id LIMIT ${DOMAIN_BLOCK_PAGE}`);
  if (rows.length === 0) return null;
  const ids = JSON.stringify(rows.map((r) => r.id));
  const inPage = sql`IN (SELECT value FROM json_each(${ids}))`;
  if (m.op === "lift") {
    await batchSql(db, [
      sql`UPDATE accounts SET suspended_at = NULL, updated_at = ${now} WHERE id ${inPage} AND suspended_at = ${m.marker}`,
      sql`UPDATE accounts SET silenced_at = NULL, updated_at = ${now} WHERE id ${inPage} AND silenced_at = ${m.marker}`,
    ]);
  } else if (block?.severity === "suspend") {
    await batchSql(db, [
      sql`UPDATE accounts SET suspended_at = ${m.marker}, updated_at = ${now} WHERE id ${inPage} AND suspended_at IS NULL`,
      // As Mastodon's DeleteAccountService for a suspended server's accounts: their follows end both
      // ways (counters follow through the triggers); nothing is sent to a server we no longer talk to.
      sql`DELETE FROM follows WHERE account_id ${inPage}`,
      sql`DELETE FROM follows WHERE target_account_id ${inPage}`,
      sql`DELETE FROM follow_requests WHERE account_id ${inPage}`,
      sql`DELETE FROM follow_requests WHERE target_account_id ${inPage}`,
    ]);
  } else if (block?.severity === "silence") {
    await batchSql(db, [
      sql`UPDATE accounts SET silenced_at = ${m.marker}, updated_at = ${now} WHERE id ${inPage} AND silenced_at IS NULL`,
    ]);
  }
  const last = rows[rows.length - 1];
  return rows.length === DOMAIN_BLOCK_PAGE && last ? { ...m, after: last.id } : null;
}

/**
 * `GET /api/v1/instance/domain_blocks`: suspensions and silences (Mastodon leaves noop blocks out),
 * with the public comment. Petrel always publishes the list and its comments (Mastodon's
 * show_domain_blocks and show_domain_blocks_rationale set to everyone).
 */
export async function publicDomainBlocks(db: Db): Promise<MastodonDomainBlock[]> {
  const blocks = await listDomainBlocks(db);
  const out: MastodonDomainBlock[] = [];
  for (const b of blocks) {
    if (b.severity === "noop") continue;
    out.push({
      domain: b.obfuscate ? obfuscateDomain(b.domain) : b.domain,
      digest: await sha256Hex(b.domain),
      severity: b.severity,
      comment: b.publicComment === "" ? null : b.publicComment,
    });
  }
  return out;
}
