/**
 * Custom emoji: local ones added by operators (`npm run petrel -- emoji import`, through
 * importCustomEmoji), remote ones kept as references (domain, shortcode, image URL) when federation
 * brings them, `:shortcode:` found in text, and the `Emoji` tags outgoing Notes carry.
 */
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Config } from "../config";
import type { Db } from "../db/client";
import { type CustomEmoji, customEmojis } from "../db/schema-media";
import { customEmojiImageUrl, serializeCustomEmoji } from "../entities/custom-emoji";
import type { MastodonCustomEmoji } from "../entities/instance";
import { ApiError, validationFailed } from "../errors";
import { newId } from "../ids";
import { sniff } from "../media/sniff";
import { deleteObjects, putObject } from "../media/store";

/** Mastodon's CustomEmoji::LIMIT for local emoji. */
export const EMOJI_SIZE_LIMIT = 256 * 1024;
/** Mastodon's SHORTCODE_RE_FRAGMENT, with an upper bound so a name stays a name. */
export const SHORTCODE_RE = /^[a-zA-Z0-9_]{2,64}$/;
/** `:code:` not glued to a letter, digit or another colon (Mastodon's CustomEmoji::SCAN_RE). */
const SCAN_RE = /(?<![\p{L}\p{N}:]):([a-zA-Z0-9_]{2,64}):(?![\p{L}\p{N}:])/gu;
const QUICK_RE = /:[a-zA-Z0-9_]{2,64}:/;
const ACCEPTED = new Set(["png", "gif", "webp"]);
const CATEGORY_MAX = 64;

/** Cheap pre-check: could this text name any emoji at all? */
export function mayHaveShortcodes(text: string): boolean {
  return QUICK_RE.test(text);
}

/** Distinct shortcodes named in `text`, in order of first use. */
export function shortcodesIn(text: string): string[] {
  if (!mayHaveShortcodes(text)) return [];
  return [...new Set([...text.matchAll(SCAN_RE)].map((m) => m[1] as string))];
}

export interface EmojiImportInput {
  /** The file's name: the shortcode is taken from it unless given. */
  fileName: string;
  bytes: Uint8Array;
  shortcode?: string;
  category?: string;
}

/** The shortcode a file would get: its name without directory and extension. */
export function shortcodeFromFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  return base.replace(/\.[^.]*$/, "");
}

function randomToken(): string {
  return [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Adds a local custom emoji: PNG, GIF or WebP (decided by the bytes), at most 256 KB, a shortcode of
 * letters, digits and underscores not already taken. Refusals (422, Mastodon's wording) store nothing.
 */
export async function importCustomEmoji(
  ctx: { db: Db; bucket: R2Bucket },
  input: EmojiImportInput,
  now: number = Date.now(),
): Promise<CustomEmoji> {
  const shortcode = input.shortcode ?? shortcodeFromFileName(input.fileName);
  if (!SHORTCODE_RE.test(shortcode)) {
    throw validationFailed([{ field: "shortcode", message: "is invalid", code: "ERR_INVALID" }]);
  }
  const category = input.category?.trim() || null;
  if (category && [...category].length > CATEGORY_MAX) {
    throw validationFailed([
      { field: "category", message: `is too long (maximum is ${CATEGORY_MAX} characters)`, code: "ERR_TOO_LONG" },
    ]);
  }
  if (input.bytes.length > EMOJI_SIZE_LIMIT)
    throw new ApiError(422, "Validation failed: Image file size must be less than 256 KB");
  const found = sniff(input.bytes);
  if (!found || !ACCEPTED.has(found.family)) throw new ApiError(422, "Validation failed: Image content type is invalid");
  const [taken] = await ctx.db
    .select({ id: customEmojis.id })
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), eq(customEmojis.shortcode, shortcode)))
    .limit(1);
  if (taken) throw validationFailed([{ field: "shortcode", message: "has already been taken", code: "ERR_TAKEN" }]);

  const id = newId(now);
  const key = `custom_emojis/${id}/${randomToken()}.${found.ext}`;
  await putObject(ctx.bucket, { key, bytes: input.bytes, contentType: found.mime, accountId: 0 });
  const row: CustomEmoji = {
    id,
    shortcode,
    domain: null,
    imageKey: key,
    imageRemoteUrl: null,
    uri: null,
    contentType: found.mime,
    fileSize: input.bytes.length,
    category,
    visibleInPicker: true,
    disabled: false,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await ctx.db.insert(customEmojis).values(row);
  } catch (e) {
    await deleteObjects(ctx.bucket, [key]);
    // Lost a race for the shortcode (the unique index).
    if (String(e).includes("UNIQUE"))
      throw validationFailed([{ field: "shortcode", message: "has already been taken", code: "ERR_TAKEN" }]);
    throw e;
  }
  return row;
}

/** GET /api/v1/custom_emojis: the enabled local emoji, by shortcode. */
export async function listCustomEmojis(db: Db, config: Config): Promise<MastodonCustomEmoji[]> {
  const rows = await db
    .select()
    .from(customEmojis)
    .where(and(isNull(customEmojis.domain), eq(customEmojis.disabled, false)))
    .orderBy(asc(customEmojis.shortcode));
  return rows.map((r) => serializeCustomEmoji(config, r));
}

/** At most this many remote emoji are kept from one object (Mastodon keeps them all; we bound it). */
const MAX_REMOTE_EMOJI = 50;

/**
 * Remote emoji from an object's `Emoji` tags, stored as references (domain, shortcode, image URL);
 * a changed image URL replaces the old one. For the inbox consumer to call with a post's or actor's tags.
 */
