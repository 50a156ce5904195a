/**
 * Quote posts on the wire (FEP-044f, as Mastodon 4.5 speaks it; INTEROP §1.10): what a local Note
 * carries (`quote` plus the legacy `quoteUri`, `_misskey_quote` and `quoteUrl`, `quoteAuthorization`
 * once accepted, and `interactionPolicy.canQuote`), and the QuoteAuthorization stamps this server
 * grants, served at `{quoted author}/quote_authorizations/{quote id}` (Mastodon's approval_uri_for).
 */
import { sql } from "drizzle-orm";
import { Hono } from "hono";
import type { Config } from "../config";
import type { Db } from "../db/client";
import type { Account, Status } from "../db/schema";
import type { QuoteState } from "../db/schema-quotes";
import { QUOTE_POLICY_FLAGS } from "../entities/quote";
import { localStatusUri } from "../entities/status";
import type { AppEnv } from "../env";
import { parseId } from "../ids";
import { actorUri } from "../urls";
import { ACTIVITY_JSON } from "./actor";
import { PUBLIC_COLLECTION } from "./vocab/json";

/** JSON-LD terms for the fields below, merged into the Note context. */
export const QUOTE_CONTEXT_TERMS = {
  quote: "https://w3id.org/fep/044f#quote",
  quoteUri: "http://fedibird.com/ns#quoteUri",
  _misskey_quote: "https://misskey-hub.net/ns#_misskey_quote",
  quoteUrl: "as:quoteUrl",
  quoteAuthorization: { "@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id" },
  gts: "https://gotosocial.org/ns#",
  interactionPolicy: { "@id": "gts:interactionPolicy", "@type": "@id" },
  canQuote: { "@id": "gts:canQuote", "@type": "@id" },
  automaticApproval: { "@id": "gts:automaticApproval", "@type": "@id" },
  manualApproval: { "@id": "gts:manualApproval", "@type": "@id" },
} as const;

const STAMP_CONTEXT = [
  "https://www.w3.org/ns/activitystreams",
  {
    QuoteAuthorization: "https://w3id.org/fep/044f#QuoteAuthorization",
    gts: "https://gotosocial.org/ns#",
    interactingObject: { "@id": "gts:interactingObject", "@type": "@id" },
    interactionTarget: { "@id": "gts:interactionTarget", "@type": "@id" },
  },
] as const;

export interface NoteQuote {
  /** ActivityPub id of the quoted status. */
  uri: string;
  state: QuoteState;
  /** The stamp: stored for remote quoted authors, derived for local ones. */
  authorization: string | null;
}

/** The stamp id for a quote of a local author's status. */
export function stampUri(config: Config, quotedUsername: string, quoteId: number): string {
  return `${actorUri(config, quotedUsername)}/quote_authorizations/${quoteId}`;
}

/** The quotes of the local statuses among `statuses`, by quoting status id: one query, none without quotes. */
export async function loadNoteQuotes(db: Db, config: Config, statuses: readonly Status[]): Promise<Map<number, NoteQuote>> {
  const out = new Map<number, NoteQuote>();
  const ids = statuses.filter((s) => s.quotedStatusId !== null).map((s) => s.id);
  if (ids.length === 0) return out;
  const rows = await db.all<{
    status_id: number;
    id: number;
    state: QuoteState;
    approval_uri: string | null;
    quoted_id: number;
    quoted_uri: string | null;
    reblog_of_id: number | null;
    username: string;
    domain: string | null;
  }>(sql`
    SELECT q.status_id, q.id, q.state, q.approval_uri, s.id AS quoted_id, s.uri AS quoted_uri, s.reblog_of_id, a.username, a.domain
    FROM quotes q JOIN statuses s ON s.id = q.quoted_status_id JOIN accounts a ON a.id = s.account_id
    WHERE q.status_id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`);
  for (const r of rows) {
    const uri = r.quoted_uri ?? localStatusUri(config, r.username, { id: r.quoted_id, reblogOfId: r.reblog_of_id });
    const authorization =
      r.state !== "accepted" ? null : (r.approval_uri ?? (r.domain === null ? stampUri(config, r.username, r.id) : null));
    out.set(r.status_id, { uri, state: r.state, authorization });
  }
  return out;
}

