/**
 * The app's route table read statically from the source (the Worker cannot be imported into Node:
 * its Durable Object classes import `cloudflare:workers`). Finds Hono route definitions —
 * `x.get("/path", …)`, `x.on(["PUT", "PATCH"], "/path", …)`, `x.route("/prefix", y)` — and keeps only
 * routes reachable from the `app` of src/app.ts through `route()` mounts, as at runtime.
 *
 * Template paths are resolved in the two shapes the code uses: a `for (const v of ["a", "b"])` loop
 * around the definition, and a helper function whose parameter is interpolated, resolved through
 * its call sites' literal arguments. Anything else is reported as a warning, never guessed.
 * test/coverage checks the result against Hono's own `app.routes` inside workerd.
 *
 * Pure TypeScript without Node APIs: the workerd test imports it too.
 */

export interface SourceFile {
  path: string;
  text: string;
}

export interface RouteDef {
  method: string;
  path: string;
  file: string;
}

export interface Extraction {
  routes: RouteDef[];
  warnings: string[];
}

const HTTP_METHODS = new Set(["get", "post", "put", "patch", "delete", "options", "head", "all"]);
const REGEX_PRECEDERS = new Set([..."(,=:[!&|?{};+-*%<>~^"]);

/** Index just past the string, template or regex literal that starts at `i`. */
function skipLiteral(text: string, i: number): number {
  const quote = text[i];
  let j = i + 1;
  if (quote === "`") {
    while (j < text.length && text[j] !== "`") {
      if (text[j] === "\\") j += 2;
      else if (text[j] === "$" && text[j + 1] === "{") j = skipBalanced(text, j + 1);
      else j += 1;
    }
    return j + 1;
  }
  let inClass = false;
  while (j < text.length && text[j] !== "\n") {
    const ch = text[j];
    if (ch === "\\") {
      j += 2;
      continue;
    }
    if (quote === "/" && (ch === "[" || ch === "]")) inClass = ch === "[";
    else if (ch === quote && !inClass) return j + 1;
    j += 1;
  }
  return j;
}

/** Whether a `/` at `i` starts a regex literal (not a division), judged by what precedes it. */
function startsRegex(text: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && /\s/.test(text[k] as string)) k -= 1;
  if (k < 0) return true;
  if (REGEX_PRECEDERS.has(text[k] as string)) return true;
  return /\b(return|typeof|case|of|in)$/.test(text.slice(Math.max(0, k - 6), k + 1));
}

/** The source with comments blanked (same offsets), so commented-out code defines nothing. */
export function blankComments(text: string): string {
  const out = text.split("");
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (ch === '"' || ch === "'" || ch === "`") i = skipLiteral(text, i);
    else if (ch === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") out[i++] = " ";
    } else if (ch === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== "\n") out[i] = " ";
    } else if (ch === "/" && startsRegex(text, i)) i = skipLiteral(text, i);
    else i += 1;
  }
  return out.join("");
}

/** From an opening bracket at `open`, the index just past its matching close. */
function skipBalanced(text: string, open: number): number {
  let depth = 0;
  let i = open;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'" || ch === "`" || (ch === "/" && startsRegex(text, i))) {
      i = skipLiteral(text, i);
      continue;
    }
    if (ch === "(" || ch === "[" || ch === "{") depth += 1;
    else if (ch === ")" || ch === "]" || ch === "}") {
      depth -= 1;
      if (depth === 0) return i + 1;
    }
    i += 1;
  }
  return text.length;
}

/** The first `max` top-level arguments of the call whose `(` is at `open`, as trimmed source. */
export function readArgs(text: string, open: number, max = Number.POSITIVE_INFINITY): string[] {
  const args: string[] = [];
  let start = open + 1;
  let i = start;
  while (i < text.length && args.length < max) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'" || ch === "`" || (ch === "/" && startsRegex(text, i))) i = skipLiteral(text, i);
    else if (ch === "(" || ch === "[" || ch === "{") i = skipBalanced(text, i);
    else if (ch === "," || ch === ")") {
      const arg = text.slice(start, i).trim();
      if (arg !== "") args.push(arg);
      if (ch === ")") break;
      start = i + 1;
      i += 1;
    } else i += 1;
  }
  return args;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Literal string values an identifier takes at `pos`: a `for…of` over literals, a helper's parameter, or a `const`. */
