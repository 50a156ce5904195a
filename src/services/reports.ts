/**
 * Reports (`POST /api/v1/reports`), as Mastodon's ReportService and Report model have them:
 * - the reported account must exist and not be suspended, else 404 "Record not found";
 * - every reported status must be one of the target's that the reporter can see, else 404 (Mastodon's
 *   `AccountStatusesFilter…find(status_ids)` fails the whole report on one bad id);
 * - `rule_ids` make the category `violation` whatever was asked; unknown rules are a 422, and so is a
 *   comment over 1,000 characters or a category Mastodon does not know;
 * - `forward` matters only for a remote target: a Flag from the instance actor goes to its server;
 * - staff hear of it through an `admin.report` notification (staff-notifications.ts).
 * Moderators read reports with `npm run petrel -- reports list` (scripts/commands/reports.ts).
 */
import { sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Account, AccountRole } from "../db/schema";
import { type Report, type ReportCategory, reports } from "../db/schema-surface";
import { ApiError, notFound } from "../errors";
import { instanceActorUri } from "../federation/keys";
import { type DeliveryEnv, enqueueDelivery } from "../federation/outbound/enqueue";
import { newId, parseId } from "../ids";
import { loadVisibleAccounts } from "./relationships/common";
import { notifyStaffOfReport } from "./staff-notifications";
import { loadVisibleStatuses } from "./visibility";

export const REPORT_COMMENT_MAX = 1000;
/** Petrel's own bound (Mastodon has none): one report reads at most this many statuses. */
export const REPORT_STATUSES_MAX = 100;
const CATEGORIES: readonly ReportCategory[] = ["other", "spam", "legal", "violation"];

export interface ReportInput {
  accountId: string | undefined;
  statusIds: string[];
  comment: string | undefined;
  category: string | undefined;
  ruleIds: string[];
  forward: boolean;
  applicationId: number | null;
}

export interface FiledReport {
  report: Report;
  target: { account: Account; role: AccountRole | undefined };
}

function parseCategory(raw: string | undefined, ruleIds: readonly string[]): ReportCategory {
  if (ruleIds.length > 0) return "violation";
  const name = (raw ?? "").trim();
  if (name === "") return "other";
  if (!(CATEGORIES as readonly string[]).includes(name)) throw new ApiError(422, `'${name}' is not a valid category`);
  return name as ReportCategory;
}

/** Rule ids are 1-based positions in the instance rules (see serializeRules). */
function parseRuleIds(config: Config, raw: readonly string[]): number[] | null {
  if (raw.length === 0) return null;
  const ids = [...new Set(raw.map((r) => r.trim()))].map((r) => (/^\d+$/.test(r) ? Number(r) : 0));
  if (ids.some((id) => id < 1 || id > config.rules.length)) {
    throw new ApiError(422, "Validation failed: Rule ids does not reference valid rules");
  }
  return ids;
}

async function reportedStatusIds(db: Db, reporterId: number, targetId: number, raw: readonly string[]): Promise<number[]> {
  if (raw.length === 0) return [];
  const ids = [...new Set(raw.map((r) => parseId(r.trim())))];
  if (ids.some((id) => id === undefined)) throw notFound();
  const wanted = ids as number[];
  if (wanted.length > REPORT_STATUSES_MAX) {
    throw new ApiError(422, `Validation failed: Status ids is too long (maximum is ${REPORT_STATUSES_MAX})`);
  }
  const { visible, rows } = await loadVisibleStatuses(db, reporterId, wanted);
  for (const id of wanted) {
    if (!visible.has(id) || rows.get(id)?.accountId !== targetId) throw notFound();
  }
  return wanted.sort((a, b) => a - b);
}

export async function fileReport(
  env: { db: Db; config: Config; delivery: DeliveryEnv },
  reporter: Account,
  input: ReportInput,
  now = Date.now(),
): Promise<FiledReport> {
  const { db, config } = env;
  const targetId = parseId(input.accountId?.trim());
  const target = targetId === undefined ? undefined : (await loadVisibleAccounts(db, [targetId])).get(targetId);
  if (!target) throw notFound();

  const ruleIds = parseRuleIds(config, input.ruleIds);
  const category = parseCategory(input.category, input.ruleIds);
  const comment = input.comment ?? "";
  if ([...comment].length > REPORT_COMMENT_MAX) {
    throw new ApiError(422, `Validation failed: Comment is too long (maximum is ${REPORT_COMMENT_MAX} characters)`);
  }
  const statusIds = await reportedStatusIds(db, reporter.id, target.account.id, input.statusIds);
  const forward = input.forward && target.account.domain !== null;

  const report: Report = {
    id: newId(now),
    accountId: reporter.id,
    targetAccountId: target.account.id,
    statusIds,
    comment,
    category,
    ruleIds,
    forwarded: forward,
    applicationId: input.applicationId,
    actionTakenAt: null,
    createdAt: now,
    updatedAt: now,
  };
  await db.insert(reports).values(report);
  await notifyStaffOfReport(db, report, now);
  if (forward) await forwardReport(env, report, target.account);
  return { report, target };
}

/**
 * The Flag Mastodon sends to the reported account's server: from the instance actor (the reporter
 * stays anonymous), naming the account and the reported statuses.
 */
async function forwardReport(
  env: { db: Db; config: Config; delivery: DeliveryEnv },
  report: Report,
  target: Account,
): Promise<void> {
  const inbox = target.inboxUrl;
  if (!target.uri || !inbox) return;
  const uris =
    report.statusIds.length === 0
      ? []
      : await env.db.all<{ uri: string }>(
          sql`SELECT uri FROM statuses WHERE id IN (SELECT value FROM json_each(${JSON.stringify(report.statusIds)})) AND uri IS NOT NULL`,
        );
  const flag = {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${env.config.baseUrl}/${crypto.randomUUID()}`,
    type: "Flag",
    actor: instanceActorUri(env.config),
    content: report.comment,
    object: [target.uri, ...uris.map((u) => u.uri)],
  };
  try {
    await enqueueDelivery(env.delivery, null, flag, [inbox]);
  } catch (err) {
    // The report is stored; a lost copy to the remote moderators must not fail the reporter's request.
    console.error(`reports: could not forward report ${report.id} to ${inbox}`, err);
  }
}
