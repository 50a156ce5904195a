/**
 * What a client sends to compose or edit a status, read from the request and checked with Mastodon's
 * rules and wording (PostStatusService, Status, PollValidator, StatusLengthValidator).
 */
import type { Account, User, Visibility } from "../../db/schema";
import { ApiError } from "../../errors";
import { countStatusLength, graphemeLength } from "../../text/status-text";
import type { Params, ParamValue } from "../../util/params";
import { type MediaAttributeInput, readMediaAttributes } from "./edit-media";
import {
  MAX_CHARACTERS,
  MAX_POLL_EXPIRATION_S,
  MAX_POLL_OPTION_CHARACTERS,
  MAX_POLL_OPTIONS,
  MIN_POLL_EXPIRATION_S,
  URL_CHARACTERS,
} from "./limits";

export interface PollInput {
  options: string[];
  /** Seconds; null when absent (Mastodon then has no deadline, which it rejects as too far). */
  expiresIn: number | null;
  multiple: boolean;
  hideTotals: boolean;
}

export interface ComposeInput {
  text: string;
  spoilerText: string;
  /** undefined: not sent (the user's default applies). */
  sensitive: boolean | undefined;
  visibility: string | undefined;
  language: string | undefined;
  mediaIds: string[];
  /** Edits only: description and focus of attached media (src/services/statuses/edit-media.ts). */
  mediaAttributes?: MediaAttributeInput[];
  poll: PollInput | null;
  inReplyToId: string | undefined;
  scheduledAt: string | undefined;
  /** Quote posts (src/services/quotes/compose-quote.ts). */
  quotedStatusId?: string | undefined;
  quoteApprovalPolicy?: string | undefined;
}

/** `status`, `spoiler_text`, `poll[...]`, ... from any encoding the client chose. */
export function readComposeInput(params: Params): ComposeInput {
  return {
    text: params.string("status") ?? "",
    spoilerText: params.string("spoiler_text") ?? "",
    sensitive: params.bool("sensitive"),
    visibility: params.string("visibility"),
    language: params.string("language"),
    mediaIds: params.strings("media_ids").filter((id) => id !== ""),
    mediaAttributes: readMediaAttributes(params.raw.media_attributes),
    poll: readPoll(params),
    inReplyToId: params.string("in_reply_to_id"),
    scheduledAt: params.string("scheduled_at"),
    quotedStatusId: params.string("quoted_status_id"),
    quoteApprovalPolicy: params.string("quote_approval_policy"),
  };
}

function readPoll(params: Params): PollInput | null {
  const poll = params.object("poll");
  if (!poll || Object.keys(poll.raw).length === 0) return null;
  return {
    options: poll.strings("options"),
    expiresIn: rubyInteger(poll.raw.expires_in),
    multiple: poll.bool("multiple") ?? false,
    hideTotals: poll.bool("hide_totals") ?? false,
  };
}

/** Ruby's `to_i`: leading digits or 0; absent or blank is null. */
function rubyInteger(v: ParamValue | undefined): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "number") return Math.trunc(v);
  if (typeof v !== "string" || v.trim() === "") return null;
  const m = /^\s*([+-]?\d+)/.exec(v);
  return m ? Number(m[1]) : 0;
}

/** The one 422 shape for these checks: Rails' "Validation failed: A, B". */
export function validationError(messages: string[]): ApiError {
  return new ApiError(422, `Validation failed: ${messages.join(", ")}`);
}

/** Strips text and moves a lone content warning into the text, as PostStatusService does. */
export function normalizeText(input: { text: string; spoilerText: string }): { text: string; spoilerText: string } {
  const text = input.text.trim();
  const spoilerText = input.spoilerText.trim();
  if (text === "" && spoilerText !== "") return { text: spoilerText, spoilerText: "" };
  return { text, spoilerText };
}

export function textErrors(text: string, spoilerText: string): string[] {
  if (text === "") return ["Text can't be blank"];
  if (countStatusLength(text, spoilerText, URL_CHARACTERS) > MAX_CHARACTERS) {
    return [`Text character limit of ${MAX_CHARACTERS} exceeded`];
  }
  return [];
}

/** Poll options as Mastodon keeps them: stripped, blanks dropped. */
export function cleanPollOptions(options: readonly string[]): string[] {
  return options.map((o) => o.trim()).filter((o) => o !== "");
}

/** PollValidator, with the attribute names Mastodon's locale gives them (Choices, Deadline). */
export function pollErrors(poll: PollInput): string[] {
  const errors: string[] = [];
  const options = cleanPollOptions(poll.options);
  if (options.length < 2) errors.push("Choices must have more than one item");
  if (options.length > MAX_POLL_OPTIONS) errors.push(`Choices can't contain more than ${MAX_POLL_OPTIONS} items`);
  if (options.some((o) => graphemeLength(o) > MAX_POLL_OPTION_CHARACTERS)) {
    errors.push(`Choices cannot be longer than ${MAX_POLL_OPTION_CHARACTERS} characters each`);
  }
  if (new Set(options).size !== options.length) errors.push("Choices contain duplicate items");
  if (poll.expiresIn === null || poll.expiresIn > MAX_POLL_EXPIRATION_S) errors.push("Deadline is too far into the future");
  if (poll.expiresIn !== null && poll.expiresIn < MIN_POLL_EXPIRATION_S) errors.push("Deadline is too soon");
  return errors;
}

/** Media is the media issue's: until then any attachment is refused rather than silently dropped. */
export function checkMedia(mediaIds: readonly string[]): void {
  if (mediaIds.length > 0) throw validationError(["media attachments are not supported yet"]);
}

const VISIBILITIES: readonly Visibility[] = ["public", "unlisted", "private", "direct"];

export function isVisibility(v: string): v is Visibility {
  return (VISIBILITIES as readonly string[]).includes(v);
}

/** The sent visibility, else the user's default (private for locked accounts); silenced accounts can't post public. */
export function resolveVisibility(raw: string | undefined, account: Account, user: User): Visibility {
  let visibility: Visibility;
  if (raw === undefined || raw === "") {
    visibility = user.settings.defaultPrivacy ?? (account.locked ? "private" : "public");
  } else if (isVisibility(raw)) {
    visibility = raw;
  } else {
    throw validationError(["Visibility is not included in the list"]);
  }
  if (visibility === "public" && account.silencedAt !== null) return "unlisted";
  return visibility;
}

/**
 * An ISO 639 code, or null when it isn't one (Mastodon then falls back to the user's default
 * language rather than failing): `en`, `fr`, `en-GB` → `en`.
 */
export function normalizeLanguage(raw: string | undefined | null): string | null {
  if (!raw) return null;
  const code = raw.trim().toLowerCase().split(/[-_]/)[0] ?? "";
  return /^[a-z]{2,3}$/.test(code) ? code : null;
}

export function resolveLanguage(raw: string | undefined, user: User, fallback: string | null = null): string | null {
  return (
    normalizeLanguage(raw) ??
    fallback ??
    normalizeLanguage(user.settings.defaultLanguage) ??
    normalizeLanguage(user.locale) ??
    "en"
  );
}

/** `sensitive` as sent, else the user's default; a content warning always makes a status sensitive. */
export function resolveSensitive(sent: boolean | undefined, spoilerSent: string, user: User): boolean {
  return (sent ?? user.settings.defaultSensitive ?? false) || spoilerSent.trim() !== "";
}