/** Mastodon's NoteSerializer#interaction_policy: only automatic approval goes out; nobody means the author alone. */
export function canQuote(config: Config, status: Pick<Status, "quoteApprovalPolicy">, author: Pick<Account, "username">) {
  const automatic = status.quoteApprovalPolicy >> 16;
  const actor = actorUri(config, author.username);
  const approved: string[] = [];
  if (automatic & QUOTE_POLICY_FLAGS.public) approved.push(PUBLIC_COLLECTION);
  if (automatic & QUOTE_POLICY_FLAGS.followers) approved.push(`${actor}/followers`);
  if (automatic & QUOTE_POLICY_FLAGS.following) approved.push(`${actor}/following`);
  if (approved.length === 0) approved.push(actor);
  return { canQuote: { automaticApproval: approved } };
}

/**
 * Mastodon's StatusParser#quote_policy for a remote post: `canQuote` lists mapped onto the bit field
 * (the public collection, the author's followers and following; anyone else makes it
 * `unsupported_policy`); no `canQuote` at all is 0, nobody.
 */
export function remoteQuotePolicy(
  canQuote: { automatic: string[]; manual: string[] } | null,
  author: Pick<Account, "uri" | "followersUrl" | "followingUrl">,
): number {
  if (!canQuote) return 0;
  const flags = (list: string[]) => {
    const rest = new Set(list);
    let bits = 0;
    if (rest.delete(PUBLIC_COLLECTION)) bits |= QUOTE_POLICY_FLAGS.public;
    if (author.followersUrl && rest.delete(author.followersUrl)) bits |= QUOTE_POLICY_FLAGS.followers;
    if (author.followingUrl && rest.delete(author.followingUrl)) bits |= QUOTE_POLICY_FLAGS.following;
    if (author.uri) rest.delete(author.uri);
    if (rest.size > 0) bits |= QUOTE_POLICY_FLAGS.unsupported_policy;
    return bits;
  };
  return (flags(canQuote.automatic) << 16) | flags(canQuote.manual);
}

/** The quote fields of a local Note. */
export function quoteNoteFields(
  config: Config,
  status: Pick<Status, "quoteApprovalPolicy">,
  author: Pick<Account, "username">,
  quote: NoteQuote | undefined,
): Record<string, unknown> {
  const fields: Record<string, unknown> = { interactionPolicy: canQuote(config, status, author) };
  if (quote && quote.state !== "deleted") {
    fields.quote = quote.uri;
    fields.quoteUri = quote.uri;
    fields._misskey_quote = quote.uri;
    fields.quoteUrl = quote.uri;
    if (quote.authorization) fields.quoteAuthorization = quote.authorization;
  }
  return fields;
}

/** GET `/users/:username/quote_authorizations/:id`: a stamp this server granted and still stands by. */
export const quoteAuthorizationRoutes = new Hono<AppEnv>();

quoteAuthorizationRoutes.get("/users/:username/quote_authorizations/:id", async (c) => {
  const id = parseId(c.req.param("id"));
  if (id === undefined) return c.text("Not Found", 404);
  const config = c.get("config");
  const [row] = await c.get("db").all<{
    quoting_id: number;
    quoting_uri: string | null;
    quoting_username: string;
    quoted_id: number;
    quoted_username: string;
    visibility: string;
  }>(sql`
    SELECT q.status_id AS quoting_id, qs.uri AS quoting_uri, qa.username AS quoting_username, q.quoted_status_id AS quoted_id,
      a.username AS quoted_username, qs.visibility
    FROM quotes q
    JOIN accounts a ON a.id = q.quoted_account_id AND a.domain IS NULL AND a.suspended_at IS NULL
    JOIN statuses qs ON qs.id = q.status_id
    JOIN accounts qa ON qa.id = qs.account_id
    WHERE q.id = ${id} AND q.state = 'accepted'`);
  // Stamps for quotes that are not public stay unseen: the quoting post says who may see it.
  if (!row || row.quoted_username !== c.req.param("username") || (row.visibility !== "public" && row.visibility !== "unlisted")) {
    return c.text("Not Found", 404);
  }
  const doc = {
    "@context": STAMP_CONTEXT,
    id: stampUri(config, row.quoted_username, id),
    type: "QuoteAuthorization",
    attributedTo: actorUri(config, row.quoted_username),
    interactingObject: row.quoting_uri ?? localStatusUri(config, row.quoting_username, { id: row.quoting_id, reblogOfId: null }),
    interactionTarget: localStatusUri(config, row.quoted_username, { id: row.quoted_id, reblogOfId: null }),
  };
  return c.body(JSON.stringify(doc), 200, {
    "Content-Type": `${ACTIVITY_JSON}; charset=utf-8`,
    "Cache-Control": "public, max-age=180",
  });
});
