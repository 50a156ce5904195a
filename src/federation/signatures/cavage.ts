/**
 * draft-cavage-http-signatures-12, as the fediverse speaks it (INTEROP §1.1): `Signature:` (or
 * `Authorization: Signature`) with keyId, algorithm (rsa-sha256 or hs2019, default hs2019),
 * headers and signature. Mastodon's coverage and time rules are applied when the policy asks.
 */
import type { OutgoingRequest, RequestSigner } from "./crypto-keys";
import { base64ToBytes, bytesToBase64, type SignatureAlgorithm, signBytes } from "./crypto-keys";
import { digestHeaderValue } from "./digest";
import {
  checkExpires,
  checkTime,
  fail,
  type ParsedSignature,
  type SignatureResult,
  type SignedMessage,
  type VerifyPolicy,
} from "./policy";

export interface CavageParams {
  keyId: string;
  algorithm: string | null;
  headers: string[] | null;
  signature: string;
  created: number | null;
  expires: number | null;
}

/** The `Signature` header's value, or the part of `Authorization` after `Signature `. */
export function cavageHeaderValue(headers: Headers): string | null {
  const sig = headers.get("signature");
  if (sig) return sig;
  const auth = headers.get("authorization");
  return auth && /^signature\s/i.test(auth) ? auth.replace(/^signature\s+/i, "") : null;
}

/** JavaScript's `\s`, which the pair grammar below was first written with. */
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    (c >= 0x80 &&
      (c === 0xa0 ||
        c === 0x1680 ||
        (c >= 0x2000 && c <= 0x200a) ||
        c === 0x2028 ||
        c === 0x2029 ||
        c === 0x202f ||
        c === 0x205f ||
        c === 0x3000 ||
        c === 0xfeff))
  );
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function skipSpace(value: string, pos: number): number {
  let p = pos;
  while (p < value.length && isSpace(value.charCodeAt(p))) p++;
  return p;
}

/** Where a pair ends: after optional space, a comma or the end; -1 when something else follows. */
function pairEnd(value: string, pos: number): number {
  const p = skipSpace(value, pos);
  if (p === value.length) return p;
  return value.charCodeAt(p) === 0x2c ? p + 1 : -1;
}

/**
 * One `key = "quoted" | unquoted` pair at `pos` (the grammar `\s*([A-Za-z]+)\s*=\s*(?:"([^"]*)"|([^,\s]*))\s*(?:,|$)`),
 * scanned by hand: the runtime's regexes cost ~12 ns a character, and the signature is 344 of them.
 */
function cavagePair(value: string, pos: number): { key: string; value: string; next: number } | null {
  const keyStart = skipSpace(value, pos);
  let p = keyStart;
  while (p < value.length && isLetter(value.charCodeAt(p))) p++;
  if (p === keyStart) return null;
  const key = value.slice(keyStart, p);
  p = skipSpace(value, p);
  if (value.charCodeAt(p) !== 0x3d) return null;
  const start = skipSpace(value, p + 1);
  if (value.charCodeAt(start) === 0x22) {
    const close = value.indexOf('"', start + 1);
    const next = close < 0 ? -1 : pairEnd(value, close + 1);
    if (next >= 0) return { key, value: value.slice(start + 1, close), next };
  }
  let end = start;
  while (end < value.length && value.charCodeAt(end) !== 0x2c && !isSpace(value.charCodeAt(end))) end++;
  const next = pairEnd(value, end);
  return next < 0 ? null : { key, value: value.slice(start, end), next };
}

/** Parses `k="v",k2=v2` pairs; quoted values may contain commas, unquoted ones are integers. */
export function parseCavageParams(value: string): SignatureResult<CavageParams> {
  const params = new Map<string, string>();
  let pos = 0;
  while (pos < value.length) {
    const pair = cavagePair(value, pos);
    if (!pair) return fail("malformed Signature header");
    if (params.has(pair.key)) return fail(`duplicate ${pair.key} in Signature header`);
    params.set(pair.key, pair.value);
    pos = pair.next;
  }
  const keyId = params.get("keyId");
  const signature = params.get("signature");
  if (!keyId) return fail("Signature has no keyId");
  if (!signature) return fail("Signature has no signature");
  const int = (name: string): number | null | undefined => {
    const raw = params.get(name);
    if (raw === undefined) return null;
    return /^\d{1,12}(\.\d+)?$/.test(raw) ? Math.floor(Number(raw)) : undefined;
  };
  const created = int("created");
  const expires = int("expires");
  if (created === undefined) return fail("Signature created is not a number");
  if (expires === undefined) return fail("Signature expires is not a number");
  const headers = params.get("headers");
  return {
    ok: true,
    value: {
      keyId,
      algorithm: params.get("algorithm")?.toLowerCase() ?? null,
      headers: headers === undefined ? null : headers.toLowerCase().split(/\s+/).filter(Boolean),
      signature,
      created,
      expires,
    },
  };
}

function requestTarget(method: string, url: URL, withQuery: boolean): string {
  return `${method.toLowerCase()} ${url.pathname}${withQuery ? url.search : ""}`;
}

