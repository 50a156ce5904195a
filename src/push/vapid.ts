/**
 * The instance's VAPID key pair (RFC 8292): one ECDSA P-256 pair, created the first time anything
 * needs it and kept in `instance_settings`. The private key is stored as a JWK sealed with
 * SECRET_KEY_BASE (src/crypto/secret-box.ts), as actor keys are (src/federation/keys.ts).
 *
 * Creation is race-safe the same way: concurrent first requests may each generate a pair, but
 * `INSERT ... ON CONFLICT DO NOTHING` lets only the first land and everyone reads back the stored one,
 * so clients never see two server keys.
 */
import { eq } from "drizzle-orm";
import { SignJWT } from "jose";
import type { Config } from "../config";
import { toBase64Url } from "../crypto/encoding";
import { open, seal } from "../crypto/secret-box";
import type { Db } from "../db/client";
import { instanceSettings } from "../db/schema";

export const VAPID_SETTING = "vapid_key";
const VAPID_PURPOSE = "vapid-private-key";

/** Push services accept tokens valid for at most 24 hours; Mastodon signs for 12. */
export const VAPID_TOKEN_LIFETIME_S = 12 * 60 * 60;

export interface VapidKeys {
  /** The uncompressed public point (65 bytes), base64url without padding (RFC 8292 `k=`). */
  publicKey: string;
  privateKey: CryptoKey;
}

interface StoredVapidKey {
  publicKey: string;
  privateKeySealed: string;
}

function parseStored(value: string): StoredVapidKey | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { publicKey, privateKeySealed } = parsed as Record<string, unknown>;
    if (typeof publicKey !== "string" || typeof privateKeySealed !== "string") return undefined;
    return { publicKey, privateKeySealed };
  } catch {
    return undefined;
  }
}

async function readStored(db: Db): Promise<StoredVapidKey | undefined> {
  const rows = await db
    .select({ value: instanceSettings.value })
    .from(instanceSettings)
    .where(eq(instanceSettings.key, VAPID_SETTING))
    .limit(1);
  return rows[0] ? parseStored(rows[0].value) : undefined;
}

async function generate(config: Config): Promise<StoredVapidKey> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const jwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  return { publicKey: toBase64Url(raw), privateKeySealed: await seal(config.secretKeyBase, VAPID_PURPOSE, JSON.stringify(jwk)) };
}

async function ensureStored(db: Db, config: Config): Promise<StoredVapidKey> {
  const existing = await readStored(db);
  if (existing) return existing;
  const generated = await generate(config);
  await db
    .insert(instanceSettings)
    .values({ key: VAPID_SETTING, value: JSON.stringify(generated), updatedAt: Date.now() })
    .onConflictDoNothing();
  const stored = await readStored(db);
  if (!stored) throw new Error("the VAPID key is unreadable");
  return stored;
}

/**
 * The public key as Mastodon publishes it (instance `configuration.vapid.public_key`, the app's
 * `vapid_key`, a subscription's `server_key`): base64url of the uncompressed point, with `=` padding
 * as Mastodon's own keys have it; every client decoder accepts it.
 */
export async function vapidPublicKey(db: Db, config: Config): Promise<string> {
  return padBase64(await ensureStored(db, config).then((s) => s.publicKey));
}

export function padBase64(text: string): string {
  return text + "=".repeat((4 - (text.length % 4)) % 4);
}

/** The pair for signing; the private key is opened per call and never cached across requests. */
export async function vapidKeys(db: Db, config: Config): Promise<VapidKeys> {
  const stored = await ensureStored(db, config);
  const jwk = JSON.parse(await open(config.secretKeyBase, VAPID_PURPOSE, stored.privateKeySealed)) as JsonWebKey;
  const privateKey = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  return { publicKey: stored.publicKey, privateKey };
}

/** The audience of a push endpoint: its origin (RFC 8292 §2). */
export function pushAudience(endpoint: string): string {
  return new URL(endpoint).origin;
}

/** `sub`: the operator's contact address, or the instance URL when none is configured (both allowed). */
export function vapidSubject(config: Config): string {
  return config.contactEmail ? `mailto:${config.contactEmail}` : config.baseUrl;
}

/** The ES256 JWT for one push service. */
export async function vapidToken(keys: VapidKeys, config: Config, endpoint: string, now: number = Date.now()): Promise<string> {
  return new SignJWT({ sub: vapidSubject(config) })
    .setProtectedHeader({ typ: "JWT", alg: "ES256" })
    .setAudience(pushAudience(endpoint))
    .setExpirationTime(Math.floor(now / 1000) + VAPID_TOKEN_LIFETIME_S)
    .sign(keys.privateKey);
}
