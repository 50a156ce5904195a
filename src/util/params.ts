/**
 * Request input as Rails sees it: query string merged with a JSON, form-urlencoded or multipart body,
 * with bracketed keys (`id[]`, `data[alerts][mention]`, `fields_attributes[0][name]`) turned into
 * arrays and objects. Every route that takes input reads it through here, so every encoding a client
 * sends works everywhere.
 */
import { ApiError } from "../errors";

export type ParamValue = string | File | ParamValue[] | ParamObject | number | boolean | null;
export interface ParamObject {
  [key: string]: ParamValue;
}

const MAX_BODY_BYTES = 1_000_000;

export async function parseRequestParams(req: Request): Promise<ParamObject> {
  const url = new URL(req.url);
  const params: ParamObject = {};
  for (const [k, v] of url.searchParams) assignBracketed(params, k, v);
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return params;

  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  const length = Number(req.headers.get("content-length") ?? "0");
  if (length > MAX_BODY_BYTES && !type.startsWith("multipart/form-data")) {
    throw new ApiError(413, "Request entity too large");
  }
  if (type.includes("application/json") || type.includes("+json")) {
    const text = await req.text();
    if (text.trim() === "") return params;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ApiError(400, "Error while parsing the request body: the JSON is malformed");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new ApiError(400, "Error while parsing the request body: a JSON object is expected");
    }
    return { ...params, ...(body as ParamObject) };
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    const text = await req.text();
    for (const [k, v] of new URLSearchParams(text)) assignBracketed(params, k, v);
    return params;
  }
  if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await req.formData();
    } catch {
      throw new ApiError(400, "Error while parsing the request body: the multipart form is malformed");
    }
    for (const [k, v] of form.entries()) assignBracketed(params, k, v as string | File);
    return params;
  }
  return params;
}

/** `a[b][]=1` → `{a: {b: ["1"]}}`; `a[0][name]=x` → `{a: {"0": {name: "x"}}}` (Rails keeps numeric keys). */
export function assignBracketed(target: ParamObject, rawKey: string, value: string | File): void {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey);
  if (!match) {
    target[rawKey] = value;
    return;
  }
  const head = match[1] as string;
  const parts = [...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] as string);
  const keys = [head, ...parts];
  let node: ParamObject | ParamValue[] = target;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const last = i === keys.length - 1;
    const nextIsArray = !last && keys[i + 1] === "";
    if (Array.isArray(node)) {
      if (last) {
        node.push(value);
        return;
      }
      // `a[][name]=x`: start a new element unless the last one lacks this key.
      const nextKey = keys[i + 1] as string;
      let tail = node[node.length - 1];
      if (!isObject(tail) || nextKey in tail) {
        tail = {};
        node.push(tail);
      }
      node = tail as ParamObject;
      continue;
    }
    if (key === "") return;
    if (last) {
      node[key] = value;
      return;
    }
    const existing: ParamValue | undefined = node[key];
    if (nextIsArray) {
      if (!Array.isArray(existing)) node[key] = [];
    } else if (!isObject(existing)) {
      node[key] = {};
    }
    node = node[key] as ParamObject | ParamValue[];
  }
}

function isObject(v: ParamValue | undefined): v is ParamObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof File);
}

/** Typed readers over parsed params, with Rails' loose coercions (`"1"`, `"true"`, `"on"` are true). */
export class Params {
  constructor(readonly raw: ParamObject) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined;
  }

  string(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    throw new ApiError(422, `Validation failed: ${name} must be a string`);
  }

  bool(name: string): boolean | undefined {
    return coerceBool(this.raw[name]);
  }

  int(name: string): number | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === "") return undefined;
    const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw new ApiError(422, `Validation failed: ${name} must be a whole number`);
    return n;
  }

  /** `id[]=1&id[]=2`, `id=1`, `{"id": [1, 2]}` and `{"id": {"0": 1}}` all read as a list of strings. */
  strings(name: string): string[] {
    const v = this.raw[name] ?? this.raw[`${name}[]`];
    if (v === undefined || v === null) return [];
    const list = Array.isArray(v) ? v : isObject(v) ? Object.values(v) : [v];
    return list.filter((x) => typeof x === "string" || typeof x === "number").map(String);
  }

  object(name: string): Params | undefined {
    const v = this.raw[name];
    return isObject(v) ? new Params(v) : undefined;
  }

  file(name: string): File | undefined {
    const v = this.raw[name];
    return v instanceof File ? v : undefined;
  }
}

export function coerceBool(v: ParamValue | undefined): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") {
    const s = v.trim().toLowerCase();
    if (s === "") return undefined;
    return !(s === "false" || s === "0" || s === "off" || s === "f" || s === "no");
  }
  return undefined;
}
