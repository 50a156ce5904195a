/**
 * Two-factor authentication with TOTP and single-use recovery codes. The seed is stored sealed; it
 * stays unused (`otpEnabled` false) until the person proves their app computes the same codes.
 * Recovery codes are stored only as SHA-256 hashes and are shown once. Every code-consuming write is
 * conditional on the row still being as it was read, so two concurrent requests cannot both spend the
 * same TOTP step or recovery code.
 */
import { and, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Config } from "../config";
import { toHex } from "../crypto/encoding";
import { open, seal } from "../crypto/secret-box";
import { sha256Hex } from "../crypto/tokens";
import { base32Decode, base32Encode, generateTotpSecret, matchTotp, otpauthUri } from "../crypto/totp";
import type { Db } from "../db/client";
import { type Account, type User, users } from "../db/schema";

const SECRET_PURPOSE = "totp-secret";
export const RECOVERY_CODE_COUNT = 10;

export interface TwoFactorSetup {
  secretBase32: string;
  uri: string;
}

export type TwoFactorState = "disabled" | "pending" | "enabled";

export function twoFactorState(user: User): TwoFactorState {
  if (user.otpEnabled) return "enabled";
  return user.otpSecretSealed ? "pending" : "disabled";
}

/** Generates and stores a fresh seed (replacing an unconfirmed one). Undefined if 2FA is already on. */
export async function beginTwoFactorSetup(
  db: Db,
  config: Config,
  user: User,
  account: Account,
): Promise<TwoFactorSetup | undefined> {
  if (user.otpEnabled) return undefined;
  const secretBase32 = base32Encode(generateTotpSecret());
  const sealed = await seal(config.secretKeyBase, SECRET_PURPOSE, secretBase32);
  const updated = await db
    .update(users)
    .set({ otpSecretSealed: sealed, otpEnabled: false, otpLastStep: null, updatedAt: Date.now() })
    .where(and(eq(users.id, user.id), eq(users.otpEnabled, false)))
    .returning({ id: users.id });
  if (updated.length === 0) return undefined;
  return { secretBase32, uri: setupUri(config, account, secretBase32) };
}

/** The seed of an unconfirmed setup, to show again when the confirmation code was wrong. */
export async function pendingTwoFactorSetup(config: Config, user: User, account: Account): Promise<TwoFactorSetup | undefined> {
  if (user.otpEnabled || !user.otpSecretSealed) return undefined;
  const secretBase32 = await open(config.secretKeyBase, SECRET_PURPOSE, user.otpSecretSealed);
  return { secretBase32, uri: setupUri(config, account, secretBase32) };
}

function setupUri(config: Config, account: Account, secretBase32: string): string {
  return otpauthUri({ secretBase32, issuer: config.title, accountName: `${account.username}@${config.localDomain}` });
}

/**
 * Turns 2FA on if `code` is the current code for the pending seed; returns the new recovery codes
 * (to be shown once), or undefined when the code is wrong or there is nothing to confirm.
 */
export async function confirmTwoFactor(
  db: Db,
  config: Config,
  user: User,
  code: string,
  now: number = Date.now(),
): Promise<string[] | undefined> {
  if (user.otpEnabled || !user.otpSecretSealed) return undefined;
  const secret = base32Decode(await open(config.secretKeyBase, SECRET_PURPOSE, user.otpSecretSealed));
  const step = await matchTotp(secret, normalizeCode(code), now);
  if (step === undefined) return undefined;
  const codes = generateRecoveryCodes();
  const updated = await db
    .update(users)
    .set({ otpEnabled: true, otpLastStep: step, otpRecoveryHashes: await hashCodes(codes), updatedAt: now })
    .where(and(eq(users.id, user.id), eq(users.otpEnabled, false), eq(users.otpSecretSealed, user.otpSecretSealed)))
    .returning({ id: users.id });
  return updated.length > 0 ? codes : undefined;
}

export async function disableTwoFactor(db: Db, userId: number): Promise<void> {
  await db
    .update(users)
    .set({ otpSecretSealed: null, otpEnabled: false, otpRecoveryHashes: [], otpLastStep: null, updatedAt: Date.now() })
    .where(eq(users.id, userId));
}

/** Replaces all recovery codes; undefined when 2FA is off. */
export async function regenerateRecoveryCodes(db: Db, user: User): Promise<string[] | undefined> {
  if (!user.otpEnabled) return undefined;
  const codes = generateRecoveryCodes();
  const updated = await db
    .update(users)
    .set({ otpRecoveryHashes: await hashCodes(codes), updatedAt: Date.now() })
    .where(and(eq(users.id, user.id), eq(users.otpEnabled, true)))
    .returning({ id: users.id });
  return updated.length > 0 ? codes : undefined;
}

/**
 * Checks a sign-in's second factor: a TOTP code newer than the last one accepted, or an unused
 * recovery code. Either is consumed on success.
 */
export async function verifySecondFactor(
  db: Db,
  config: Config,
  user: User,
  input: string,
  now: number = Date.now(),
): Promise<boolean> {
  if (!user.otpEnabled || !user.otpSecretSealed) return false;
  const code = normalizeCode(input);
  if (/^\d{6}$/.test(code)) {
    const secret = base32Decode(await open(config.secretKeyBase, SECRET_PURPOSE, user.otpSecretSealed));
    const step = await matchTotp(secret, code, now, { lastStep: user.otpLastStep });
    if (step === undefined) return false;
    const updated = await db
      .update(users)
      .set({ otpLastStep: step })
      .where(and(eq(users.id, user.id), or(isNull(users.otpLastStep), lt(users.otpLastStep, step))))
      .returning({ id: users.id });
    return updated.length > 0;
  }
  if (!/^[0-9a-f]{10}$/.test(code)) return false;
  const hash = await sha256Hex(code);
  if (!user.otpRecoveryHashes.includes(hash)) return false;
  const remaining = user.otpRecoveryHashes.filter((h) => h !== hash);
  const updated = await db
    .update(users)
    .set({ otpRecoveryHashes: remaining })
    .where(and(eq(users.id, user.id), sql`${users.otpRecoveryHashes} = ${JSON.stringify(user.otpRecoveryHashes)}`))
    .returning({ id: users.id });
  return updated.length > 0;
}

/** People paste codes with spaces or dashes and in either case. */
function normalizeCode(input: string): string {
  return input.replace(/[\s-]/g, "").toLowerCase();
}

function generateRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => toHex(crypto.getRandomValues(new Uint8Array(5))));
}

function hashCodes(codes: string[]): Promise<string[]> {
  return Promise.all(codes.map((c) => sha256Hex(c)));
}
