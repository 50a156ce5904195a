/** Local key pairs: generated once on first need, even under concurrency, and stored sealed. */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { open } from "../../src/crypto/secret-box";
import { accounts, instanceSettings } from "../../src/db/schema";
import {
  accountSigningKey,
  ensureAccountKey,
  ensureInstanceActorKey,
  INSTANCE_ACTOR_KEY_SETTING,
  instanceActorSigningKey,
  PRIVATE_KEY_PURPOSE,
} from "../../src/federation/keys";
import { importPublicKey, signBytes, verifyBytes } from "../../src/federation/signatures/crypto-keys";
import { config, createTestUser, db } from "../helpers/fixtures";

async function signsFor(key: CryptoKey, publicKeyPem: string): Promise<boolean> {
  const data = new TextEncoder().encode("probe");
  const signature = await signBytes("rsa-v1_5-sha256", key, data);
  return verifyBytes("rsa-v1_5-sha256", await importPublicKey(publicKeyPem, "rsa-v1_5-sha256"), signature, data);
}

describe("account keys", () => {
  it("has no key until one is needed", async () => {
    const { account } = await createTestUser();
    expect(account.publicKeyPem).toBeNull();
    expect(account.privateKeySealed).toBeNull();
  });

  it("generates one RSA-2048 key pair, however many requests race for it", async () => {
    const { account } = await createTestUser();
    const results = await Promise.all(Array.from({ length: 5 }, () => ensureAccountKey(db(), config(), account)));
    const pems = new Set(results.map((r) => r.publicKeyPem));
    expect(pems.size).toBe(1);
    expect(results[0]?.keyId).toBe(`http://petrel.test/users/${account.username}#main-key`);

    const [row] = await db().select().from(accounts).where(eq(accounts.id, account.id));
    expect(row?.publicKeyPem).toBe(results[0]?.publicKeyPem);
    expect(row?.publicKeyId).toBe(results[0]?.keyId);
    // Stored sealed, never as PEM: the database alone does not give the key away.
    expect(row?.privateKeySealed).toMatch(/^v1\./);
    expect(row?.privateKeySealed).not.toContain("PRIVATE KEY");
    const pem = await open(config().secretKeyBase, PRIVATE_KEY_PURPOSE, row?.privateKeySealed ?? "");
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    await expect(
      open("another-secret-key-base-0123456789abcdef", PRIVATE_KEY_PURPOSE, row?.privateKeySealed ?? ""),
    ).rejects.toThrow();

    const again = await ensureAccountKey(db(), config(), row ?? account);
    expect(again.publicKeyPem).toBe(results[0]?.publicKeyPem);
  });

  it("signs with the private half of the published key", async () => {
    const { account } = await createTestUser();
    const signing = await accountSigningKey(db(), config(), account.id);
    const published = await ensureAccountKey(db(), config(), account);
    expect(signing.keyId).toBe(published.keyId);
    expect(await signsFor(signing.privateKey, published.publicKeyPem)).toBe(true);
    // The modulus is 2048 bits (what Mastodon expects).
    const spkiLength = published.publicKeyPem.replace(/-----[A-Z ]+-----|\s/g, "").length;
    expect(spkiLength).toBeGreaterThan(380);
  });
});

describe("instance actor key", () => {
  it("is generated once into instance_settings, sealed, and signs for its public half", async () => {
    await db().delete(instanceSettings).where(eq(instanceSettings.key, INSTANCE_ACTOR_KEY_SETTING));
    const results = await Promise.all(Array.from({ length: 4 }, () => ensureInstanceActorKey(db(), config())));
    expect(new Set(results.map((r) => r.publicKeyPem)).size).toBe(1);
    expect(results[0]?.keyId).toBe("http://petrel.test/actor#main-key");

    const [row] = await db().select().from(instanceSettings).where(eq(instanceSettings.key, INSTANCE_ACTOR_KEY_SETTING));
    const stored = JSON.parse(row?.value ?? "{}") as { publicKeyPem: string; privateKeySealed: string };
    expect(stored.publicKeyPem).toBe(results[0]?.publicKeyPem);
    expect(stored.privateKeySealed).toMatch(/^v1\./);
    expect(row?.value).not.toContain("PRIVATE KEY");

    const signing = await instanceActorSigningKey(db(), config());
    expect(await signsFor(signing.privateKey, stored.publicKeyPem)).toBe(true);
  });
});
