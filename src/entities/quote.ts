/**
 * Quote, ShallowQuote and QuoteApproval entities (Mastodon 4.5) and the quote approval policy bit
 * field. A top-level status carries a Quote (the quoted status rendered in full); the quoted status
 * itself carries a ShallowQuote (just the id of what it quotes), as Mastodon's serializers nest them.
 */
import type { Status } from "../db/schema";
import type { QuoteState } from "../db/schema-quotes";

/** Mastodon's Status::InteractionPolicyConcern flags; automatic ones are shifted left 16 bits. */
export const QUOTE_POLICY_FLAGS = { unsupported_policy: 1 << 0, public: 1 << 1, followers: 1 << 2, following: 1 << 3 } as const;
export type QuotePolicyKey = keyof typeof QUOTE_POLICY_FLAGS;

export const QUOTE_POLICIES = ["public", "followers", "nobody"] as const;
export type QuotePolicy = (typeof QUOTE_POLICIES)[number];

/** The bit field for a policy name as the API takes it (`nobody` is 0). */
export function quotePolicyBits(policy: QuotePolicy): number {
  if (policy === "public") return QUOTE_POLICY_FLAGS.public << 16;
  if (policy === "followers") return QUOTE_POLICY_FLAGS.followers << 16;
  return 0;
}

export function quotePolicyKeys(bits: number): QuotePolicyKey[] {
  return (Object.keys(QUOTE_POLICY_FLAGS) as QuotePolicyKey[]).filter((k) => (bits & QUOTE_POLICY_FLAGS[k]) !== 0);
}

/** Whose follow of the author matters for `current_user` on a status with this policy. */
export function policyNeedsFollow(bits: number): boolean {
  return ((bits >> 16) & QUOTE_POLICY_FLAGS.followers) !== 0 || (bits & QUOTE_POLICY_FLAGS.followers) !== 0;
}

export type QuoteDecision = "automatic" | "manual" | "denied" | "unknown";

/**
 * Mastodon's `quote_policy_for_account`: how the status's policy applies to `viewerId`.
 * `followsAuthor` says whether the viewer follows the status's author. The `following` flag
 * (the author follows the viewer) is never set by this server's API, so it is not consulted.
 */
export function quoteDecision(
  status: Pick<Status, "accountId" | "visibility" | "reblogOfId" | "quoteApprovalPolicy">,
  viewerId: number | null,
  followsAuthor: boolean,
): QuoteDecision {
  if (viewerId === null || status.visibility === "direct" || status.reblogOfId !== null) return "denied";
  if (status.accountId === viewerId) return "automatic";
  const automatic = status.quoteApprovalPolicy >> 16;
  const manual = status.quoteApprovalPolicy & 0xffff;
  if (automatic & QUOTE_POLICY_FLAGS.public) return "automatic";
  if (automatic & QUOTE_POLICY_FLAGS.followers && followsAuthor) return "automatic";
  if (manual & QUOTE_POLICY_FLAGS.public) return "manual";
  if (manual & QUOTE_POLICY_FLAGS.followers && followsAuthor) return "manual";
  if ((automatic | manual) & QUOTE_POLICY_FLAGS.unsupported_policy) return "unknown";
  return "denied";
}

export interface MastodonQuoteApproval {
  automatic: QuotePolicyKey[];
  manual: QuotePolicyKey[];
  current_user: QuoteDecision;
}

export function serializeQuoteApproval(
  status: Pick<Status, "accountId" | "visibility" | "reblogOfId" | "quoteApprovalPolicy">,
  viewerId: number | null,
  followsAuthor: boolean,
): MastodonQuoteApproval {
  return {
    automatic: quotePolicyKeys(status.quoteApprovalPolicy >> 16),
    manual: quotePolicyKeys(status.quoteApprovalPolicy & 0xffff),
    current_user: quoteDecision(status, viewerId, followsAuthor),
  };
}

/** The states a viewer sees: the stored ones plus those Mastodon derives for what it cannot show. */
export type QuoteViewState = QuoteState | "unauthorized" | "blocked_account" | "blocked_domain" | "muted_account";

/** What hydration found for a status's quote, for the viewer (null `quoted`: not shown). */
export type QuoteView<B> =
  | { kind: "full"; state: QuoteViewState; quoted: B | null }
  | { kind: "shallow"; state: QuoteViewState; quotedStatusId: number | null };

export interface MastodonQuote<S> {
  state: QuoteViewState;
  quoted_status: S | null;
}

export interface MastodonShallowQuote {
  state: QuoteViewState;
  quoted_status_id: string | null;
}

export function serializeQuote<B, S>(view: QuoteView<B>, render: (b: B) => S): MastodonQuote<S> | MastodonShallowQuote {
  if (view.kind === "shallow") {
    return { state: view.state, quoted_status_id: view.quotedStatusId === null ? null : String(view.quotedStatusId) };
  }
  return { state: view.state, quoted_status: view.quoted === null ? null : render(view.quoted) };
}

/** States under which Mastodon still includes the quoted status (clients hide it behind a warning). */
const SHOWN_STATES: ReadonlySet<QuoteViewState> = new Set(["accepted", "blocked_account", "blocked_domain", "muted_account"]);

export function quoteShowsStatus(state: QuoteViewState): boolean {
  return SHOWN_STATES.has(state);
}

/** A quote's own row state as seen on the quoted-inside-a-quote level (no viewer relations known there). */
export function shallowQuoteView<B>(status: Pick<Status, "quotedStatusId" | "quoteState">): QuoteView<B> | undefined {
  if (status.quoteState === null) return undefined;
  const state = status.quoteState;
  return { kind: "shallow", state, quotedStatusId: state === "accepted" ? status.quotedStatusId : null };
}
