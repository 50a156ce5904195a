/** The Report entity (what `POST /api/v1/reports` answers): the only place its JSON is built. */
import type { Config } from "../config";
import type { Account, AccountRole } from "../db/schema";
import type { Report, ReportCategory } from "../db/schema-surface";
import { isoDate } from "../util/time";
import { type MastodonAccount, serializeAccount } from "./account";

export interface MastodonReport {
  id: string;
  action_taken: boolean;
  action_taken_at: string | null;
  category: ReportCategory;
  comment: string;
  forwarded: boolean;
  created_at: string;
  status_ids: string[] | null;
  rule_ids: string[] | null;
  target_account: MastodonAccount;
}

export function serializeReport(
  config: Config,
  report: Report,
  target: { account: Account; role: AccountRole | undefined },
): MastodonReport {
  return {
    id: String(report.id),
    action_taken: report.actionTakenAt !== null,
    action_taken_at: report.actionTakenAt === null ? null : isoDate(report.actionTakenAt),
    category: report.category,
    comment: report.comment,
    forwarded: report.forwarded,
    created_at: isoDate(report.createdAt),
    // Mastodon's serializer gives the reported ids as strings, and null for an empty list of rules.
    status_ids: report.statusIds.map(String),
    rule_ids: report.ruleIds === null ? null : report.ruleIds.map(String),
    target_account: serializeAccount(config, target.account, { role: target.role }),
  };
}
