/**
 * Our side of FEP-044f for quotes of remote statuses, and revocations (Mastodon 4.5's
 * QuoteRequestWorker, ActivityPub::Activity::Accept/Reject#accept_quote_request!, RevokeQuoteService):
 * - a local quote of a remote status stays pending and a `QuoteRequest{object: quoted, instrument:
 *   ours}` goes to the quoted author; its id names our quote row (`{actor}/quote_requests/{quote id}`);
 * - their `Accept` (with the stamp in `result`, on their origin) accepts the quote and re-sends our
 *   post as an Update carrying `quoteAuthorization`; their `Reject` rejects it (revokes an accepted one);
 * - revoking a remote post's quote of a local status sends the `Delete` of our stamp to its author.
 */
import { eq, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Account, Status } from "../db/schema";
import { statuses } from "../db/schema";
import { type QuoteState, quotes } from "../db/schema-quotes";
import type { ResolvedQuote } from "../services/quotes/compose-quote";
import { fanout, type PostEnv } from "../services/statuses/post";
import { actorUri } from "../urls";
import { type InboxContext, isLocalUri, sameOrigin } from "./inbox-consumer/context";
import type { Outcome } from "./inbox-consumer/create";
import { enqueueDelivery } from "./outbound/enqueue";
import { personalInbox } from "./outbound/recipients";
import { stampUri } from "./quotes";
import type { Activity } from "./vocab/activity";

const CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  { QuoteRequest: "https://w3id.org/fep/044f#QuoteRequest", quote: "https://w3id.org/fep/044f#quote" },
];

export function quoteRequestUri(config: Config, username: string, quoteId: number): string {
  return `${actorUri(config, username)}/quote_requests/${quoteId}`;
}

/** After posting a quote of a remote status: ask its author (Mastodon's QuoteRequestWorker). */
export async function sendQuoteRequest(
  env: PostEnv,
  author: Pick<Account, "id" | "username">,
  status: Pick<Status, "id">,
  quote: ResolvedQuote,
): Promise<void> {
  if (!quote.requestUri || quote.quotedAccountLocal || !quote.quoted.uri) return;
  const actor = actorUri(env.config, author.username);
  const activity = {
    "@context": CONTEXT,
    id: quote.requestUri,
    type: "QuoteRequest",
    actor,
    object: quote.quoted.uri,
    instrument: `${actor}/statuses/${status.id}`,
  };
  try {
    await enqueueDelivery({ DELIVERY: env.delivery }, author.id, activity, [await personalInbox(env.db, quote.quoted.accountId)]);
  } catch (err) {
    // The post exists; the quote stays pending, as when the peer never answers.
    console.error(`quotes: could not send QuoteRequest ${quote.requestUri}`, err);
  }
}

/** The quote row a QuoteRequest answer is about, when it is ours and addressed to `actor`. */
async function answeredQuote(ctx: InboxContext, activity: Activity, actor: Account) {
  const ref = activity.object;
  const requestId =
    ref.kind === "activity" && ref.activity.type === "QuoteRequest" ? ref.id : ref.kind === "link" ? ref.id : null;
  if (!requestId || !isLocalUri(ctx, requestId)) return undefined;
  const m = /\/quote_requests\/(\d{1,16})$/.exec(new URL(requestId).pathname);
  if (!m?.[1]) return undefined;
  const [quote] = await ctx.db
    .select()
    .from(quotes)
    .where(eq(quotes.id, Number(m[1])))
    .limit(1);
  if (!quote || quote.activityUri !== requestId || quote.quotedAccountId !== actor.id) return undefined;
  return quote;
}

/** Whether an Accept/Reject answers one of our QuoteRequests (the follow handlers take the rest). */
export async function isQuoteRequestAnswer(ctx: InboxContext, activity: Activity): Promise<boolean> {
  const ref = activity.object;
  if (ref.kind === "activity") return ref.activity.type === "QuoteRequest";
  return ref.kind === "link" && isLocalUri(ctx, ref.id) && /\/quote_requests\/\d{1,16}$/.test(new URL(ref.id).pathname);
}

