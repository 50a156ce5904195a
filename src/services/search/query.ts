/**
 * Mastodon's status search syntax (SearchQueryParser / SearchQueryTransformer), turned into an FTS5
 * MATCH expression plus SQL filters:
 * - words and "quoted phrases" must all appear; `-word` / `-"phrase"` must not (`+word` is a word);
 * - `from:user[@domain]` (or `from:me`), `-from:` to leave an author out;
 * - `has:media|poll|image|video|audio`, `is:reply|sensitive`, `language:xx` (Mastodon's `has:link`
 *   and `has:embed` need preview cards, which Petrel does not keep: they are a syntax error here);
 * - `before:`, `after:`, `during:` with a YYYY-MM-DD date (UTC days);
 * - `in:all|library|public` (library: statuses you wrote, were mentioned in, favourited, boosted or
 *   bookmarked; public: public statuses of accounts that opted into search).
 * An unknown `key:` or a bad value is Mastodon's SyntaxError (422).
 */
import { ApiError } from "../../errors";

export type SearchScope = "all" | "library" | "public";

export interface ParsedStatusQuery {
  /** FTS5 expression of the positive terms; null when there are none. */
  match: string | null;
  fromAccts: string[];
  notFromAccts: string[];
  has: Set<string>;
  notHas: Set<string>;
  is: Set<string>;
  notIs: Set<string>;
  languages: string[];
  /** Epoch ms bounds: created at or after `after`, before `before`. */
  after: number | undefined;
  before: number | undefined;
  scope: SearchScope;
}

const KEYS = new Set(["from", "has", "is", "language", "before", "after", "during", "in"]);
const HAS = new Set(["media", "poll", "image", "video", "audio"]);
const IS = new Set(["reply", "sensitive"]);
const DAY = 86_400_000;

export const syntaxError = (): ApiError => new ApiError(422, "Unprocessable entity");

interface Clause {
  operator: "+" | "-" | "";
  prefix: string | null;
  text: string;
  phrase: boolean;
}

/** Splits the query into clauses: `[+-]? (key:)? (word | "phrase")`. */
function clauses(query: string): Clause[] {
  const out: Clause[] = [];
  const re = /([+-]?)(?:([^\s":]+):)?(?:"([^"]*)"?|(\S+))/gu;
  for (const m of query.matchAll(re)) {
    const operator = (m[1] ?? "") as Clause["operator"];
    const phrase = m[3] !== undefined;
    out.push({ operator, prefix: m[2] ?? null, text: phrase ? (m[3] ?? "") : (m[4] ?? ""), phrase });
  }
  return out;
}

function dayStart(value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw syntaxError();
  const time = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (Number.isNaN(time)) throw syntaxError();
  return time;
}

/** An FTS5 string: the tokenizer splits it into a phrase; `"` is escaped by doubling. */
function ftsString(text: string): string | null {
  if (!/[\p{L}\p{N}]/u.test(text)) return null;
  return `"${text.replace(/"/g, '""')}"`;
}

export function parseStatusQuery(query: string): ParsedStatusQuery {
  const parsed: ParsedStatusQuery = {
    match: null,
    fromAccts: [],
    notFromAccts: [],
    has: new Set(),
    notHas: new Set(),
    is: new Set(),
    notIs: new Set(),
    languages: [],
    after: undefined,
    before: undefined,
    scope: "all",
  };
  const must: string[] = [];
  const mustNot: string[] = [];
  // Smart quotes count as quotes, as Mastodon normalizes them.
  const normalized = query.replace(/[\u201C\u201D\u201E\u201F\u00AB\u00BB\u300C\u300D\uFF02]/g, '"');
  for (const clause of clauses(normalized)) {
    const negative = clause.operator === "-";
    if (clause.prefix === null) {
      const term = ftsString(clause.text);
      if (term) (negative ? mustNot : must).push(term);
      continue;
    }
    const key = clause.prefix.toLowerCase();
    if (!KEYS.has(key)) throw syntaxError();
    const value = clause.text.trim();
    if (value === "") throw syntaxError();
    switch (key) {
      case "from":
        (negative ? parsed.notFromAccts : parsed.fromAccts).push(value);
        break;
      case "has":
        if (!HAS.has(value.toLowerCase())) throw syntaxError();
        (negative ? parsed.notHas : parsed.has).add(value.toLowerCase());
        break;
      case "is":
        if (!IS.has(value.toLowerCase())) throw syntaxError();
        (negative ? parsed.notIs : parsed.is).add(value.toLowerCase());
        break;
      case "language":
        parsed.languages.push(value.toLowerCase());
        break;
      case "before":
        parsed.before = dayStart(value);
        break;
      case "after":
        parsed.after = dayStart(value) + DAY;
        break;
      case "during": {
        const start = dayStart(value);
        parsed.after = start;
        parsed.before = start + DAY;
        break;
      }
      case "in": {
        const scope = value.toLowerCase();
        if (scope !== "all" && scope !== "library" && scope !== "public") throw syntaxError();
        parsed.scope = scope;
        break;
      }
    }
  }
  if (must.length > 0) {
    parsed.match = `(${must.join(" AND ")})${mustNot.map((t) => ` NOT ${t}`).join("")}`;
  }
  return parsed;
}
