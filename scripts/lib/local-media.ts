/**
 * The local instance's D1 and R2 together, for the media and emoji commands: they run the Worker's own
 * services (src/services/custom-emojis.ts, src/media/remote/cleanup.ts), which write R2 objects and D1
 * rows. Same Miniflare persistence as local-d1.ts (`<stateDir>/v3/d1` and `<stateDir>/v3/r2`, keyed by
 * the D1 database id and the R2 bucket name from wrangler.toml), so it is what `wrangler dev` serves.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { miniflarePersistRoot } from "./local-state";
import { type Db, loadDbClientModule } from "./petrel-src";
import { WRANGLER_CONFIG, wranglerEnv } from "./repo";
import { readLocalD1DatabaseId } from "./wrangler-toml";

/** The bucket name of the `[[r2_buckets]]` entry with `binding`, read with a tiny matcher for that block. */
export function readR2BucketName(binding = "MEDIA", file = WRANGLER_CONFIG): string {
  const text = readFileSync(file, "utf8");
  for (const block of text.split(/^\[\[r2_buckets\]\]\s*$/m).slice(1)) {
    const body = block.split(/^\[/m)[0] ?? "";
    const b = /^\s*binding\s*=\s*"([^"]*)"/m.exec(body)?.[1];
    const name = /^\s*bucket_name\s*=\s*"([^"]*)"/m.exec(body)?.[1];
    if (b === binding && name) return name;
  }
  throw new Error(`${file} has no [[r2_buckets]] entry with binding = "${binding}"`);
}

/** What the scripts use of an R2 bucket binding (the full type lives in @cloudflare/workers-types). */
export type Bucket = { readonly __brand: "R2Bucket" };

export interface LocalMedia {
  db: Db;
  bucket: Bucket;
  close(): Promise<void>;
}

/** Opens D1 and R2 of `stateDir`; migrations must already be applied (petrel.ts opens the database first). */
export async function openLocalMedia(stateDir: string): Promise<LocalMedia> {
  Object.assign(process.env, wranglerEnv(stateDir));
  const { Miniflare } = await import("miniflare");
  const root = miniflarePersistRoot(stateDir);
  const mf = new Miniflare({
    modules: true,
    script: "",
    d1Persist: path.join(root, "d1"),
    d1Databases: { DB: readLocalD1DatabaseId("DB") },
    r2Persist: path.join(root, "r2"),
    r2Buckets: { MEDIA: readR2BucketName("MEDIA") },
  });
  try {
    const [{ createDb }, d1, bucket] = await Promise.all([loadDbClientModule(), mf.getD1Database("DB"), mf.getR2Bucket("MEDIA")]);
    return { db: createDb(d1), bucket: bucket as unknown as Bucket, close: () => mf.dispose() };
  } catch (err) {
    await mf.dispose();
    throw err;
  }
}

export interface CustomEmojisModule {
  importCustomEmoji(
    ctx: { db: Db; bucket: Bucket },
    input: { fileName: string; bytes: Uint8Array; shortcode?: string; category?: string },
  ): Promise<{ id: number; shortcode: string; category: string | null; fileSize: number | null }>;
}

export type UsageKind = "local" | "avatars_headers" | "emoji" | "remote_cache";

export interface RemoteCleanupModule {
  expireAllRemoteMedia(db: Db, bucket: Bucket, days: number, now?: number): Promise<number>;
  mediaUsage(
    db: Db,
    bucket: Bucket,
  ): Promise<{
    bytes: Record<UsageKind, number>;
    counts: Record<UsageKind, number>;
    remoteCacheByKind: Record<string, { bytes: number; count: number } | undefined>;
  }>;
}

async function load<T>(relativePath: string): Promise<T> {
  return (await import(new URL(`../../src/${relativePath}`, import.meta.url).href)) as T;
}

export const loadCustomEmojisModule = () => load<CustomEmojisModule>("services/custom-emojis.ts");
export const loadRemoteCleanupModule = () => load<RemoteCleanupModule>("media/remote/cleanup.ts");
