/**
 * Quoting when posting (Mastodon 4.5's StatusesController#set_quoted_status, PostStatusService and
 * Quote): the quoted status must be visible to the author (a boost stands for what it boosts) and
 * its quote policy must not deny them, else Mastodon's 404; quoting a private status (only your own
 * can be) makes a public or unlisted quote private. A quote of a local status is accepted at once
 * (Mastodon has no manual review for local authors); a quote of a remote one stays pending until its
 * author answers the QuoteRequest.
 */
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Config } from "../../config";
import type { Db } from "../../db/client";
import { accounts, follows, type Status, statuses, type User, type Visibility } from "../../db/schema";
import { type QuoteState, quotes } from "../../db/schema-quotes";
import {
  type MastodonQuote,
  type MastodonShallowQuote,
  QUOTE_POLICIES,
  type QuotePolicy,
  quoteDecision,
  quotePolicyBits,
} from "../../entities/quote";
import type { MastodonStatus } from "../../entities/status";
import { ApiError } from "../../errors";
import { newId, parseId } from "../../ids";
import { hydrateStatuses } from "../hydrate";
import { notify } from "../notifications";
import { runInBatch } from "../statuses/raw";
import { loadVisibleStatuses } from "../visibility";

export const QUOTED_NOT_FOUND = "The post you are trying to quote does not appear to exist.";

/**
 * `quote_approval_policy` as sent, else the user's default, as Mastodon's bit field. Mastodon raises
 * a bare RecordInvalid for anything else; private and direct statuses always get `nobody` (0).
 */
export function resolveQuotePolicy(raw: string | undefined, user: Pick<User, "settings">, visibility: Visibility): number {
  const name = quotePolicyName(raw, user);
  if (visibility === "private" || visibility === "direct") return 0;
  return quotePolicyBits(name);
}

/** The policy's name as sent or defaulted (scheduled statuses keep it so). */
export function quotePolicyName(raw: string | undefined, user: Pick<User, "settings">): QuotePolicy {
  const name = raw === undefined || raw.trim() === "" ? (user.settings.defaultQuotePolicy ?? "public") : raw.trim();
  if (!(QUOTE_POLICIES as readonly string[]).includes(name)) throw new ApiError(422, "Record invalid");
  return name as QuotePolicy;
}

export interface ResolvedQuote {
  /** The quote row's id, chosen up front: a QuoteRequest's id names it. */
  id: number;
  /** The QuoteRequest sent for a quote of a remote status (src/federation/quote-requests.ts). */
  requestUri?: string;
  quoted: Status;
  quotedAccountLocal: boolean;
  state: Extract<QuoteState, "accepted" | "pending">;
}

/** The status to quote, checked as Mastodon's `authorize(@quoted_status, :quote?)`; undefined when none was asked for. */
export async function resolveQuote(db: Db, authorId: number, raw: string | undefined): Promise<ResolvedQuote | undefined> {
  if (raw === undefined || raw.trim() === "") return undefined;
  const id = parseId(raw.trim());
  if (id === undefined) throw new ApiError(404, QUOTED_NOT_FOUND);
  const { visible, rows } = await loadVisibleStatuses(db, authorId, [id]);
  const found = visible.has(id) ? rows.get(id) : undefined;
  const quoted = found && found.reblogOfId !== null ? rows.get(found.reblogOfId) : found;
  if (!quoted) throw new ApiError(404, QUOTED_NOT_FOUND);
  // Quote#validate_visibility: only your own private statuses may be quoted (direct never: the policy denies it).
  if (quoted.accountId !== authorId && quoted.visibility !== "public" && quoted.visibility !== "unlisted") {
    throw new ApiError(404, QUOTED_NOT_FOUND);
  }
  const [authorRows, followRows] = await db.batch([
    db.select({ domain: accounts.domain }).from(accounts).where(eq(accounts.id, quoted.accountId)),
    db
      .select({ id: follows.targetAccountId })
      .from(follows)
      .where(and(eq(follows.accountId, authorId), eq(follows.targetAccountId, quoted.accountId))),
  ]);
  const author = authorRows[0];
  if (!author) throw new ApiError(404, QUOTED_NOT_FOUND);
  const local = author.domain === null;
  if (quoteDecision(quoted, authorId, followRows.length > 0) === "denied") throw new ApiError(404, QUOTED_NOT_FOUND);
  return { id: newId(), quoted, quotedAccountLocal: local, state: local ? "accepted" : "pending" };
}

