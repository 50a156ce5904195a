/**
 * The one way Petrel fetches anything remote (DESIGN §4): a GET signed by the instance actor
 * (draft-cavage first; RFC 9421 once after a 401, remembered per origin in `remote_origins`),
 * a 10 s timeout, a 1 MB body cap enforced while streaming, a content-type check, at most three
 * redirects followed by hand (each target re-checked), and no private, loopback or plain-http
 * targets outside development.
 *
 * The network is a parameter (`fetcher`) so tests can serve documents without a network.
 */
import { sql } from "drizzle-orm";
import { type Config, isLocalOnlyDomain } from "../config";
import type { Db } from "../db/client";
import { remoteOrigins } from "../db/schema";
import { isSuspendedUrl } from "../services/domain-policy";
import { PETREL_VERSION } from "../version";
import { instanceActorSigningKey, type SigningKey } from "./keys";
import { signCavage } from "./signatures/cavage";
import { signRfc9421 } from "./signatures/rfc9421";

export type Fetcher = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

export const FETCH_TIMEOUT_MS = 10_000;
export const MAX_BODY_BYTES = 1_048_576;
export const MAX_REDIRECTS = 3;

export const ACTIVITY_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

/** Per-request state: the database, the network and the instance actor's key, imported at most once. */
export interface RemoteContext {
  db: Db;
  config: Config;
  fetcher: Fetcher;
  signingKey(): Promise<SigningKey>;
}

export function remoteContext(db: Db, config: Config, fetcher?: Fetcher): RemoteContext {
  let key: Promise<SigningKey> | undefined;
  return {
    db,
    config,
    // Bound so the platform fetch is never called with a foreign `this`.
    fetcher: fetcher ?? ((input, init) => fetch(input, init)),
    signingKey() {
      key ??= instanceActorSigningKey(db, config);
      return key;
    },
  };
}

export type FetchResult =
  | { ok: true; json: unknown; url: string }
  | { ok: false; status: number | null; reason: string; gone: boolean };

function failure(reason: string, status: number | null = null): FetchResult {
  return { ok: false, status, reason, gone: status === 410 };
}

function ipv4Private(host: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

function ipv6Private(host: string): boolean {
  if (!host.startsWith("[")) return false;
  const h = host.slice(1, -1).toLowerCase();
  if (h === "::" || h === "::1") return true;
  if (/^f[cd]/.test(h) || /^fe[89ab]/.test(h) || h.startsWith("ff")) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped?.[1]) return ipv4Private(mapped[1]);
  // ::ffff:7f00:1 is how the URL parser writes a mapped IPv4 address.
  return h.startsWith("::ffff:") || h.startsWith("64:ff9b:");
}

/**
 * Why a URL may not be fetched, or null. Name resolution is the platform's, so only literal
 * addresses and reserved names can be refused here; Workers cannot reach private networks anyway.
 */
export function unfetchableReason(config: Config, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a URL";
  }
  if (url.username || url.password) return "URL carries credentials";
  const host = url.hostname.toLowerCase();
  const localOnly = isLocalOnlyDomain(url.host.toLowerCase());
  if (config.development && localOnly) return url.protocol === "http:" || url.protocol === "https:" ? null : "not http(s)";
  if (url.protocol !== "https:") return "only https URLs are fetched";
  if (
    host === "localhost" ||
    /\.(localhost|local|internal|test|invalid|home\.arpa)$/.test(host) ||
    ipv4Private(host) ||
    ipv6Private(host)
  ) {
    return "private or reserved address";
  }
  return null;
}

