/**
 * Seeds a local D1 database (the SQLite file miniflare keeps under `<state>/v3/d1/...`) straight with
 * better-sqlite3, in a few big transactions: far faster than any API. The migrations are applied by
 * wrangler first, exactly as `npm run dev` does, so the schema, indexes and counter triggers are the
 * real ones (the triggers fire during seeding, so the counters are right).
 *
 * Shape (deterministic, from a fixed PRNG seed):
 * - ACCOUNTS local accounts `u0000`...`u0999`, each with a user and an access token `bench-token-<i>`,
 *   plus the author `star` followed by all of them;
 * - each account follows `star` and the 99 accounts after it (mod ACCOUNTS) except `u0000`, the
 *   home-timeline reader, whose 100 follows the benchmark makes through the API (the real merge path);
 * - STATUSES statuses over the past year by random accounts: mostly public, some unlisted, private
 *   and direct (with a mention), some replies and boosts, a few with media, tags and other languages.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export const ACCOUNTS = 1_000;
export const STATUSES = 1_000_000;
export const READER = 0;
export const FOLLOWS_PER_ACCOUNT = 99;
export const TOKEN_PREFIX = "bench-token-";
const SCOPES = "read write follow push";
const EPOCH_MS = Date.UTC(2000, 0, 1);

export interface SeedSummary {
  accounts: number;
  follows: number;
  statuses: number;
  /** Account ids by index (0..ACCOUNTS-1), then the star's id. */
  accountIds: number[];
  starId: number;
  ms: number;
}

