/**
 * `update_credentials`: the profile and posting defaults a user edits from a client. Input is read
 * loosely (JSON, form and multipart shapes all arrive here as the same `ProfileInput`), then checked
 * in full before anything is written, so a rejected request changes nothing.
 */
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { type Account, accounts, type NewAccount, type ProfileField, type User, type UserSettings, users } from "../db/schema";
import { validationFailed } from "../errors";
import { deleteObjects } from "../media/store";
import { plainTextToHtml } from "../text/html";
import { coerceBool, type ParamObject, type Params, type ParamValue } from "../util/params";
import type { FieldError } from "./accounts";
import { readAttributionDomains, validateAttributionDomains } from "./attribution-domains";
import { defaultProfileMedia, type ProfileMedia, stageProfileImages } from "./profile-images";

/** Mastodon's limits (Account::MAX_DISPLAY_NAME_LENGTH, MAX_NOTE_LENGTH, DEFAULT_FIELDS_SIZE, field string limit). */
export const DISPLAY_NAME_MAX = 30;
export const NOTE_MAX = 500;
export const FIELDS_MAX = 4;
export const FIELD_TEXT_MAX = 255;

const PRIVACIES = ["public", "unlisted", "private"] as const;
const QUOTE_POLICIES = ["public", "followers", "nobody"] as const;

export interface ProfileInput {
  displayName?: string;
  note?: string;
  locked?: boolean;
  bot?: boolean;
  discoverable?: boolean;
  indexable?: boolean;
  hideCollections?: boolean;
  /** Replaces all fields when present; empty name+value pairs are already dropped. */
  fields?: Array<{ name: string; value: string }>;
  privacy?: string;
  sensitive?: boolean;
  /** null clears the default language. */
  language?: string | null;
  quotePolicy?: string;
  /** Replaces the whole list when present (already normalized as Mastodon does). */
  attributionDomains?: string[];
  /** New images (multipart files); processed and stored by updateProfile. */
  avatar?: File;
  header?: File;
  /** Problems found while reading the request (wrong types, uploads we cannot store yet). */
  errors: FieldError[];
}

const invalid = (field: string, message: string, code = "ERR_INVALID"): FieldError => ({ field, message, code });

function isObject(v: ParamValue | undefined): v is ParamObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof File);
}

/** A text param: strings as given, numbers and booleans as text (Rails does the same). */
function text(raw: ParamObject, name: string, label: string, errors: FieldError[]): string | undefined {
  const v = raw[name];
  if (v === undefined) return undefined;
  if (v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  errors.push(invalid(label, "must be a string"));
  return undefined;
}

/** Is a param present with content? Empty strings and nulls are what forms send for "unchanged". */
function present(v: ParamValue | undefined): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.length > 0;
  // Browsers send an unnamed, empty file for a file input left blank.
  if (v instanceof File) return v.size > 0 || v.name !== "";
  return !isObject(v) || Object.keys(v).length > 0;
}

/**
 * `fields_attributes` arrives as `{"0": {name, value}, ...}` (Rails form keys, or JSON keyed by index)
 * or as a JSON array of `{name, value}`. Mastodon keeps the order given and drops all-blank pairs.
 */
function readFields(v: ParamValue, errors: FieldError[]): Array<{ name: string; value: string }> | undefined {
  const list = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : undefined;
  if (list === undefined) {
    // An empty form value means "no change"; anything else is not a list of pairs.
    if (v !== "") errors.push(invalid("fields_attributes", "must be a list of name and value pairs"));
    return undefined;
  }
  const fields: Array<{ name: string; value: string }> = [];
  for (const item of list) {
    if (!isObject(item)) {
      errors.push(invalid("fields_attributes", "must be a list of name and value pairs"));
      return undefined;
    }
    const name = text(item, "name", "fields_attributes", errors) ?? "";
    const value = text(item, "value", "fields_attributes", errors) ?? "";
    if (name.trim() === "" && value.trim() === "") continue;
    fields.push({ name: name.trim(), value: value.trim() });
  }
  return fields;
}