export async function storeRemoteEmojis(
  db: Db,
  domain: string,
  tags: ReadonlyArray<{ shortcode: string; url: string; id: string | null }>,
  now: number = Date.now(),
): Promise<void> {
  if (!domain) return;
  const valid = tags.filter((t) => SHORTCODE_RE.test(t.shortcode) && /^https?:\/\//.test(t.url)).slice(0, MAX_REMOTE_EMOJI);
  if (valid.length === 0) return;
  const host = domain.toLowerCase();
  const statements = valid.map((t) =>
    db
      .insert(customEmojis)
      .values({
        id: newId(now),
        shortcode: t.shortcode,
        domain: host,
        imageRemoteUrl: t.url,
        uri: t.id,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: [customEmojis.domain, customEmojis.shortcode],
        set: { imageRemoteUrl: t.url, uri: t.id, updatedAt: now },
        setWhere: sql`${customEmojis.imageRemoteUrl} IS NOT ${t.url}`,
      }),
  );
  await db.batch(statements as [(typeof statements)[0], ...typeof statements]);
}

/** Lookup of emoji by (domain, shortcode) for a page of text; see loadEmojiLookup. */
export type EmojiLookup = (domain: string | null, texts: ReadonlyArray<string>) => MastodonCustomEmoji[];

/** At most this many domains are looked up per page (each costs two bound parameters). */
const MAX_DOMAINS = 40;

/**
 * One query for every emoji named on a page: `items` are (domain of the author, text) pairs; local
 * text resolves against local emoji, remote text against that domain's emoji. Pages where no text
 * has a `:shortcode:` cost nothing.
 */
export async function loadEmojiLookup(
  db: Db,
  config: Config,
  items: ReadonlyArray<{ domain: string | null; text: string }>,
): Promise<EmojiLookup> {
  const wanted = new Map<string, Set<string>>();
  for (const item of items) {
    const codes = shortcodesIn(item.text);
    if (codes.length === 0) continue;
    const key = item.domain ?? "";
    const set = wanted.get(key) ?? new Set<string>();
    for (const c of codes) set.add(c);
    wanted.set(key, set);
  }
  const found = new Map<string, MastodonCustomEmoji>();
  const lookup: EmojiLookup = (domain, texts) => {
    const out: MastodonCustomEmoji[] = [];
    const seen = new Set<string>();
    for (const text of texts) {
      for (const code of shortcodesIn(text)) {
        const emoji = found.get(`${domain ?? ""}:${code}`);
        if (emoji && !seen.has(code)) {
          seen.add(code);
          out.push(emoji);
        }
      }
    }
    return out;
  };
  if (wanted.size === 0) return lookup;
  const terms = [...wanted.entries()].slice(0, MAX_DOMAINS).map(([domain, codes]) => {
    const list = JSON.stringify([...codes]);
    return domain === ""
      ? sql`(${customEmojis.domain} IS NULL AND ${customEmojis.shortcode} IN (SELECT value FROM json_each(${list})))`
      : sql`(${customEmojis.domain} = ${domain} AND ${customEmojis.shortcode} IN (SELECT value FROM json_each(${list})))`;
  });
  const rows = await db
    .select()
    .from(customEmojis)
    .where(and(eq(customEmojis.disabled, false), sql.join(terms, sql` OR `)));
  for (const r of rows) found.set(`${r.domain ?? ""}:${r.shortcode}`, serializeCustomEmoji(config, r));
  return lookup;
}

/** ActivityPub `Emoji` tag of a local emoji, as Mastodon federates it. */
export interface EmojiTag {
  id: string;
  type: "Emoji";
  name: string;
  updated: string;
  icon: { type: "Image"; mediaType: string; url: string };
}

/** `Emoji` tags for the local emoji named in `texts` (an outgoing Note's content and summary). */
export async function emojiTagsFor(db: Db, config: Config, texts: ReadonlyArray<string>): Promise<EmojiTag[]> {
  const codes = [...new Set(texts.flatMap(shortcodesIn))];
  if (codes.length === 0) return [];
  const rows = await db
    .select()
    .from(customEmojis)
    .where(
      and(
        isNull(customEmojis.domain),
        eq(customEmojis.disabled, false),
        sql`${customEmojis.shortcode} IN (SELECT value FROM json_each(${JSON.stringify(codes)}))`,
      ),
    );
  return rows.map((r) => emojiTag(config, r));
}

function emojiTag(config: Config, r: CustomEmoji): EmojiTag {
  return {
    id: `${config.baseUrl}/emojis/${r.id}`,
    type: "Emoji",
    name: `:${r.shortcode}:`,
    updated: new Date(r.updatedAt).toISOString(),
    icon: { type: "Image", mediaType: r.contentType ?? "image/png", url: customEmojiImageUrl(config, r) },
  };
}

/** The tags among `tags` whose shortcode `texts` use: one page's emojiTagsFor result split per status. */
export function emojiTagsIn(tags: readonly EmojiTag[], texts: ReadonlyArray<string>): EmojiTag[] {
  const used = new Set(texts.flatMap(shortcodesIn).map((c) => `:${c}:`));
  return tags.filter((t) => used.has(t.name));
}

/** The `Emoji` object of a local emoji, served at its id (`/emojis/:id`) as Mastodon does. */
export async function emojiObject(db: Db, config: Config, id: number): Promise<EmojiTag | undefined> {
  const [row] = await db
    .select()
    .from(customEmojis)
    .where(and(eq(customEmojis.id, id), isNull(customEmojis.domain), eq(customEmojis.disabled, false)))
    .limit(1);
  return row ? emojiTag(config, row) : undefined;
}