export async function handleQuoteRequestAnswer(
  ctx: InboxContext,
  activity: Activity,
  actor: Account,
  kind: "Accept" | "Reject",
): Promise<Outcome> {
  const quote = await answeredQuote(ctx, activity, actor);
  if (!quote || quote.quotedStatusId === null) return { done: true, note: "answer to no quote request of ours" };
  let state: QuoteState;
  let approvalUri = quote.approvalUri;
  if (kind === "Accept") {
    // The stamp must live with its author, as Mastodon checks.
    if (!activity.result || !sameOrigin(activity.result, actor.uri)) return { done: true, note: "accept without a valid stamp" };
    if (quote.state !== "pending") return { done: true, note: `quote already ${quote.state}` };
    state = "accepted";
    approvalUri = activity.result;
  } else {
    state = quote.state === "accepted" || quote.state === "revoked" ? "revoked" : "rejected";
    if (state === quote.state) return { done: true };
  }
  await settleQuote(ctx, quote, state, approvalUri);
  return { done: true };
}

/** Moves a quote to `state`, keeping the copies on the quoting status and the quoted one's counter. */
async function settleQuote(
  ctx: InboxContext,
  quote: { id: number; statusId: number; quotedStatusId: number | null; state: QuoteState },
  state: QuoteState,
  approvalUri: string | null,
): Promise<void> {
  const now = Date.now();
  const counter =
    state === "accepted"
      ? sql`${statuses.quotesCount} + 1`
      : quote.state === "accepted"
        ? sql`max(${statuses.quotesCount} - 1, 0)`
        : null;
  await ctx.db.batch([
    ctx.db.update(quotes).set({ state, approvalUri, updatedAt: now }).where(eq(quotes.id, quote.id)),
    ctx.db.update(statuses).set({ quoteState: state }).where(eq(statuses.id, quote.statusId)),
    ...(counter && quote.quotedStatusId !== null
      ? [ctx.db.update(statuses).set({ quotesCount: counter }).where(eq(statuses.id, quote.quotedStatusId))]
      : []),
  ]);
  // Timelines show the change, and our post goes out again (now with, or without, its stamp).
  await fanout(ctx.fanout, quote.statusId, "status.updated");
}

/** A remote author's Delete of the stamp they gave one of our quotes: the quote is revoked. */
export async function revokeByStampDeletion(ctx: InboxContext, stamp: string, actor: Account): Promise<boolean> {
  const [quote] = await ctx.db.select().from(quotes).where(eq(quotes.approvalUri, stamp)).limit(1);
  if (!quote || quote.quotedAccountId !== actor.id) return false;
  const state: QuoteState = quote.state === "accepted" || quote.state === "revoked" ? "revoked" : "rejected";
  if (state !== quote.state) await settleQuote(ctx, quote, state, quote.approvalUri);
  return true;
}

/** RevokeQuoteService for a remote quoting post: the Delete of our stamp goes to its author. */
export async function sendStampDeletion(
  env: Pick<PostEnv, "db" | "config" | "delivery">,
  quote: { id: number; accountId: number; quotedAccountId: number | null },
  quotedUsername: string,
): Promise<void> {
  if (quote.quotedAccountId === null) return;
  const inbox = await personalInbox(env.db, quote.accountId);
  if (!inbox) return;
  const stamp = stampUri(env.config, quotedUsername, quote.id);
  const actor = actorUri(env.config, quotedUsername);
  const activity = {
    "@context": "https://www.w3.org/ns/activitystreams",
    id: `${stamp}#delete`,
    type: "Delete",
    actor,
    object: stamp,
  };
  await enqueueDelivery({ DELIVERY: env.delivery }, quote.quotedAccountId, activity, [inbox]);
}