/** Reads update_credentials params in any encoding into a `ProfileInput`. Never throws for bad values. */
export function readProfileInput(params: Params): ProfileInput {
  const raw = params.raw;
  const errors: FieldError[] = [];
  const input: ProfileInput = { errors };

  const displayName = text(raw, "display_name", "display_name", errors);
  if (displayName !== undefined) input.displayName = displayName;
  const note = text(raw, "note", "note", errors);
  if (note !== undefined) input.note = note;

  const flags = [
    ["locked", "locked"],
    ["bot", "bot"],
    ["discoverable", "discoverable"],
    ["indexable", "indexable"],
    ["hide_collections", "hideCollections"],
  ] as const;
  for (const [param, key] of flags) {
    const b = coerceBool(raw[param]);
    if (b !== undefined) input[key] = b;
  }

  const fieldsRaw = raw.fields_attributes;
  if (fieldsRaw !== undefined && fieldsRaw !== null) {
    const fields = readFields(fieldsRaw, errors);
    if (fields) input.fields = fields;
  }

  const source = params.object("source")?.raw;
  if (source) {
    const privacy = text(source, "privacy", "source.privacy", errors);
    if (privacy) input.privacy = privacy;
    const sensitive = coerceBool(source.sensitive);
    if (sensitive !== undefined) input.sensitive = sensitive;
    if (source.language !== undefined) {
      const language = text(source, "language", "source.language", errors);
      input.language = language ? language.trim().toLowerCase() : null;
    }
    const quotePolicy = text(source, "quote_policy", "source.quote_policy", errors);
    if (quotePolicy) input.quotePolicy = quotePolicy;
  }
  // Mastodon 4.5 also reads quote_policy at the top level.
  const topQuotePolicy = text(raw, "quote_policy", "source.quote_policy", errors);
  if (topQuotePolicy && input.quotePolicy === undefined) input.quotePolicy = topQuotePolicy;

  for (const name of ["avatar", "header"] as const) {
    const value = raw[name];
    if (value instanceof File && present(value)) input[name] = value;
    else if (present(value)) errors.push(invalid(name, "must be an image file sent as multipart/form-data"));
    // Alt text for profile images (Mastodon 4.4) needs a column the accounts table does not have yet.
    // Saying so beats answering 200 while dropping what the user wrote.
    if (present(raw[`${name}_description`])) {
      errors.push(invalid(`${name}_description`, "cannot be set on this server yet", "ERR_UNSUPPORTED"));
    }
  }
  const attributionDomains = readAttributionDomains(raw.attribution_domains, errors);
  if (attributionDomains !== undefined) input.attributionDomains = attributionDomains;
  return input;
}

/** Length as Ruby counts it: code points, not UTF-16 units. */
const length = (s: string): number => [...s].length;

function tooLong(field: string, max: number, unit = "characters"): FieldError {
  return { field, message: `is too long (maximum is ${max} ${unit})`, code: "ERR_TOO_LONG" };
}

function validate(input: ProfileInput): FieldError[] {
  const errors = [...input.errors];
  if (input.displayName !== undefined && length(input.displayName) > DISPLAY_NAME_MAX) {
    errors.push(tooLong("display_name", DISPLAY_NAME_MAX));
  }
  if (input.note !== undefined && length(input.note) > NOTE_MAX) errors.push(tooLong("note", NOTE_MAX));
  if (input.fields) {
    if (input.fields.length > FIELDS_MAX) errors.push(tooLong("fields", FIELDS_MAX, "fields"));
    if (input.fields.some((f) => length(f.name) > FIELD_TEXT_MAX)) errors.push(tooLong("fields.name", FIELD_TEXT_MAX));
    if (input.fields.some((f) => length(f.value) > FIELD_TEXT_MAX)) errors.push(tooLong("fields.value", FIELD_TEXT_MAX));
    if (input.fields.some((f) => f.name === "")) {
      errors.push({ field: "fields", message: "contains values with missing labels", code: "ERR_BLANK" });
    }
  }
  if (input.privacy !== undefined && !(PRIVACIES as readonly string[]).includes(input.privacy)) {
    errors.push({ field: "source.privacy", message: "is not included in the list", code: "ERR_INCLUSION" });
  }
  if (input.language !== undefined && input.language !== null && !/^[a-z]{2}$/.test(input.language)) {
    errors.push({ field: "source.language", message: "must be a two-letter ISO 639-1 code", code: "ERR_INCLUSION" });
  }
  if (input.quotePolicy !== undefined && !(QUOTE_POLICIES as readonly string[]).includes(input.quotePolicy)) {
    errors.push({ field: "source.quote_policy", message: "is not included in the list", code: "ERR_INCLUSION" });
  }
  if (input.attributionDomains !== undefined) errors.push(...validateAttributionDomains(input.attributionDomains));
  return errors;
}