/** The D1 database file inside a wrangler `--persist-to` directory (after migrations were applied). */
export function d1File(stateDir: string): string {
  const dir = path.join(stateDir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database under ${dir}; were the migrations applied?`);
  return path.join(dir, file);
}

export function tokenFor(index: number): string {
  return `${TOKEN_PREFIX}${index}`;
}

/** Snowflake ids as src/ids.ts mints them: (ms since 2000) * 4096 + sequence. */
function snowflake(ms: number, seq: number): number {
  return (ms - EPOCH_MS) * 4096 + (seq % 4096);
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

export function seed(file: string, options: { statuses?: number; log?: (line: string) => void } = {}): SeedSummary {
  const started = Date.now();
  const total = options.statuses ?? STATUSES;
  const log = options.log ?? (() => {});
  const db = new Database(file);
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -1000000");
  const now = Date.now();
  const createdAt = now - 400 * 86_400_000;

  // Accounts, users, tokens.
  const accountIds: number[] = [];
  const appId = snowflake(createdAt, 1);
  db.transaction(() => {
    db.prepare(
      `INSERT INTO oauth_applications (id, name, redirect_uris, scopes, client_id, client_secret_hash, created_at)
       VALUES (?, 'bench', 'urn:ietf:wg:oauth:2.0:oob', ?, 'bench-client', ?, ?)`,
    ).run(appId, SCOPES, sha256("bench-secret"), createdAt);
    const account = db.prepare(
      "INSERT INTO accounts (id, username, acct_key, display_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    const user = db.prepare(
      `INSERT INTO users (id, account_id, email, password_hash, confirmed_at, approved, created_at, updated_at)
       VALUES (?, ?, ?, 'bench-no-password', ?, 1, ?, ?)`,
    );
    const token = db.prepare(
      `INSERT INTO oauth_access_tokens (id, token_hash, application_id, user_id, scopes, token_sealed, created_at)
       VALUES (?, ?, ?, ?, ?, 'bench-unsealed', ?)`,
    );
    for (let i = 0; i <= ACCOUNTS; i++) {
      const name = i === ACCOUNTS ? "star" : `u${String(i).padStart(4, "0")}`;
      const id = snowflake(createdAt + i, 100);
      const userId = snowflake(createdAt + i, 200);
      account.run(id, name, name, name.toUpperCase(), createdAt, createdAt);
      user.run(userId, id, `${name}@bench.test`, createdAt, createdAt, createdAt);
      token.run(snowflake(createdAt + i, 300), sha256(tokenFor(i)), appId, userId, SCOPES, createdAt);
      accountIds.push(id);
    }
  })();
  const starId = accountIds[ACCOUNTS] as number;
  log(`accounts: ${ACCOUNTS + 1} in ${Date.now() - started} ms`);

  // Follows: everyone follows the star; all but the reader follow the 99 accounts after them.
  let follows = 0;
  db.transaction(() => {
    const follow = db.prepare("INSERT INTO follows (id, account_id, target_account_id, created_at) VALUES (?, ?, ?, ?)");
    let seq = 0;
    const nextId = () => {
      seq += 1;
      return snowflake(createdAt + 10_000 + Math.floor(seq / 4096), seq);
    };
    for (let i = 0; i < ACCOUNTS; i++) {
      const source = accountIds[i] as number;
      follow.run(nextId(), source, starId, createdAt);
      follows += 1;
      if (i === READER) continue;
      for (let k = 1; k <= FOLLOWS_PER_ACCOUNT; k++) {
        follow.run(nextId(), source, accountIds[(i + k) % ACCOUNTS] as number, createdAt);
        follows += 1;
      }
    }
  })();
  log(`follows: ${follows} in ${Date.now() - started} ms`);

  // Statuses over the past year, in id order (appends to the primary key, as real posting does).
  const random = prng(20_260_101);
  const tagIds: number[] = [];
  db.transaction(() => {
    const tag = db.prepare("INSERT INTO tags (id, name, display_name, created_at) VALUES (?, ?, ?, ?)");
    for (let t = 0; t < 50; t++) {
      const id = snowflake(createdAt + 20_000 + t, 0);
      tag.run(id, `tag${t}`, `Tag${t}`, createdAt);
      tagIds.push(id);
    }
  })();
  const status = db.prepare(
    `INSERT INTO statuses (id, account_id, local, in_reply_to_id, in_reply_to_account_id, reblog_of_id, conversation_id,
       text, content, visibility, language, media_count, created_at)
     VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const mention = db.prepare("INSERT OR IGNORE INTO mentions (status_id, account_id) VALUES (?, ?)");
  const statusTag = db.prepare("INSERT OR IGNORE INTO status_tags (status_id, tag_id) VALUES (?, ?)");
  const recent: Array<{ id: number; author: number }> = [];
  const span = 365 * 86_400_000;
  const start = now - span - 60_000;
  const chunk = 100_000;
  for (let from = 0; from < total; from += chunk) {
    db.transaction(() => {
      for (let k = from; k < Math.min(from + chunk, total); k++) {
        const at = start + Math.floor((k / total) * span);
        const id = snowflake(at, k);
        const author = accountIds[Math.floor(random() * ACCOUNTS)] as number;
        const roll = random();
        const visibility = roll < 0.85 ? "public" : roll < 0.93 ? "unlisted" : roll < 0.98 ? "private" : "direct";
        const kind = random();
        const target = recent.length > 0 ? recent[Math.floor(random() * recent.length)] : undefined;
        const boost = target && kind < 0.08 && visibility === "public" && target.author !== author ? target : undefined;
        const reply = !boost && target && kind < 0.18 ? target : undefined;
        const text = boost ? "" : `status ${k} by ${author}`;
        status.run(
          id,
          author,
          reply?.id ?? null,
          reply?.author ?? null,
          boost?.id ?? null,
          reply?.id ?? id,
          text,
          boost ? "" : `<p>${text}</p>`,
          visibility,
          boost ? null : random() < 0.9 ? "en" : "de",
          !boost && random() < 0.1 ? 1 : 0,
          at,
        );
        if (!boost && (visibility === "direct" || random() < 0.05)) {
          mention.run(id, accountIds[Math.floor(random() * ACCOUNTS)]);
        }
        if (!boost && random() < 0.05) statusTag.run(id, tagIds[Math.floor(random() * tagIds.length)]);
        if (!boost && visibility === "public") {
          if (recent.length < 2_000) recent.push({ id, author });
          else recent[Math.floor(random() * recent.length)] = { id, author };
        }
      }
    })();
    log(`statuses: ${Math.min(from + chunk, total)} in ${Date.now() - started} ms`);
  }
  // No ANALYZE: a D1 database has no planner statistics unless someone runs it, so neither does this one.
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { accounts: ACCOUNTS + 1, follows, statuses: total, accountIds, starId, ms: Date.now() - started };
}