export function isActivityContentType(value: string | null): boolean {
  const type = (value ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "application/activity+json" || type === "application/ld+json";
}

function isJsonContentType(value: string | null): boolean {
  const type = (value ?? "").split(";")[0]?.trim().toLowerCase();
  return type === "application/jrd+json" || type === "application/json" || isActivityContentType(value);
}

/** Reads at most `limit` bytes; null (and the stream cancelled) when the body is larger. */
export async function readCapped(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

async function signatureStyle(db: Db, origin: string): Promise<"cavage" | "rfc9421"> {
  const rows = await db
    .select({ style: remoteOrigins.signatureStyle })
    .from(remoteOrigins)
    .where(sql`${remoteOrigins.origin} = ${origin}`)
    .limit(1);
  return rows[0]?.style ?? "cavage";
}

async function rememberRfc9421(db: Db, origin: string): Promise<void> {
  const now = Date.now();
  await db
    .insert(remoteOrigins)
    .values({ origin, signatureStyle: "rfc9421", updatedAt: now })
    .onConflictDoUpdate({ target: remoteOrigins.origin, set: { signatureStyle: "rfc9421", updatedAt: now } });
}

/** Releases a response body nobody will read. */
export async function discardBody(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // Already consumed or errored: nothing to release.
  }
}

/** The reason a remote exchange threw: a timeout, or the network. */
export function networkFailureReason(err: unknown): string {
  const name = (err as Error).name;
  return name === "TimeoutError" || name === "AbortError" ? "timed out" : `network error: ${(err as Error).message}`;
}

export type PublicGetResult = { ok: true; res: Response; url: string } | { ok: false; reason: string };

/**
 * An unsigned GET of a public resource (link previews, remote media) under this module's rules: no
 * private or reserved targets outside development, redirects followed by hand (at most MAX_REDIRECTS,
 * each re-checked), one timeout for the whole exchange (the body read included), non-2xx refused.
 * The caller reads (or discards) the body of the response it gets. Never throws.
 */
export async function getPublic(
  config: Config,
  fetcher: Fetcher,
  url: string,
  options: { accept: string; timeoutMs: number },
): Promise<PublicGetResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const headers = { accept: options.accept, "user-agent": `Petrel/${PETREL_VERSION} (+${config.baseUrl}/)` };
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const refused = unfetchableReason(config, current);
      if (refused) return { ok: false, reason: `${refused}: ${current}` };
      const res = await fetcher(current, { method: "GET", headers, redirect: "manual", signal });
      if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
        await discardBody(res);
        if (hop >= MAX_REDIRECTS) return { ok: false, reason: `more than ${MAX_REDIRECTS} redirects` };
        current = new URL(res.headers.get("location") ?? "", current).href;
        continue;
      }
      if (!res.ok) {
        await discardBody(res);
        return { ok: false, reason: `HTTP ${res.status}` };
      }
      return { ok: true, res, url: current };
    }
  } catch (err) {
    return { ok: false, reason: networkFailureReason(err) };
  }
}

export interface FetchOptions {
  /** "activity" (default): signed, ActivityStreams types only. "webfinger": unsigned, JRD or JSON. */
  kind?: "activity" | "webfinger";
  timeoutMs?: number;
}

async function send(
  ctx: RemoteContext,
  url: string,
  style: "cavage" | "rfc9421",
  signed: boolean,
  accept: string,
  timeoutMs: number,
): Promise<Response> {
  const headers = new Headers({ accept, "user-agent": `Petrel/${PETREL_VERSION} (+${ctx.config.baseUrl}/)` });
  if (signed) {
    const key = await ctx.signingKey();
    const request = { method: "GET", url, headers, body: null };
    if (style === "rfc9421") await signRfc9421(request, key);
    else await signCavage(request, key);
  }
  return ctx.fetcher(url, { method: "GET", headers, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
}

/** GETs a JSON document under every rule above. Never throws for remote misbehaviour. */
export async function fetchJson(ctx: RemoteContext, url: string, options: FetchOptions = {}): Promise<FetchResult> {
  const kind = options.kind ?? "activity";
  const signed = kind === "activity";
  const accept = signed ? ACTIVITY_ACCEPT : "application/jrd+json, application/json";
  const timeoutMs = options.timeoutMs ?? FETCH_TIMEOUT_MS;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      const refused = unfetchableReason(ctx.config, current);
      if (refused) return failure(`${refused}: ${current}`);
      if (await isSuspendedUrl(ctx.db, current)) return failure(`the server is blocked: ${current}`);
      const origin = new URL(current).origin;
      let style = signed ? await signatureStyle(ctx.db, origin) : "cavage";
      let res = await send(ctx, current, style, signed, accept, timeoutMs);
      if (res.status === 401 && signed && style === "cavage") {
        // Some peers (Mastodon nightlies with cavage off, RFC 9421-only servers) refuse cavage.
        await discardBody(res);
        style = "rfc9421";
        res = await send(ctx, current, style, signed, accept, timeoutMs);
        if (res.status !== 401) await rememberRfc9421(ctx.db, origin);
      }
      if (res.status >= 300 && res.status < 400 && res.headers.has("location")) {
        await discardBody(res);
        if (hop >= MAX_REDIRECTS) return failure(`more than ${MAX_REDIRECTS} redirects`, res.status);
        current = new URL(res.headers.get("location") ?? "", current).href;
        continue;
      }
      if (!res.ok) {
        await discardBody(res);
        return failure(`HTTP ${res.status}`, res.status);
      }
      const type = res.headers.get("content-type");
      if (signed ? !isActivityContentType(type) : !isJsonContentType(type)) {
        await discardBody(res);
        return failure(`unexpected content type ${type ?? "(none)"}`, res.status);
      }
      const declared = Number(res.headers.get("content-length") ?? "0");
      if (declared > MAX_BODY_BYTES) {
        await discardBody(res);
        return failure("body larger than 1 MB", res.status);
      }
      const bytes = await readCapped(res.body, MAX_BODY_BYTES);
      if (!bytes) return failure("body larger than 1 MB", res.status);
      try {
        return { ok: true, json: JSON.parse(new TextDecoder().decode(bytes)), url: current };
      } catch {
        return failure("body is not JSON", res.status);
      }
    }
  } catch (err) {
    const name = (err as Error).name;
    return failure(name === "TimeoutError" || name === "AbortError" ? "timed out" : `network error: ${(err as Error).message}`);
  }
}