/** The signing string for `names`, or the reason it cannot be built. */
function signingString(
  msg: SignedMessage,
  url: URL | null,
  names: string[],
  params: CavageParams,
  withQuery: boolean,
): SignatureResult<string> {
  const lines: string[] = [];
  for (const name of names) {
    if (name === "(request-target)") {
      if (!msg.method || !url) return fail("(request-target) needs a request");
      lines.push(`${name}: ${requestTarget(msg.method, url, withQuery)}`);
    } else if (name === "(created)" || name === "(expires)") {
      const v = name === "(created)" ? params.created : params.expires;
      if (v === null) return fail(`${name} signed without its parameter`);
      lines.push(`${name}: ${v}`);
    } else {
      const value = msg.headers.get(name) ?? (name === "host" && url ? url.host : null);
      if (value === null) return fail(`signed header ${name} is missing`);
      lines.push(`${name}: ${value.trim()}`);
    }
  }
  return { ok: true, value: lines.join("\n") };
}

/** Parses a draft-cavage signature and applies the policy; no key or body needed yet. */
export function parseCavageSignature(msg: SignedMessage, value: string, policy: VerifyPolicy): SignatureResult<ParsedSignature> {
  const parsedParams = parseCavageParams(value);
  if (!parsedParams.ok) return parsedParams;
  const params = parsedParams.value;

  if (params.algorithm === null && policy.requireAlgorithmParam) return fail("Signature has no algorithm");
  const algorithmName = params.algorithm ?? "hs2019";
  let algorithm: SignatureAlgorithm | null;
  if (algorithmName === "rsa-sha256") algorithm = "rsa-v1_5-sha256";
  else if (algorithmName === "hs2019") algorithm = null;
  else return fail(`unsupported signature algorithm ${algorithmName}`);

  const names = params.headers ?? [algorithmName === "hs2019" ? "(created)" : "date"];
  if (names.length === 0) return fail("Signature covers no headers");
  if (algorithm !== null && (names.includes("(created)") || names.includes("(expires)"))) {
    return fail(`(created) and (expires) are only valid with hs2019`);
  }
  const method = msg.method?.toUpperCase() ?? null;

  if (policy.mastodon) {
    if (!names.includes("date") && !names.includes("(created)")) return fail("Signature must cover date or (created)");
    if (!names.includes("(request-target)") && !names.includes("digest")) {
      return fail("Signature must cover (request-target) or digest");
    }
    if ((method === "GET" || method === "HEAD") && !names.includes("host")) return fail("a signed GET must cover host");
    if (method === "POST" && !names.includes("digest")) return fail("a signed POST must cover digest");
  }

  if (names.includes("date")) {
    const date = msg.headers.get("date");
    if (!date) return fail("signed header date is missing");
    const problem = checkTime("Date", Date.parse(date), policy);
    if (problem) return fail(problem);
  }
  if (names.includes("(created)") && params.created !== null) {
    const problem = checkTime("created", params.created * 1000, policy);
    if (problem) return fail(problem);
  }
  const expired = checkExpires(params.expires, policy);
  if (expired) return fail(expired);

  let url: URL | null = null;
  if (msg.url) {
    try {
      url = new URL(msg.url);
    } catch {
      return fail("bad request URL");
    }
  }
  const base = signingString(msg, url, names, params, true);
  if (!base.ok) return base;
  const bases = [base.value];
  // Mastodon and GoToSocial accept a (request-target) signed without the query (INTEROP §1.1).
  if (url?.search && names.includes("(request-target)")) {
    const bare = signingString(msg, url, names, params, false);
    if (bare.ok) bases.push(bare.value);
  }

  let signature: Uint8Array;
  try {
    signature = base64ToBytes(params.signature);
  } catch {
    return fail("signature is not base64");
  }
  return {
    ok: true,
    value: {
      scheme: "cavage",
      keyId: params.keyId,
      algorithm,
      signature,
      bases,
      digest: names.includes("digest") || msg.headers.has("digest") ? "digest" : null,
    },
  };
}

export type CavageSigner = RequestSigner;

/**
 * Signs a request the way Mastodon does: GET covers `(request-target) host date`, a request with a
 * body also covers `digest` (written `SHA-256=`). Sets Date, Digest and Signature on `headers`.
 */
export async function signCavage(request: OutgoingRequest, signer: CavageSigner, now: number = Date.now()): Promise<void> {
  const url = new URL(request.url);
  const headers = request.headers;
  headers.set("date", new Date(now).toUTCString());
  const names = ["(request-target)", "host", "date"];
  if (request.body !== null) {
    headers.set("digest", await digestHeaderValue(request.body));
    names.push("digest");
  }
  const lines = names.map((name) => {
    if (name === "(request-target)") return `${name}: ${requestTarget(request.method, url, true)}`;
    if (name === "host") return `host: ${url.host}`;
    return `${name}: ${headers.get(name) ?? ""}`;
  });
  const signature = await signBytes(signer.algorithm, signer.privateKey, new TextEncoder().encode(lines.join("\n")));
  // rsa-sha256 is what Mastodon emits; Ed25519 has no older name than hs2019.
  const algorithm = signer.algorithm === "ed25519" ? "hs2019" : "rsa-sha256";
  headers.set(
    "signature",
    `keyId="${signer.keyId}",algorithm="${algorithm}",headers="${names.join(" ")}",signature="${bytesToBase64(signature)}"`,
  );
}
