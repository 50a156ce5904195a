/**
 * Signing keys of local actors. Each local account gets an RSA-2048 key pair (what every peer
 * verifies) the first time one is needed: its actor document is fetched or it first delivers.
 * The instance actor's pair lives in `instance_settings`. Private keys are stored sealed with
 * SECRET_KEY_BASE (src/crypto/secret-box.ts), never as PEM, and are opened per request.
 *
 * Generation is race-safe: concurrent first requests may each generate a pair, but only the
 * first write lands (`WHERE private_key_sealed IS NULL` / `INSERT OR IGNORE`) and everyone then
 * reads back the stored one, so an account never publishes two keys.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Config } from "../config";
import { open, seal } from "../crypto/secret-box";
import type { Db } from "../db/client";
import { type Account, accounts, instanceSettings } from "../db/schema";
import { actorUri } from "../urls";
import { derToPem, importPrivateKeyPem } from "./signatures/crypto-keys";

export const PRIVATE_KEY_PURPOSE = "actor-private-key";
export const INSTANCE_ACTOR_KEY_SETTING = "instance_actor_key";

export interface PublicKeyInfo {
  keyId: string;
  publicKeyPem: string;
}

/** What signs outgoing requests; built per request and never cached across requests. */
export interface SigningKey {
  keyId: string;
  privateKey: CryptoKey;
  algorithm: "rsa-v1_5-sha256";
}

interface StoredInstanceKey {
  publicKeyPem: string;
  privateKeySealed: string;
}

export function instanceActorUri(config: Config): string {
  return `${config.baseUrl}/actor`;
}

export function mainKeyId(actor: string): string {
  return `${actor}#main-key`;
}

async function generateKeyPair(config: Config): Promise<{ publicKeyPem: string; privateKeySealed: string }> {
  const pair = (await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  )) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  const pkcs8 = new Uint8Array((await crypto.subtle.exportKey("pkcs8", pair.privateKey)) as ArrayBuffer);
  return {
    publicKeyPem: derToPem(spki, "PUBLIC KEY"),
    privateKeySealed: await seal(config.secretKeyBase, PRIVATE_KEY_PURPOSE, derToPem(pkcs8, "PRIVATE KEY")),
  };
}

type KeyColumns = Pick<Account, "id" | "username" | "domain" | "publicKeyPem" | "publicKeyId" | "privateKeySealed">;

async function readKeyColumns(db: Db, accountId: number): Promise<KeyColumns | undefined> {
  const rows = await db
    .select({
      id: accounts.id,
      username: accounts.username,
      domain: accounts.domain,
      publicKeyPem: accounts.publicKeyPem,
      publicKeyId: accounts.publicKeyId,
      privateKeySealed: accounts.privateKeySealed,
    })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .limit(1);
  return rows[0];
}

/** The local account's stored pair, generating it on first need. */
async function ensureAccountKeyColumns(db: Db, config: Config, account: KeyColumns): Promise<KeyColumns & StoredInstanceKey> {
  if (account.domain !== null) throw new Error("only local accounts have private keys");
  if (account.publicKeyPem && account.privateKeySealed && account.publicKeyId) {
    return { ...account, publicKeyPem: account.publicKeyPem, privateKeySealed: account.privateKeySealed };
  }
  const generated = await generateKeyPair(config);
  await db
    .update(accounts)
    .set({
      publicKeyPem: generated.publicKeyPem,
      publicKeyId: mainKeyId(actorUri(config, account.username)),
      privateKeySealed: generated.privateKeySealed,
    })
    .where(and(eq(accounts.id, account.id), isNull(accounts.privateKeySealed), isNull(accounts.domain)));
  // Whoever won the race, the stored pair is the one.
  const stored = await readKeyColumns(db, account.id);
  if (!stored?.publicKeyPem || !stored.privateKeySealed || !stored.publicKeyId)
    throw new Error(`account ${account.id} has no key after generation`);
  return { ...stored, publicKeyPem: stored.publicKeyPem, privateKeySealed: stored.privateKeySealed };
}

/** The public key a local account's actor document publishes (generated on first need). */
export async function ensureAccountKey(db: Db, config: Config, account: KeyColumns): Promise<PublicKeyInfo> {
  const stored = await ensureAccountKeyColumns(db, config, account);
  return { keyId: stored.publicKeyId ?? mainKeyId(actorUri(config, stored.username)), publicKeyPem: stored.publicKeyPem };
}

/** The key a local account signs deliveries with. */
export async function accountSigningKey(db: Db, config: Config, accountId: number): Promise<SigningKey> {
  const account = await readKeyColumns(db, accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  const stored = await ensureAccountKeyColumns(db, config, account);
  const pem = await open(config.secretKeyBase, PRIVATE_KEY_PURPOSE, stored.privateKeySealed);
  return {
    keyId: stored.publicKeyId ?? mainKeyId(actorUri(config, stored.username)),
    privateKey: await importPrivateKeyPem(pem, "rsa-v1_5-sha256"),
    algorithm: "rsa-v1_5-sha256",
  };
}

function parseStoredInstanceKey(value: string): StoredInstanceKey | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== "object" || parsed === null) return undefined;
    const { publicKeyPem, privateKeySealed } = parsed as Record<string, unknown>;
    if (typeof publicKeyPem !== "string" || typeof privateKeySealed !== "string") return undefined;
    return { publicKeyPem, privateKeySealed };
  } catch {
    return undefined;
  }
}

async function ensureInstanceKeyRow(db: Db, config: Config): Promise<StoredInstanceKey> {
  const read = async () => {
    const rows = await db
      .select({ value: instanceSettings.value })
      .from(instanceSettings)
      .where(eq(instanceSettings.key, INSTANCE_ACTOR_KEY_SETTING))
      .limit(1);
    return rows[0] ? parseStoredInstanceKey(rows[0].value) : undefined;
  };
  const existing = await read();
  if (existing) return existing;
  const generated = await generateKeyPair(config);
  await db
    .insert(instanceSettings)
    .values({ key: INSTANCE_ACTOR_KEY_SETTING, value: JSON.stringify(generated), updatedAt: Date.now() })
    .onConflictDoNothing();
  const stored = await read();
  if (!stored) throw new Error("instance actor key is unreadable");
  return stored;
}

/** The instance actor's public key (generated on first need). */
export async function ensureInstanceActorKey(db: Db, config: Config): Promise<PublicKeyInfo> {
  const stored = await ensureInstanceKeyRow(db, config);
  return { keyId: mainKeyId(instanceActorUri(config)), publicKeyPem: stored.publicKeyPem };
}

/** The key every outgoing GET is signed with (INTEROP §1.3). */
export async function instanceActorSigningKey(db: Db, config: Config): Promise<SigningKey> {
  const stored = await ensureInstanceKeyRow(db, config);
  const pem = await open(config.secretKeyBase, PRIVATE_KEY_PURPOSE, stored.privateKeySealed);
  return {
    keyId: mainKeyId(instanceActorUri(config)),
    privateKey: await importPrivateKeyPem(pem, "rsa-v1_5-sha256"),
    algorithm: "rsa-v1_5-sha256",
  };
}
