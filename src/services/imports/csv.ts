/**
 * Reading an import file as Mastodon's Form::Import reads it: Ruby's CSV (quoted fields, `""` for a
 * quote, CRLF or LF, blank lines skipped), the header row used only when its first cell is one
 * Mastodon writes, otherwise the type's default columns, and each column converted as Mastodon
 * converts it. The files Settings → Data export writes (src/services/exports.ts) read back as they
 * were written.
 */
import type { Config } from "../../config";
import { acctKeyOf, parseAcct } from "../accounts";

export const IMPORT_TYPES = ["following", "blocking", "muting", "domain_blocking", "bookmarks", "lists"] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

export function isImportType(value: unknown): value is ImportType {
  return typeof value === "string" && (IMPORT_TYPES as readonly string[]).includes(value);
}

/** Mastodon's limits: 20 MB and 20,000 rows per file. */
export const FILE_SIZE_LIMIT = 20 * 1024 * 1024;
export const ROWS_PROCESSING_LIMIT = 20_000;

const EXPECTED_HEADERS: Record<ImportType, string[]> = {
  following: ["Account address", "Show boosts", "Notify on new posts", "Languages"],
  blocking: ["Account address"],
  muting: ["Account address", "Hide notifications"],
  domain_blocking: ["#domain"],
  bookmarks: ["#uri"],
  lists: ["List name", "Account address"],
};

const DEFAULT_HEADERS: Record<ImportType, string[]> = {
  following: ["Account address"],
  blocking: ["Account address"],
  muting: ["Account address"],
  domain_blocking: ["#domain"],
  bookmarks: ["#uri"],
  lists: ["List name", "Account address"],
};

const KNOWN_FIRST_HEADERS = new Set(Object.values(EXPECTED_HEADERS).map((h) => h[0]));

const ATTRIBUTE: Record<string, string> = {
  "Account address": "acct",
  "Show boosts": "show_reblogs",
  "Notify on new posts": "notify",
  Languages: "languages",
  "Hide notifications": "hide_notifications",
  "#domain": "domain",
  "#uri": "uri",
  "List name": "list_name",
};

/** A row's attributes, under Mastodon's names. */
export interface ImportRowData {
  acct?: string;
  show_reblogs?: boolean | null;
  notify?: boolean | null;
  languages?: string[] | null;
  hide_notifications?: boolean | null;
  domain?: string;
  uri?: string;
  list_name?: string;
}

export interface ParsedRow {
  /** What the row names, as the overwrite pass matches it (accounts.acct_key, a domain or a URI). */
  key: string;
  data: ImportRowData;
}

export type ParsedImport = { ok: true; rows: ParsedRow[]; likelyMismatched: boolean } | { ok: false; error: string };

export class CsvError extends Error {}

/** Ruby CSV's records: fields split on commas, quotes honoured, blank lines left out. */
export function parseCsv(text: string, maxRecords = Number.POSITIVE_INFINITY): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  // Ruby names the line where an unclosed quote opened.
  let quoteLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRecord = () => {
    record.push(field);
    // A line with nothing on it is skipped (skip_blanks); a line of commas is a record of empty fields.
    if (!(record.length === 1 && record[0] === "" && !fieldStarted)) records.push(record);
    record = [];
    field = "";
    fieldStarted = false;
  };
  while (i < text.length && records.length < maxRecords) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        const next = text[i];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
          throw new CsvError(`Any value after quoted field isn't allowed in line ${line}.`);
        }
        continue;
      }
      if (c === "\n") line += 1;
      field += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (field !== "") throw new CsvError(`Illegal quoting in line ${line}.`);
      quoted = true;
      quoteLine = line;
      fieldStarted = true;
      i += 1;
    } else if (c === ",") {
      record.push(field);
      field = "";
      fieldStarted = true;
      i += 1;
    } else if (c === "\n" || c === "\r") {
      endRecord();
      line += 1;
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
    } else {
      field += c;
      fieldStarted = true;
      i += 1;
    }
  }
  if (quoted) throw new CsvError(`Unclosed quoted field in line ${quoteLine}.`);
  if (records.length < maxRecords && (field !== "" || record.length > 0 || fieldStarted)) endRecord();
  return records;
}

/** ActiveModel's boolean cast of a downcased cell: blank is nil, "false", "f", "0", "off" are false. */
function castBoolean(value: string | undefined): boolean | null {
  if (value === undefined || value.trim() === "") return null;
  return !["false", "f", "0", "off"].includes(value.trim().toLowerCase());
}

