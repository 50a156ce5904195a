/**
 * OAuth applications: registration (`POST /api/v1/apps`) with Doorkeeper's validations and
 * Mastodon's 422 wording, lookup by client_id, and client authentication for the token and revoke
 * endpoints (HTTP Basic or body params, RFC 6749 §2.3.1).
 */
import { eq } from "drizzle-orm";
import type { Config } from "../config";
import { timingSafeEqual } from "../crypto/encoding";
import { randomToken, sha256Hex } from "../crypto/tokens";
import type { Db } from "../db/client";
import { type OauthApplication, oauthApplications } from "../db/schema";
import { ApiError } from "../errors";
import { newId } from "../ids";
import { vapidPublicKey } from "../push/vapid";
import type { Params } from "../util/params";
import { isKnownScope, parseScopes } from "./scopes";

export const OOB_REDIRECT_URI = "urn:ietf:wg:oauth:2.0:oob";
export const DEFAULT_SCOPES = ["read"];
const NAME_MAX = 60;
const URI_TEXT_MAX = 2000;
/** Mastodon forbids these as redirect targets: they would run script in the authorize page's origin. */
const FORBIDDEN_SCHEMES = new Set(["javascript", "data", "vbscript"]);

export interface NewApplicationInput {
  name: string;
  website: string | null;
  redirectUris: string[];
  scopes: string[];
}

/** Reads and validates registration params; throws Mastodon's "Validation failed: ..." 422. */
export function readApplicationInput(params: Params): NewApplicationInput {
  const errors: string[] = [];
  const name = params.string("client_name") ?? "";
  if (name.trim() === "") errors.push("Application name can't be blank");
  else if ([...name].length > NAME_MAX) errors.push(`Application name is too long (maximum is ${NAME_MAX} characters)`);

  const redirectUris = params.strings("redirect_uris").flatMap((v) => v.split(/\s+/).filter(Boolean));
  errors.push(...redirectUriErrors(redirectUris));

  const scopeText = params.has("scopes") ? scopeParam(params, "scopes") : "";
  const scopes = parseScopes(scopeText);
  const effectiveScopes = scopes.length > 0 ? scopes : DEFAULT_SCOPES;
  if (!effectiveScopes.every(isKnownScope)) errors.push("Scopes doesn't match configured on the server.");

  const websiteRaw = (params.string("website") ?? "").trim();
  if (websiteRaw !== "" && !isHttpUrl(websiteRaw)) errors.push("Application website is invalid");
  if (websiteRaw.length > URI_TEXT_MAX) errors.push(`Application website is too long (maximum is ${URI_TEXT_MAX} characters)`);

  if (errors.length > 0) throw new ApiError(422, `Validation failed: ${errors.join(", ")}`);
  return { name, website: websiteRaw === "" ? null : websiteRaw, redirectUris, scopes: effectiveScopes };
}

/** `scope(s)` may arrive as one space/plus-separated string or, from some form encoders, as a list. */
export function scopeParam(params: Params, name: string): string {
  const raw = params.raw[name];
  if (Array.isArray(raw)) return params.strings(name).join(" ");
  return params.string(name) ?? "";
}

export function redirectUriErrors(uris: string[]): string[] {
  if (uris.length === 0) return ["Redirect URI can't be blank"];
  const errors = new Set<string>();
  if (uris.join("\n").length > URI_TEXT_MAX) errors.add(`Redirect URI is too long (maximum is ${URI_TEXT_MAX} characters)`);
  for (const uri of uris) {
    const problem = redirectUriProblem(uri);
    if (problem) errors.add(`Redirect URI ${problem}`);
  }
  return [...errors];
}

/** Doorkeeper's RedirectUriValidator, on WHATWG URL parsing plus Ruby URI's refusal of odd characters. */
function redirectUriProblem(uri: string): string | undefined {
  if (uri === OOB_REDIRECT_URI) return undefined;
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(uri);
  if (scheme && FORBIDDEN_SCHEMES.has((scheme[1] as string).toLowerCase())) return "is forbidden by the server.";
  // Printable ASCII only: these URIs end up in Location headers, CSP directives and HTML attributes.
  if (/[^\x21-\x7e]|[<>"{}|\\^`]/.test(uri)) return "must be a valid URI.";
  if (!scheme) return "must be an absolute URI.";
  if (uri.includes("#")) return "cannot contain a fragment.";
  // `myapp:callback` or `localhost:3000` is opaque: nothing a browser can hand back a code to.
  if (!(scheme[2] as string).startsWith("/")) return "must be an absolute URI.";
  try {
    new URL(uri);
  } catch {
    return "must be a valid URI.";
  }
  return undefined;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

export async function createApplication(
  db: Db,
  input: NewApplicationInput,
  now: number = Date.now(),
): Promise<{ app: OauthApplication; clientSecret: string }> {
  const clientSecret = randomToken(32);
  const app: OauthApplication = {
    id: newId(now),
    name: input.name,
    website: input.website,
    redirectUris: input.redirectUris.join("\n"),
    scopes: input.scopes.join(" "),
    clientId: randomToken(32),
    clientSecretHash: await sha256Hex(clientSecret),
    ownerUserId: null,
    createdAt: now,
  };
  await db.insert(oauthApplications).values(app);
  return { app, clientSecret };
}

export async function findApplicationByClientId(db: Db, clientId: string): Promise<OauthApplication | undefined> {
  if (clientId === "" || clientId.length > 256) return undefined;
  const rows = await db.select().from(oauthApplications).where(eq(oauthApplications.clientId, clientId)).limit(1);
  return rows[0];
}

export async function findApplicationById(db: Db, id: number): Promise<OauthApplication | undefined> {
  const rows = await db.select().from(oauthApplications).where(eq(oauthApplications.id, id)).limit(1);
  return rows[0];
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** HTTP Basic wins over body params, as in Doorkeeper (`client_secret_basic`, then `client_secret_post`). */
export function clientCredentialsFrom(req: Request, params: Params): ClientCredentials | undefined {
  const header = req.headers.get("authorization");
  const basic = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (basic) {
    let decoded: string;
    try {
      decoded = atob(basic[1] as string);
    } catch {
      return undefined;
    }
    const colon = decoded.indexOf(":");
    if (colon < 0) return undefined;
    // RFC 6749 §2.3.1: both halves are form-urlencoded before being joined.
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    return id === undefined || secret === undefined ? undefined : { clientId: id, clientSecret: secret };
  }
  const clientId = params.string("client_id");
  if (!clientId) return undefined;
  return { clientId, clientSecret: params.string("client_secret") ?? "" };
}

function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return undefined;
  }
}

/** The application whose id and secret these are; `undefined` for any mismatch (never says which). */
export async function authenticateClient(db: Db, creds: ClientCredentials | undefined): Promise<OauthApplication | undefined> {
  if (!creds || creds.clientSecret === "") return undefined;
  const app = await findApplicationByClientId(db, creds.clientId);
  const presented = await sha256Hex(creds.clientSecret);
  if (!app) return undefined;
  return timingSafeEqual(presented, app.clientSecretHash) ? app : undefined;
}

/** The instance's Web Push (VAPID) public key, which Mastodon also hands out as the app's `vapid_key`. */
export function currentVapidKey(db: Db, config: Config): Promise<string> {
  return vapidPublicKey(db, config);
}
