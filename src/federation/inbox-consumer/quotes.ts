/**
 * Quote posts arriving over ActivityPub (Mastodon 4.5's ActivityPub::Activity::QuoteRequest,
 * ProcessStatusUpdateService / VerifyQuoteService, in their simplest correct form):
 * - a stored remote post whose `quote` (or legacy `quoteUrl`, `quoteUri`, `_misskey_quote`) names a
 *   status we know gets a quote row: `accepted` for a self-quote or when the `quoteAuthorization` is a
 *   stamp we granted for exactly this post, otherwise `pending` (shown without the quoted status, as
 *   Mastodon shows unauthorized quotes);
 * - a `QuoteRequest` for one of our statuses is answered with an Accept carrying our stamp when the
 *   quoted author's policy lets the requester quote, else with a Reject.
 */
import { and, eq, sql } from "drizzle-orm";
import type { Account, Status } from "../../db/schema";
import { follows, statuses } from "../../db/schema";
import { type QuoteState, quotes } from "../../db/schema-quotes";
import { quoteDecision } from "../../entities/quote";
import { localStatusUri } from "../../entities/status";
import { newId } from "../../ids";
import { notify } from "../../services/notifications";
import { actorUri } from "../../urls";
import { enqueueDelivery } from "../outbound/enqueue";
import { personalInbox } from "../outbound/recipients";
import { remoteQuotePolicy, stampUri } from "../quotes";
import type { Activity } from "../vocab/activity";
import type { ApObject } from "../vocab/object";
import { fetchObject, findStatusByUri, type InboxContext, isLocalUri, PermanentError } from "./context";
import type { Outcome } from "./create";
import { checkAuthorship, objectFromFetched, storeRemoteStatus } from "./store-status";

/** Whether a remote post quotes one of our statuses: such a post concerns this server (Create's relevance test). */
export function quotesLocal(ctx: Pick<InboxContext, "config">, object: ApObject): boolean {
  return object.quote !== null && isLocalUri(ctx, object.quote);
}