/** A field keeps its verification while its value stays the same, as in Mastodon. */
function withVerification(fields: Array<{ name: string; value: string }>, previous: ProfileField[]): ProfileField[] {
  return fields.map((f) => ({
    name: f.name,
    value: f.value,
    verified_at: previous.find((p) => p.value === f.value)?.verified_at ?? null,
  }));
}

/**
 * Validates everything, then writes account and settings in one D1 batch. Throws a 422 listing every
 * problem and leaves both rows untouched when anything is wrong.
 *
 * New avatar/header files are processed after the other checks and stored in R2 before the update;
 * if the update fails they are deleted again, and the images they replace are deleted only once it
 * succeeded. `media` defaults to the Worker's own bucket.
 */
export async function updateProfile(
  db: Db,
  current: { account: Account; user: User },
  input: ProfileInput,
  now: number = Date.now(),
  media?: ProfileMedia,
): Promise<{ account: Account; user: User }> {
  const errors = validate(input);
  if (errors.length > 0) throw validationFailed(errors);
  if (!input.avatar && !input.header) return writeProfile(db, current, input, now, {});

  const storage = media ?? defaultProfileMedia();
  const staged = await stageProfileImages(storage, current.account, { avatar: input.avatar, header: input.header });
  let result: { account: Account; user: User };
  try {
    result = await writeProfile(db, current, input, now, staged.set);
  } catch (e) {
    await deleteObjects(storage.bucket, staged.written);
    throw e;
  }
  await deleteObjects(storage.bucket, staged.replaced);
  return result;
}

async function writeProfile(
  db: Db,
  current: { account: Account; user: User },
  input: ProfileInput,
  now: number,
  images: Partial<NewAccount>,
): Promise<{ account: Account; user: User }> {
  const set: Partial<NewAccount> = { updatedAt: now, ...images };
  if (input.displayName !== undefined) set.displayName = input.displayName;
  if (input.note !== undefined) {
    set.noteSource = input.note;
    set.note = plainTextToHtml(input.note);
  }
  if (input.locked !== undefined) set.locked = input.locked;
  if (input.bot !== undefined) set.bot = input.bot;
  if (input.discoverable !== undefined) set.discoverable = input.discoverable;
  if (input.indexable !== undefined) set.indexable = input.indexable;
  if (input.hideCollections !== undefined) set.hideCollections = input.hideCollections;
  if (input.fields !== undefined) set.fields = withVerification(input.fields, current.account.fields);
  if (input.attributionDomains !== undefined) set.attributionDomains = input.attributionDomains;

  const settings: UserSettings = { ...current.user.settings };
  let settingsChanged = false;
  if (input.privacy !== undefined) {
    settings.defaultPrivacy = input.privacy as UserSettings["defaultPrivacy"];
    settingsChanged = true;
  }
  if (input.sensitive !== undefined) {
    settings.defaultSensitive = input.sensitive;
    settingsChanged = true;
  }
  if (input.language !== undefined) {
    settings.defaultLanguage = input.language;
    settingsChanged = true;
  }
  if (input.quotePolicy !== undefined) {
    settings.defaultQuotePolicy = input.quotePolicy as UserSettings["defaultQuotePolicy"];
    settingsChanged = true;
  }

  const accountUpdate = db.update(accounts).set(set).where(eq(accounts.id, current.account.id)).returning();
  if (!settingsChanged) {
    const [account] = await accountUpdate;
    if (!account) throw new Error("account vanished during update");
    return { account, user: current.user };
  }
  const [updatedAccounts, updatedUsers] = await db.batch([
    accountUpdate,
    db.update(users).set({ settings, updatedAt: now }).where(eq(users.id, current.user.id)).returning(),
  ]);
  const account = updatedAccounts[0];
  const user = updatedUsers[0];
  if (!account || !user) throw new Error("account vanished during update");
  return { account, user };
}