/** PostStatusService: a public or unlisted quote of a private status is made private. */
export function quoteVisibility(visibility: Visibility, quote: ResolvedQuote | undefined): Visibility {
  if (quote?.quoted.visibility === "private" && (visibility === "public" || visibility === "unlisted")) return "private";
  return visibility;
}

/** PostStatusService#safeguard_private_mention_quote!: a direct quote must mention the quoted author. */
export function checkDirectQuote(
  visibility: Visibility,
  quote: ResolvedQuote | undefined,
  authorId: number,
  mentionedIds: readonly number[],
): void {
  if (!quote || visibility !== "direct" || quote.quoted.accountId === authorId) return;
  if (mentionedIds.includes(quote.quoted.accountId)) return;
  throw new ApiError(422, "Validation failed: Cannot quote a non-mentioned user in a Private Mention post.");
}

/**
 * The quote's row, the quoted status's counter, and Quote#ensure_quoted_access: a silent mention of
 * the quoted author, so they may see the quote whatever its visibility (it must follow the batch's
 * own mentions, which it never demotes).
 */
export function quoteStatements(
  db: Db,
  status: Pick<Status, "id" | "accountId">,
  quote: ResolvedQuote,
  now: number,
): BatchItem<"sqlite">[] {
  const out: BatchItem<"sqlite">[] = [
    db.insert(quotes).values({
      id: quote.id,
      accountId: status.accountId,
      statusId: status.id,
      quotedStatusId: quote.quoted.id,
      quotedAccountId: quote.quoted.accountId,
      state: quote.state,
      activityUri: quote.requestUri ?? null,
      createdAt: now,
      updatedAt: now,
    }),
  ];
  if (quote.quoted.accountId !== status.accountId) {
    out.push(
      runInBatch(
        db,
        sql`INSERT INTO mentions (status_id, account_id, silent) VALUES (${status.id}, ${quote.quoted.accountId}, 1)
          ON CONFLICT (status_id, account_id) DO NOTHING`,
      ),
    );
  }
  if (quote.state === "accepted") {
    out.push(
      db
        .update(statuses)
        .set({ quotesCount: sql`${statuses.quotesCount} + 1` })
        .where(eq(statuses.id, quote.quoted.id)),
    );
  }
  return out;
}

/** A Status entity as it sits inside a Quote: its own quote reduced to a ShallowQuote. */
export function shallowStatus(json: MastodonStatus): MastodonStatus {
  const q = json.quote;
  if (!q || "quoted_status_id" in q) return json;
  const inner = (q as MastodonQuote<MastodonStatus>).quoted_status;
  const shallow: MastodonShallowQuote = { state: q.state, quoted_status_id: inner ? inner.id : null };
  return { ...json, quote: shallow };
}

/** The Quote entity for a status just posted by `authorId`, its quoted status rendered for them. */
export async function quoteEntity(
  db: Db,
  config: Config,
  authorId: number,
  quote: ResolvedQuote,
): Promise<MastodonQuote<MastodonStatus>> {
  if (quote.state !== "accepted") return { state: quote.state, quoted_status: null };
  const [quoted] = await hydrateStatuses(db, config, authorId, [quote.quoted.id]);
  return { state: quote.state, quoted_status: quoted ? shallowStatus(quoted) : null };
}

const VIEWER_FIELDS = ["favourited", "reblogged", "muted", "bookmarked", "pinned", "filtered"] as const;

/** The same Quote for the streams, which render without a viewer. */
export function anonymousQuote(quote: MastodonQuote<MastodonStatus>): MastodonQuote<MastodonStatus> {
  if (!quote.quoted_status) return quote;
  const copy: MastodonStatus = { ...quote.quoted_status };
  for (const f of VIEWER_FIELDS) delete copy[f];
  return { ...quote, quoted_status: copy };
}

/** Mastodon's LocalNotificationWorker for an accepted quote: the quoted author hears of it. */
export async function notifyQuoted(db: Db, status: Pick<Status, "id" | "accountId">, quote: ResolvedQuote, now: number) {
  if (quote.state !== "accepted" || !quote.quotedAccountLocal) return;
  await notify(db, {
    recipientId: quote.quoted.accountId,
    fromAccountId: status.accountId,
    type: "quote",
    statusId: status.id,
    now,
  });
}