function resolveIdentifier(text: string, name: string, pos: number, depth: number): string[] | undefined {
  const loops = [...text.matchAll(new RegExp(`for\\s*\\(\\s*const\\s+${escapeRe(name)}\\s+of\\s+\\[`, "g"))].filter(
    (m) => (m.index ?? 0) < pos,
  );
  const loop = loops.at(-1);
  if (loop) {
    const open = (loop.index ?? 0) + loop[0].length - 1;
    return evaluate(text, text.slice(open, skipBalanced(text, open)), pos, depth);
  }
  const fnDefs = text.matchAll(/(?:function\s+([A-Za-z_$][\w$]*)\s*\(|const\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?\()/g);
  for (const def of fnDefs) {
    const fn = def[1] ?? def[2] ?? "";
    const open = (def.index ?? 0) + def[0].length - 1;
    const params = readArgs(text, open).map((p) => /^[A-Za-z_$][\w$]*/.exec(p)?.[0]);
    const index = params.indexOf(name);
    if (index < 0) continue;
    const bodyOpen = text.indexOf("{", skipBalanced(text, open));
    if (bodyOpen < 0 || pos < bodyOpen || pos > skipBalanced(text, bodyOpen)) continue;
    const values: string[] = [];
    for (const call of text.matchAll(new RegExp(`(?<![\\w$.])${escapeRe(fn)}\\s*\\(`, "g"))) {
      const callOpen = (call.index ?? 0) + call[0].length - 1;
      if (callOpen === open) continue;
      const arg = readArgs(text, callOpen, index + 1)[index];
      const got = arg === undefined ? undefined : evaluate(text, arg, callOpen, depth);
      if (!got) return undefined;
      values.push(...got);
    }
    return values.length > 0 ? values : undefined;
  }
  const constant = new RegExp(`const\\s+${escapeRe(name)}\\s*=\\s*(["'\`])`).exec(text);
  if (constant) {
    const start = constant.index + constant[0].length - 1;
    return evaluate(text, text.slice(start, skipLiteral(text, start)), pos, depth);
  }
  return undefined;
}

/** The string values a source expression can take, or undefined when it cannot be known statically. */
export function evaluate(text: string, expr: string, pos: number, depth = 0): string[] | undefined {
  if (depth > 4) return undefined;
  const e = expr
    .trim()
    .replace(/\s+(as const|satisfies\s+[\w$[\].<>, ]+)$/, "")
    .trim();
  if (/^"(?:[^"\\]|\\.)*"$|^'(?:[^'\\]|\\.)*'$/.test(e)) return [e.slice(1, -1).replace(/\\(.)/g, "$1")];
  if (e.startsWith("[") && e.endsWith("]")) {
    const out: string[] = [];
    for (const item of readArgs(`(${e.slice(1, -1)})`, 0)) {
      const got = evaluate(text, item, pos, depth + 1);
      if (!got) return undefined;
      out.push(...got);
    }
    return out;
  }
  if (e.startsWith("`") && e.endsWith("`")) {
    let results = [""];
    let i = 1;
    let chunk = "";
    while (i < e.length - 1) {
      if (e[i] === "$" && e[i + 1] === "{") {
        const end = skipBalanced(e, i + 1);
        const got = evaluate(text, e.slice(i + 2, end - 1), pos, depth + 1);
        if (!got) return undefined;
        const prefix = chunk;
        results = results.flatMap((r) => got.map((g) => `${r}${prefix}${g}`));
        chunk = "";
        i = end;
      } else {
        chunk += e[i] === "\\" ? (e[++i] ?? "") : e[i];
        i += 1;
      }
    }
    return results.map((r) => r + chunk);
  }
  if (/^[A-Za-z_$][\w$]*$/.test(e)) return resolveIdentifier(text, e, pos, depth + 1);
  return undefined;
}

interface Mount {
  parent: string;
  prefix: string;
  child: string;
}

/** Joins a mount prefix and a path as Hono's `mergePath` does. */
function joinPath(prefix: string, path: string): string {
  if (prefix === "" || prefix === "/") return path;
  return `${prefix.replace(/\/$/, "")}${path === "/" ? "" : path}`;
}

/**
 * A receiver's identity across files: its name when the file exports or imports it (names of mounted
 * sub-apps are unique module exports), otherwise file-local, so two files' `routes` never mix.
 */
function qualify(file: SourceFile, text: string, name: string): string {
  const n = escapeRe(name);
  const shared = new RegExp(`export\\s+const\\s+${n}\\b|import\\s*\\{[^}]*\\b${n}\\b[^}]*\\}\\s*from`).test(text);
  return shared ? name : `${file.path}#${name}`;
}

export function extractRoutes(files: readonly SourceFile[], rootFile = "src/app.ts", root = "app"): Extraction {
  const warnings: string[] = [];
  const defs: Array<RouteDef & { receiver: string }> = [];
  const mounts: Mount[] = [];
  for (const file of files) {
    const text = blankComments(file.text);
    // `const x = makeRoutes()` where makeRoutes builds and returns a local app: x serves its routes.
    for (const m of text.matchAll(/const\s+([A-Za-z_$][\w$]*)\s*=\s*([A-Za-z_$][\w$]*)\s*\(/g)) {
      const def = new RegExp(`function\\s+${escapeRe(m[2] as string)}\\s*\\(`).exec(text);
      if (!def) continue;
      const bodyOpen = text.indexOf("{", skipBalanced(text, def.index + def[0].length - 1));
      const body = text.slice(bodyOpen, skipBalanced(text, bodyOpen));
      // The factory's own `return x;` is its last one; earlier ones belong to the handlers it defines.
      const returned = [...body.matchAll(/\breturn\s+([A-Za-z_$][\w$]*)\s*;/g)].at(-1)?.[1];
      if (returned)
        mounts.push({ parent: qualify(file, text, m[1] as string), prefix: "", child: qualify(file, text, returned) });
    }
    // `x.get(…)`, and `x[method](…)` inside a loop over method names.
    const calls = text.matchAll(
      /\b([A-Za-z_$][\w$]*)\s*(?:\.\s*(get|post|put|patch|delete|options|all|on|route)|\[\s*([A-Za-z_$][\w$]*)\s*\])\s*\(/g,
    );
    for (const call of calls) {
      const receiver = qualify(file, text, call[1] as string);
      const open = (call.index ?? 0) + call[0].length - 1;
      const line = text.slice(0, call.index).split("\n").length;
      const computed = call[3] === undefined ? undefined : evaluate(text, call[3], open);
      if (call[3] !== undefined && (!computed || computed.some((m) => !HTTP_METHODS.has(m.toLowerCase())))) {
        const first = readArgs(text, open, 1)[0];
        if (!computed && first && /^["'`]\//.test(first)) warnings.push(`${file.path}:${line}: cannot resolve method ${call[3]}`);
        continue;
      }
      const kind = call[2] ?? "on";
      const args = readArgs(text, open, (kind === "on" && !computed) || kind === "route" ? 2 : 1);
      if (kind === "route") {
        const prefix = args[0] ? evaluate(text, args[0], open) : undefined;
        if (prefix?.length === 1 && args[1] && /^[A-Za-z_$][\w$]*$/.test(args[1])) {
          mounts.push({ parent: receiver, prefix: prefix[0] as string, child: qualify(file, text, args[1]) });
        } else if (args[0]?.startsWith('"') || args[0]?.startsWith("`")) {
          warnings.push(`${file.path}:${line}: cannot resolve mount ${args.join(", ")}`);
        }
        continue;
      }
      const pathArg = kind === "on" && !computed ? args[1] : args[0];
      // Only calls whose path is a literal-ish expression starting with "/" are route definitions.
      if (!pathArg || !/^\[?\s*["'`]\//.test(pathArg)) continue;
      const paths = evaluate(text, pathArg, open);
      const methods = computed ?? (kind === "on" ? (args[0] ? evaluate(text, args[0], open) : undefined) : [kind]);
      if (!paths || !methods) {
        warnings.push(`${file.path}:${line}: cannot resolve route ${kind}(${args.join(", ")})`);
        continue;
      }
      for (const method of methods) {
        if (kind === "on" && !HTTP_METHODS.has(method.toLowerCase())) continue;
        for (const path of paths) defs.push({ method: method.toUpperCase(), path, file: file.path, receiver });
      }
    }
  }
  // Prefixes from the root down; a receiver never reached is not served.
  const prefixes = new Map<string, string[]>([[`${rootFile}#${root}`, [""]]]);
  for (let changed = true, rounds = 0; changed && rounds < 50; rounds++) {
    changed = false;
    for (const m of mounts) {
      const parent = prefixes.get(m.parent);
      if (!parent) continue;
      const child = prefixes.get(m.child) ?? [];
      for (const p of parent.map((x) => joinPath(x, m.prefix))) {
        if (!child.includes(p)) {
          child.push(p);
          changed = true;
        }
      }
      prefixes.set(m.child, child);
    }
  }
  const routes: RouteDef[] = [];
  for (const d of defs) {
    const found = prefixes.get(d.receiver);
    if (!found) {
      warnings.push(`${d.file}: ${d.method} ${d.path} is defined on ${d.receiver}, which is not mounted in the app`);
      continue;
    }
    for (const p of found) routes.push({ method: d.method, path: joinPath(p, d.path), file: d.file });
  }
  return { routes, warnings };
}

/** `:id`, `:id{[0-9]+}` and `{id}` all become `{}`: endpoints compare by shape, not parameter names. */
export function normalizePath(path: string): string {
  const normal = path
    .replace(/:[A-Za-z_][\w]*(\{[^}]*\})?\??/g, "{}")
    .replace(/\{[A-Za-z_][\w]*\}/g, "{}")
    .replace(/(.)\/$/, "$1");
  return normal;
}
