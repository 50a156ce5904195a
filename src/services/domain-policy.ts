/**
 * The instance's domain blocks as the federation paths ask about them (inbox, delivery, fetches,
 * new remote accounts, reports, media): whether a host, or a domain it belongs to, is blocked.
 *
 * Every inbound activity and every delivery asks, so the answer must not cost a D1 round trip each
 * time: each isolate reads the whole table (a small one: Mastodon's largest shared blocklists hold a
 * few thousand domains) once a minute. A change made in this isolate is seen at once; one made
 * elsewhere (another isolate, the CLI) within POLICY_TTL_MS. The work a block does to accounts
 * already stored does not depend on this cache (src/services/domain-blocks.ts).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../db/client";
import type { DomainBlockSeverity } from "../db/schema-moderation";
import { domainCandidates } from "../util/domain-names";

export interface DomainPolicy {
  domain: string;
  severity: DomainBlockSeverity;
  rejectMedia: boolean;
  rejectReports: boolean;
  createdAt: number;
}

export const POLICY_TTL_MS = 60_000;
/** Rules read at most; past this the oldest are not enforced until some are removed. */
export const POLICY_MAX_RULES = 20_000;

let cached: { until: number; rules: Map<string, DomainPolicy> } | undefined;

/** Drops this isolate's copy: the next question reads the table again. */
export function forgetDomainPolicies(): void {
  cached = undefined;
}

async function rules(db: Db): Promise<Map<string, DomainPolicy>> {
  const now = Date.now();
  if (cached && cached.until > now) return cached.rules;
  const rows = await db.all<{
    domain: string;
    severity: DomainBlockSeverity;
    reject_media: number;
    reject_reports: number;
    created_at: number;
  }>(sql`SELECT domain, severity, reject_media, reject_reports, created_at FROM instance_domain_blocks
    ORDER BY id DESC LIMIT ${POLICY_MAX_RULES}`);
  const map = new Map<string, DomainPolicy>();
  for (const r of rows) {
    map.set(r.domain, {
      domain: r.domain,
      severity: r.severity,
      rejectMedia: r.reject_media === 1,
      rejectReports: r.reject_reports === 1,
      createdAt: r.created_at,
    });
  }
  cached = { until: now + POLICY_TTL_MS, rules: map };
  return map;
}

/** The rule that applies to `host` (null: a local account, no rule), the most specific one. */
export async function policyForHost(db: Db, host: string | null | undefined): Promise<DomainPolicy | undefined> {
  if (!host) return undefined;
  const map = await rules(db);
  if (map.size === 0) return undefined;
  for (const candidate of domainCandidates(host)) {
    const rule = map.get(candidate);
    if (rule) return rule;
  }
  return undefined;
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

export async function policyForUrl(db: Db, url: string): Promise<DomainPolicy | undefined> {
  return policyForHost(db, hostOf(url));
}

/** Whether nothing may be exchanged with the server at `url` (a suspended domain). */
export async function isSuspendedUrl(db: Db, url: string): Promise<boolean> {
  return (await policyForUrl(db, url))?.severity === "suspend";
}
