/**
 * The quote routes' logic (Mastodon 4.5's Statuses::QuotesController, InteractionPoliciesController,
 * RevokeQuoteService) and what an edit does for quotes (UpdateStatusService: the policy may change,
 * local quoters hear of the edit).
 */
import { and, desc, eq, gt, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { type Status, statuses, type User, users } from "../../db/schema";
import { type QuoteState, quotes } from "../../db/schema-quotes";
import type { MastodonStatus } from "../../entities/status";
import { ApiError, notFound } from "../../errors";
import { sendStampDeletion } from "../../federation/quote-requests";
import { parseId } from "../../ids";
import type { PageParams } from "../../util/pagination";
import { hydrateStatuses } from "../hydrate";
import { notify } from "../notifications";
import { UPDATE_NOTIFY_MAX } from "../statuses/limits";
import { requireVisibleStatus, statusJson } from "../statuses/lookup";
import { fanout, type PostEnv } from "../statuses/post";
import { resolveQuotePolicy } from "./compose-quote";

const NOT_ALLOWED = "This action is not allowed";

export interface QuotePage {
  statuses: MastodonStatus[];
  /** Quote ids, Mastodon's cursors: `next` when the page was full, `prev` when it was not empty. */
  next: number | undefined;
  prev: number | undefined;
}

/**
 * `GET /api/v1/statuses/:id/quotes`: accepted quotes of a status the viewer may see, newest quote
 * first, without those by accounts the viewer blocks, is blocked by or mutes; quoting statuses the
 * viewer may not see are dropped after paging, as Mastodon filters them.
 */
export async function listQuotes(
  db: Db,
  config: Parameters<typeof hydrateStatuses>[1],
  viewerId: number | null,
  rawId: string,
  page: PageParams,
): Promise<QuotePage> {
  const status = await requireVisibleStatus(db, viewerId, rawId);
  const where: SQL[] = [eq(quotes.quotedStatusId, status.id), eq(quotes.state, "accepted")];
  if (page.maxId !== undefined) where.push(lt(quotes.id, page.maxId));
  if (page.sinceId !== undefined) where.push(gt(quotes.id, page.sinceId));
  if (viewerId !== null) {
    where.push(
      sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${viewerId} AND b.target_account_id = ${quotes.accountId})`,
      sql`NOT EXISTS (SELECT 1 FROM blocks b WHERE b.account_id = ${quotes.accountId} AND b.target_account_id = ${viewerId})`,
      sql`NOT EXISTS (SELECT 1 FROM mutes m WHERE m.account_id = ${viewerId} AND m.target_account_id = ${quotes.accountId})`,
    );
  }
  const rows = await db
    .select({ id: quotes.id, statusId: quotes.statusId })
    .from(quotes)
    .where(and(...where))
    .orderBy(desc(quotes.id))
    .limit(page.limit);
  // The quoted author sees every accepted quote (Mastodon lets them, by a silent mention); others
  // only the quoting statuses they may see.
  const owner = viewerId !== null && viewerId === status.accountId;
  const list = await hydrateStatuses(
    db,
    config,
    viewerId,
    rows.map((r) => r.statusId),
    owner ? { skipVisibility: true } : {},
  );
  return {
    statuses: list,
    next: rows.length === page.limit ? rows[rows.length - 1]?.id : undefined,
    prev: rows[0]?.id,
  };
}

/** `POST /api/v1/statuses/:id/quotes/:quoting_status_id/revoke` by the quoted status's author. */
export async function revokeQuote(
  env: PostEnv,
  viewer: { id: number; username: string },
  rawQuotedId: string,
  rawQuotingId: string,
): Promise<MastodonStatus> {
  const { db, config } = env;
  const viewerId = viewer.id;
  const quoted = await requireVisibleStatus(db, viewerId, rawQuotedId);
  const quotingId = parseId(rawQuotingId);
  if (quotingId === undefined) throw notFound();
  const [quote] = await db
    .select()
    .from(quotes)
    .where(and(eq(quotes.quotedStatusId, quoted.id), eq(quotes.statusId, quotingId)))
    .limit(1);
  if (!quote) throw notFound();
  if (quote.quotedAccountId !== viewerId) throw new ApiError(403, NOT_ALLOWED);
  // Quote#reject!: an accepted quote is revoked, a revoked one stays so, any other is rejected.
  const state: QuoteState = quote.state === "accepted" || quote.state === "revoked" ? "revoked" : "rejected";
  if (state !== quote.state) {
    const now = Date.now();
    await db.batch([
      db.update(quotes).set({ state, updatedAt: now }).where(eq(quotes.id, quote.id)),
      db.update(statuses).set({ quoteState: state }).where(eq(statuses.id, quote.statusId)),
      ...(quote.state === "accepted"
        ? [
            db
              .update(statuses)
              .set({ quotesCount: sql`max(${statuses.quotesCount} - 1, 0)` })
              .where(eq(statuses.id, quoted.id)),
          ]
        : []),
    ]);
    // Timelines and remote copies show the quoting status without the quote from now on.
    await fanout(env.fanout, quote.statusId, "status.updated");
    if (quote.state === "accepted") await sendStampDeletion(env, quote, viewer.username);
  }
  return statusJson(db, config, viewerId, quote.statusId, { skipVisibility: true });
}

/** `PUT /api/v1/statuses/:id/interaction_policy`: the author changes who may quote. */
export async function setInteractionPolicy(
  env: PostEnv,
  author: { accountId: number; user: Pick<User, "settings"> },
  rawId: string,
  rawPolicy: string | undefined,
): Promise<MastodonStatus> {
  const { db, config } = env;
  const status = await requireVisibleStatus(db, author.accountId, rawId);
  if (status.accountId !== author.accountId) throw new ApiError(403, NOT_ALLOWED);
  const bits = resolveQuotePolicy(rawPolicy, author.user, status.visibility);
  if (bits !== status.quoteApprovalPolicy) {
    await db.update(statuses).set({ quoteApprovalPolicy: bits }).where(eq(statuses.id, status.id));
    await fanout(env.fanout, status.id, "status.updated");
  }
  return statusJson(db, config, author.accountId, status.id);
}

/** An edit's `quote_approval_policy`, applied only when sent (UpdateStatusService). */
export async function editQuotePolicy(
  db: Db,
  status: Status,
  user: Pick<User, "settings">,
  raw: string | undefined,
): Promise<void> {
  if (raw === undefined || raw.trim() === "") return;
  const bits = resolveQuotePolicy(raw, user, status.visibility);
  if (bits !== status.quoteApprovalPolicy) {
    await db.update(statuses).set({ quoteApprovalPolicy: bits }).where(eq(statuses.id, status.id));
  }
}

/** Local accounts whose accepted quotes quote an edited status hear of it (`quoted_update`), bounded. */
export async function notifyQuoters(db: Db, status: Pick<Status, "id">, authorId: number, now: number): Promise<void> {
  const quoters = await db
    .selectDistinct({ id: quotes.accountId })
    .from(quotes)
    .innerJoin(users, eq(users.accountId, quotes.accountId))
    .where(and(eq(quotes.quotedStatusId, status.id), eq(quotes.state, "accepted")))
    .limit(UPDATE_NOTIFY_MAX);
  for (const q of quoters) {
    await notify(db, { recipientId: q.id, fromAccountId: authorId, type: "quoted_update", statusId: status.id, now });
  }
}