/** Our stamp's quote id, when `uri` is one of ours for a status of local account `username`. */
function ownStampId(ctx: Pick<InboxContext, "config">, uri: string, username: string): number | undefined {
  if (!isLocalUri(ctx, uri)) return undefined;
  const prefix = `${actorUri(ctx.config, username)}/quote_authorizations/`;
  if (!uri.startsWith(prefix)) return undefined;
  const id = Number(uri.slice(prefix.length));
  return Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

interface QuotedTarget {
  status: Status;
  username: string;
  local: boolean;
}

async function quotedTarget(ctx: InboxContext, uri: string): Promise<QuotedTarget | undefined> {
  const status = await findStatusByUri(ctx, uri);
  if (!status || status.reblogOfId !== null) return undefined;
  const [author] = await ctx.db.all<{ username: string; domain: string | null }>(
    sql`SELECT username, domain FROM accounts WHERE id = ${status.accountId}`,
  );
  if (!author) return undefined;
  return { status, username: author.username, local: author.domain === null };
}

/**
 * Records (or refreshes) the quote of stored remote post `stored` from its object. A quote already
 * accepted or revoked keeps its state; an unknown quoted post is left for later (no row).
 */
export async function recordRemoteQuote(ctx: InboxContext, stored: Status, object: ApObject, author: Account): Promise<void> {
  // An edit may change who may quote (a new post has it from storeRemoteStatus already).
  const policy = remoteQuotePolicy(object.canQuote, author);
  if (policy !== stored.quoteApprovalPolicy) {
    await ctx.db.update(statuses).set({ quoteApprovalPolicy: policy }).where(eq(statuses.id, stored.id));
  }
  if (!object.quote) return;
  const target = await quotedTarget(ctx, object.quote);
  if (!target) return;
  const [existing] = await ctx.db.select().from(quotes).where(eq(quotes.statusId, stored.id)).limit(1);
  if (existing && existing.quotedStatusId !== target.status.id) return;
  let state: QuoteState = existing?.state ?? "pending";
  if (state === "pending" || state === "rejected") {
    const stamp = object.quoteAuthorization;
    const ownStamp = stamp && target.local ? ownStampId(ctx, stamp, target.username) : undefined;
    if (target.status.accountId === author.id) state = "accepted";
    else if (ownStamp !== undefined && ownStamp === existing?.id && existing.state !== "rejected") state = "accepted";
  }
  const now = Date.now();
  const becameAccepted = state === "accepted" && existing?.state !== "accepted";
  await ctx.db.batch([
    existing
      ? ctx.db.update(quotes).set({ state, updatedAt: now }).where(eq(quotes.id, existing.id))
      : ctx.db.insert(quotes).values({
          id: newId(now),
          accountId: author.id,
          statusId: stored.id,
          quotedStatusId: target.status.id,
          quotedAccountId: target.status.accountId,
          state,
          approvalUri: target.local ? null : object.quoteAuthorization,
          createdAt: now,
          updatedAt: now,
        }),
    ctx.db.update(statuses).set({ quotedStatusId: target.status.id, quoteState: state }).where(eq(statuses.id, stored.id)),
    ...(becameAccepted
      ? [
          ctx.db
            .update(statuses)
            .set({ quotesCount: sql`${statuses.quotesCount} + 1` })
            .where(eq(statuses.id, target.status.id)),
        ]
      : []),
  ]);
}

/** `QuoteRequest{actor, object: our status, instrument: their post}` (FEP-044f). */
export async function handleQuoteRequest(ctx: InboxContext, activity: Activity, actor: Account): Promise<Outcome> {
  const target = activity.object.id ? await quotedTarget(ctx, activity.object.id) : undefined;
  if (!target?.local) return { done: true, note: "quote request for a status that is not ours" };
  const instrument = activity.instrument;
  if (!instrument || !activity.id) throw new PermanentError("QuoteRequest without an id or an instrument");
  const quotedUri = localStatusUri(ctx.config, target.username, target.status);
  const allowed = await mayQuote(ctx, target.status, actor);
  if (!allowed) {
    await answer(ctx, "Reject", target, actor, activity.id, instrument, null);
    return { done: true, note: "quote refused by the quoted author's policy" };
  }
  const known = await findStatusByUri(ctx, instrument);
  const object = objectFromFetched(await fetchObject(ctx, instrument), instrument);
  checkAuthorship(object, actor.uri);
  if (object.quote !== quotedUri) throw new PermanentError(`${instrument} does not quote ${quotedUri}`);
  const stored = known ?? (await storeRemoteStatus(ctx, object, actor));
  if (!stored) return { done: true, note: "the quoting post was not stored" };
  await recordRemoteQuote(ctx, stored, object, actor);
  const [quote] = await ctx.db.select().from(quotes).where(eq(quotes.statusId, stored.id)).limit(1);
  if (!quote || quote.quotedStatusId !== target.status.id) throw new PermanentError("quote row missing");
  const now = Date.now();
  if (quote.state !== "accepted") {
    await ctx.db.batch([
      ctx.db.update(quotes).set({ state: "accepted", activityUri: activity.id, updatedAt: now }).where(eq(quotes.id, quote.id)),
      ctx.db.update(statuses).set({ quoteState: "accepted" }).where(eq(statuses.id, stored.id)),
      ctx.db
        .update(statuses)
        .set({ quotesCount: sql`${statuses.quotesCount} + 1` })
        .where(eq(statuses.id, target.status.id)),
    ]);
  }
  await answer(ctx, "Accept", target, actor, activity.id, instrument, stampUri(ctx.config, target.username, quote.id));
  await notify(ctx.db, {
    recipientId: target.status.accountId,
    fromAccountId: actor.id,
    type: "quote",
    statusId: stored.id,
    now,
  });
  return { done: true };
}

/** StatusPolicy#quote? for a remote requester: visible to them, not blocked either way, allowed by the policy. */
async function mayQuote(ctx: InboxContext, status: Status, actor: Account): Promise<boolean> {
  if (status.visibility !== "public" && status.visibility !== "unlisted") return false;
  const rows = await ctx.db.all<{ one: number }>(sql`
    SELECT 1 AS one FROM blocks WHERE (account_id = ${status.accountId} AND target_account_id = ${actor.id})
      OR (account_id = ${actor.id} AND target_account_id = ${status.accountId})
    UNION ALL SELECT 1 FROM account_domain_blocks WHERE account_id = ${status.accountId} AND domain = ${actor.domain ?? ""}`);
  if (rows.length > 0) return false;
  const followed = await ctx.db
    .select({ id: follows.id })
    .from(follows)
    .where(and(eq(follows.accountId, actor.id), eq(follows.targetAccountId, status.accountId)))
    .limit(1);
  return quoteDecision(status, actor.id, followed.length > 0) !== "denied";
}

async function answer(
  ctx: InboxContext,
  kind: "Accept" | "Reject",
  target: QuotedTarget,
  actor: Account,
  requestId: string,
  instrument: string,
  stamp: string | null,
): Promise<void> {
  const quotedActor = actorUri(ctx.config, target.username);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(requestId)));
  const suffix = [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  const activity: Record<string, unknown> = {
    "@context": [
      "https://www.w3.org/ns/activitystreams",
      { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest", quote: "https://w3id.org/fep/044f#quote" },
    ],
    id: `${quotedActor}#${kind === "Accept" ? "accepts" : "rejects"}/quote_requests/${suffix}`,
    type: kind,
    actor: quotedActor,
    object: {
      id: requestId,
      type: "QuoteRequest",
      actor: actor.uri,
      object: localStatusUri(ctx.config, target.username, target.status),
      instrument,
    },
    ...(stamp ? { result: stamp } : {}),
  };
  await enqueueDelivery({ DELIVERY: ctx.delivery }, target.status.accountId, activity, [await personalInbox(ctx.db, actor.id)]);
}
