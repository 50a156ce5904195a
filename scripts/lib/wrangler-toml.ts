/**
 * The two things the scripts read from wrangler.toml: the [vars] table and the D1 database bound as DB.
 * Importing wrangler to parse it costs seconds on every command, so this reads the small subset of TOML
 * those two sections use (`key = "basic string"`, `key = 'literal string'`, `key = ["strings"]`,
 * numbers, booleans) and fails loudly on anything else there rather than guessing.
 */
import { readFileSync } from "node:fs";
import { WRANGLER_CONFIG } from "./repo";

type TomlValue = string | number | boolean | string[];
interface Section {
  header: string;
  entries: Record<string, TomlValue>;
}

function parseValue(raw: string, where: string): TomlValue {
  const text = raw.trim();
  if (text.startsWith('"""') || text.startsWith("'''")) throw new Error(`${where}: multi-line strings are not supported here`);
  if (text.startsWith('"')) {
    const end = findStringEnd(text);
    if (
      text.slice(end + 1).trim() &&
      !text
        .slice(end + 1)
        .trim()
        .startsWith("#")
    )
      throw new Error(`${where}: unexpected text`);
    return JSON.parse(text.slice(0, end + 1)) as string;
  }
  if (text.startsWith("'")) {
    const end = text.indexOf("'", 1);
    if (end === -1) throw new Error(`${where}: unterminated string`);
    return text.slice(1, end);
  }
  const value = text.replace(/\s+#.*$/, "");
  if (value === "true" || value === "false") return value === "true";
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (value.startsWith("[") && value.endsWith("]")) {
    const parsed = JSON.parse(value) as unknown;
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === "string")) return parsed;
  }
  throw new Error(`${where}: unsupported value ${value}`);
}

function findStringEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i += 1;
    else if (text[i] === '"') return i;
  }
  throw new Error("unterminated string");
}

function readSections(file: string): Section[] {
  const sections: Section[] = [{ header: "", entries: {} }];
  const lines = readFileSync(file, "utf8").split(/\r?\n/);
  lines.forEach((line, index) => {
    const text = line.trim();
    if (!text || text.startsWith("#")) return;
    const header = /^(\[\[?[^\]]+\]\]?)\s*(#.*)?$/.exec(text);
    if (header) {
      sections.push({ header: (header[1] as string).replace(/\s+/g, ""), entries: {} });
      return;
    }
    const current = sections[sections.length - 1] as Section;
    // Only the sections we read have to parse; others may use any TOML.
    if (current.header !== "[vars]" && current.header !== "[[d1_databases]]") return;
    const kv = /^([A-Za-z0-9_-]+)\s*=\s*(.+)$/.exec(text);
    if (!kv) throw new Error(`${file}:${index + 1}: cannot read "${text}" in ${current.header}`);
    current.entries[kv[1] as string] = parseValue(kv[2] as string, `${file}:${index + 1}`);
  });
  return sections;
}

/** wrangler.toml's [vars], as the strings the Worker sees (non-strings JSON-encoded, as wrangler does). */
export function readTomlVars(file = WRANGLER_CONFIG): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const section of readSections(file).filter((s) => s.header === "[vars]")) {
    for (const [key, value] of Object.entries(section.entries))
      vars[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return vars;
}

/**
 * The id under which local state keeps the D1 database bound as `binding`: preview_database_id, then
 * database_id, then the binding name, as `wrangler dev` and `wrangler d1 execute --local` key it.
 */
export function readLocalD1DatabaseId(binding = "DB", file = WRANGLER_CONFIG): string {
  const db = readSections(file).find((s) => s.header === "[[d1_databases]]" && s.entries.binding === binding);
  if (!db) throw new Error(`${file} has no [[d1_databases]] entry with binding = "${binding}"`);
  const id = db.entries.preview_database_id ?? db.entries.database_id ?? binding;
  if (typeof id !== "string" || !id) throw new Error(`${file}: the database_id of the D1 binding ${binding} is not a string`);
  return id;
}