function convert(header: string, value: string | undefined): unknown {
  switch (header) {
    case "Show boosts":
    case "Notify on new posts":
    case "Hide notifications":
      return castBoolean(value);
    case "Languages": {
      const codes = (value ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      return codes.length > 0 ? codes : null;
    }
    case "Account address":
      return (value ?? "").trim().replace(/^@/, "");
    case "#domain":
      return (value ?? "").trim().toLowerCase();
    default:
      return (value ?? "").trim();
  }
}

/** The key an account row is matched by: the account's acct_key (local accounts without their domain). */
export function acctKey(config: Config, acct: string): string {
  const parsed = parseAcct(config, acct);
  return parsed ? acctKeyOf(parsed) : acct.toLowerCase();
}

/** Mastodon's guess from the headers and the file's name, for the "wrong type?" warning. */
function guessedType(headers: readonly string[], filename: string): ImportType | undefined {
  const named = (...prefixes: string[]) => prefixes.some((p) => filename.startsWith(p));
  if (headers.includes("Hide notifications") || named("mutes", "muted_accounts")) return "muting";
  if (
    headers.some((h) => ["Show boosts", "Notify on new posts", "Languages"].includes(h)) ||
    named("follows", "following_accounts")
  ) {
    return "following";
  }
  if (named("blocks", "blocked_accounts")) return "blocking";
  if (named("domain_blocks", "blocked_domains")) return "domain_blocking";
  if (named("bookmarks")) return "bookmarks";
  if (named("lists")) return "lists";
  return undefined;
}

/** The file's rows for an import of `type`, or Mastodon's message for why it cannot be imported. */
export function parseImport(config: Config, type: ImportType, text: string, filename: string): ParsedImport {
  let records: string[][];
  try {
    // The header, the limit's rows, and one more to tell that the limit was passed.
    records = parseCsv(text, ROWS_PROCESSING_LIMIT + 2);
  } catch (err) {
    if (err instanceof CsvError) return { ok: false, error: `Invalid CSV file. Error: ${err.message}` };
    throw err;
  }
  const first = records[0];
  if (!first) return { ok: false, error: "Empty CSV file" };
  const fileHeaders = first.map((h) => h.trim());
  const hasHeader = KNOWN_FIRST_HEADERS.has(fileHeaders[0]);
  const headers = hasHeader ? fileHeaders : DEFAULT_HEADERS[type];
  if (!DEFAULT_HEADERS[type].every((h) => headers.includes(h))) {
    return { ok: false, error: "Incompatible with the selected import type" };
  }
  const body = hasHeader ? records.slice(1) : records;
  if (body.length > ROWS_PROCESSING_LIMIT) {
    return { ok: false, error: `contains more than ${ROWS_PROCESSING_LIMIT} rows` };
  }
  const expected = EXPECTED_HEADERS[type];
  const rows: ParsedRow[] = [];
  for (const record of body) {
    const data: Record<string, unknown> = {};
    headers.forEach((header, i) => {
      if (expected.includes(header)) data[ATTRIBUTE[header] as string] = convert(header, record[i]);
    });
    const row = data as ImportRowData;
    const key =
      type === "domain_blocking" ? row.domain : type === "bookmarks" ? row.uri : row.acct ? acctKey(config, row.acct) : "";
    // A row naming nothing (a line of empty cells) has nothing to import.
    if (!key) continue;
    rows.push({ key, data: row });
  }
  const guess = guessedType(hasHeader ? fileHeaders : [], filename);
  return { ok: true, rows, likelyMismatched: guess !== undefined && guess !== type };
}

/** A row back in its file's format, for the failures download. */
export function rowToCsv(type: ImportType, data: ImportRowData): string[] {
  switch (type) {
    case "following":
      return [
        data.acct ?? "",
        data.show_reblogs === false ? "false" : "true",
        data.notify === true ? "true" : "false",
        (data.languages ?? []).join(", "),
      ];
    case "muting":
      return [data.acct ?? "", data.hide_notifications === false ? "false" : "true"];
    case "blocking":
      return [data.acct ?? ""];
    case "domain_blocking":
      return [data.domain ?? ""];
    case "bookmarks":
      return [data.uri ?? ""];
    case "lists":
      return [data.list_name ?? "", data.acct ?? ""];
  }
}

/** The header row of the failures file (none for the types Mastodon writes without one). */
export function failuresHeader(type: ImportType): string[] | undefined {
  if (type === "following") return EXPECTED_HEADERS.following;
  if (type === "muting") return EXPECTED_HEADERS.muting;
  return undefined;
}
