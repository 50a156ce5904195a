/**
 * OAuth test helpers: register apps through the API, and a minimal browser (cookie jar, no automatic
 * redirects) whose web session is written straight into D1, as the sign-in page would leave it.
 */
import { SELF } from "cloudflare:test";
import { eq, sql } from "drizzle-orm";
import { expect } from "vitest";
import { randomToken, sha256Base64Url, sha256Hex } from "../../src/crypto/tokens";
import { oauthAccessGrants, oauthAccessTokens, oauthApplications, webSessions } from "../../src/db/schema";
import { newId } from "../../src/ids";
import { api, BASE, db, uniqueName } from "../helpers/fixtures";
import { expectEntity } from "../helpers/openapi";

export function uniqueIp(): string {
  const groups = Array.from(crypto.getRandomValues(new Uint16Array(4)), (n) => n.toString(16));
  return `2001:db8:${groups.join(":")}`;
}

export interface RegisteredApp {
  id: string;
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  scopes: string[];
}

/** Registers an app through `POST /api/v1/apps` (JSON) and checks the entity. */
export async function registerApp(body: Record<string, unknown>): Promise<RegisteredApp> {
  const res = await api("/api/v1/apps", { json: body, headers: { "cf-connecting-ip": uniqueIp() } });
  expect(res.status).toBe(200);
  const json = (await res.json()) as RegisteredApp;
  expectEntity("CredentialApplication", json);
  return json;
}

/** Writes an app straight to D1 (registration itself is tested through the API in apps.test.ts). */
export async function createApp(options: { redirectUris: string; scopes?: string; name?: string }): Promise<RegisteredApp> {
  const clientId = randomToken(24);
  const clientSecret = randomToken(32);
  const id = newId();
  await db()
    .insert(oauthApplications)
    .values({
      id,
      name: options.name ?? uniqueName("App"),
      website: "https://app.example",
      redirectUris: options.redirectUris.split(/\s+/).join("\n"),
      scopes: options.scopes ?? "read write follow push",
      clientId,
      clientSecretHash: await sha256Hex(clientSecret),
      createdAt: Date.now(),
    });
  return {
    id: String(id),
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: options.redirectUris.split(/\s+/),
    scopes: (options.scopes ?? "read write follow push").split(" "),
  };
}

export async function countAppsNamed(name: string): Promise<number> {
  const rows = await db().select({ n: sql<number>`count(*)` }).from(oauthApplications).where(eq(oauthApplications.name, name));
  return rows[0]?.n ?? 0;
}

export async function countGrants(applicationId: string): Promise<number> {
  const rows = await db()
    .select({ n: sql<number>`count(*)` })
    .from(oauthAccessGrants)
    .where(eq(oauthAccessGrants.applicationId, Number(applicationId)));
  return rows[0]?.n ?? 0;
}

export async function countTokens(applicationId: number | string): Promise<number> {
  const rows = await db()
    .select({ n: sql<number>`count(*)` })
    .from(oauthAccessTokens)
    .where(eq(oauthAccessTokens.applicationId, Number(applicationId)));
  return rows[0]?.n ?? 0;
}

export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomToken(48);
  return { verifier, challenge: await sha256Base64Url(verifier) };
}

export function tokenRequest(body: Record<string, string>, options: { form?: boolean; ip?: string; basic?: string } = {}) {
  const headers: Record<string, string> = { "cf-connecting-ip": options.ip ?? uniqueIp() };
  if (options.basic) headers.authorization = `Basic ${options.basic}`;
  return options.form ? api("/oauth/token", { form: body, headers }) : api("/oauth/token", { json: body, headers });
}

export function csrfFrom(html: string): string | undefined {
  return /<input[^>]*name="authenticity_token"[^>]*value="([^"]*)"/.exec(html)?.[1];
}

/** Hidden fields of the first form on a page, in order (the consent form carries the request in them). */
export function hiddenFields(html: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)"\s*\/?>/g)) {
    fields.push([decodeEntities(m[1] as string), decodeEntities(m[2] as string)]);
  }
  return fields;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

export class Browser {
  readonly cookies = new Map<string, string>();
  readonly ip = uniqueIp();

  /** Signs in as `userId` by writing the session row the sign-in page would write. */
  async signIn(userId: number): Promise<void> {
    const raw = randomToken(32);
    const now = Date.now();
    await db()
      .insert(webSessions)
      .values({ idHash: await sha256Hex(raw), userId, pendingOtp: false, lastActiveAt: now, createdAt: now });
    this.cookies.set("petrel_session", raw);
  }

  async sessionExists(): Promise<boolean> {
    const raw = this.cookies.get("petrel_session");
    if (!raw) return false;
    const rows = await db()
      .select()
      .from(webSessions)
      .where(eq(webSessions.idHash, await sha256Hex(raw)));
    return rows.length > 0;
  }

  async request(path: string, init: { method?: string; form?: Array<[string, string]> } = {}): Promise<Response> {
    const headers: Record<string, string> = { "cf-connecting-ip": this.ip };
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(init.form).toString();
    }
    const url = path.startsWith("http") ? path : `${BASE}${path}`;
    const res = await SELF.fetch(url, { method: init.method ?? (body ? "POST" : "GET"), headers, body, redirect: "manual" });
    for (const line of res.headers.getAll("set-cookie")) {
      const m = /^([^=;\s]+)=([^;]*)/.exec(line);
      if (!m) continue;
      const [, name, value] = m as unknown as [string, string, string];
      if (value === "" || /max-age=0/i.test(line) || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}
