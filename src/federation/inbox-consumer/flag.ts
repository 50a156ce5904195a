/**
 * An incoming Flag: a remote server forwarding a report about one of our accounts (and some of its
 * statuses). Stored as a report for the moderators (`npm run petrel -- reports list`), as Mastodon's
 * ReportService does for remote reports: the reporter is the Flag's actor (usually the remote
 * instance actor, as Mastodon keeps its reporters anonymous), and staff get an `admin.report`.
 */
import type { Account } from "../../db/schema";
import { reports } from "../../db/schema-surface";
import { newId } from "../../ids";
import { policyForHost } from "../../services/domain-policy";
import { notifyStaffOfReport } from "../../services/staff-notifications";
import type { Activity } from "../vocab/activity";
import { findLocalAccount, findStatusByUri, type InboxContext, isLocalUri } from "./context";
import type { Outcome } from "./create";

/** Mastodon caps the comment of a report at 1,000 characters. */
const COMMENT_MAX = 1000;

export async function handleFlag(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  // Staff chose not to hear reports from this server (a domain block with reject_reports).
  if ((await policyForHost(ctx.db, actor.domain))?.rejectReports)
    return { done: true, note: "reports from this server are rejected" };
  const local = activity.objects.filter((uri) => isLocalUri(ctx, uri));
  let targetId: number | undefined;
  for (const uri of local) {
    targetId = (await findLocalAccount(ctx, uri))?.id;
    if (targetId !== undefined) break;
  }
  const statusIds: number[] = [];
  for (const uri of local) {
    const status = await findStatusByUri(ctx, uri);
    if (!status?.local) continue;
    // A Flag naming only statuses still reports their author.
    targetId ??= status.accountId;
    if (status.accountId === targetId) statusIds.push(status.id);
  }
  if (targetId === undefined) return { done: true, note: "Flag names no local account" };
  const now = Date.now();
  const id = newId(now);
  await ctx.db.insert(reports).values({
    id,
    accountId: actor.id,
    targetAccountId: targetId,
    statusIds: [...new Set(statusIds)].sort((a, b) => a - b),
    comment: [...(activity.content ?? "")].slice(0, COMMENT_MAX).join(""),
    category: "other",
    ruleIds: null,
    forwarded: false,
    applicationId: null,
    actionTakenAt: null,
    createdAt: now,
    updatedAt: now,
  });
  await notifyStaffOfReport(ctx.db, { id, accountId: actor.id, targetAccountId: targetId }, now);
  return { done: true };
}
